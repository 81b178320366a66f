/*
 * step-codec: the start/step codec of python-blosc2's tutorial
 * "User-defined codecs and filters" (codec id 184 there), in C. Byte for
 * byte the same as the Rust example (examples/rust/step-codec).
 *
 * Used after delta-filter, it stores an arithmetic sequence in two items:
 * a block of at least three typesize-byte items whose items after the
 * first are all equal becomes
 *
 *     [ start: typesize bytes ][ step: typesize bytes ]
 *
 * (its first two items, copied as they are: 8 bytes for int32). Any other
 * block is declined (stored raw), as are blocks of fewer than three items,
 * blocks that are not a whole number of items, and typesize 0. `meta` is
 * ignored.
 */
#include <string.h>

#include "sandpress.h"

/* Whether a[0..n) == b[0..n), eight bytes at a time (wasi-libc's memcmp
 * goes byte by byte). */
static int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (size_t j = 0; j < 64; j += 8) {
            uint64_t x, y;
            memcpy(&x, a + i + j, 8);
            memcpy(&y, b + i + j, 8);
            diff |= x ^ y;
        }
        if (diff != 0) {
            return 0;
        }
    }
    for (; i < n; i++) {
        diff |= (uint64_t)(a[i] ^ b[i]);
    }
    return diff == 0;
}

/* Fills out[0..n) with copies of value[0..k) (n a multiple of k), doubling
 * the filled prefix. */
static void fill_repeating(uint8_t *out, size_t n, const uint8_t *value, size_t k) {
    if (n < k) {
        return;
    }
    memcpy(out, value, k);
    size_t filled = k;
    while (filled < n) {
        size_t m = filled < n - filled ? filled : n - filled;
        memcpy(out + filled, out, m);
        filled += m;
    }
}

int sp_encode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    (void)meta;
    size_t ts = info->typesize;
    if (ts == 0 || len % ts != 0) {
        return SP_STORE_RAW;
    }
    uint64_t encoded_len = 2 * (uint64_t)ts;
    if (encoded_len >= len) {
        return SP_STORE_RAW;
    }
    /* The items after the first are all equal: that part of the block
     * equals itself shifted by one item. */
    const uint8_t *rest = in + ts;
    if (!same_bytes(rest + ts, rest, len - 2 * ts)) {
        return SP_STORE_RAW;
    }
    uint8_t *p = sp_buf_alloc(out, (size_t)encoded_len);
    if (p == NULL) {
        return sp_error(out, "out of memory");
    }
    memcpy(p, in, (size_t)encoded_len);
    return SP_OK;
}

int sp_decode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    (void)meta;
    size_t ts = info->typesize;
    size_t n = info->blocksize;
    if (ts == 0) {
        return sp_error(out, "typesize is 0");
    }
    size_t expected = ts <= SIZE_MAX / 2 ? 2 * ts : SIZE_MAX;
    if (len != expected) {
        return sp_errorf(out, "encoded block holds %zu bytes where %zu were expected", len,
                         expected);
    }
    if (n % ts != 0 || n < ts) {
        return sp_errorf(out, "%zu bytes are not a whole number of %zu-byte items", n, ts);
    }
    uint8_t *p = sp_buf_alloc(out, n);
    if (p == NULL) {
        return sp_error(out, "out of memory");
    }
    memcpy(p, in, ts);
    fill_repeating(p + ts, n - ts, in + ts, ts);
    return SP_OK;
}

SP_EXPORT_CODEC;
