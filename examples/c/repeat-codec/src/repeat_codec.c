/*
 * repeat-codec: the repeated-value codec of python-blosc2's tutorial
 * "User-defined codecs and filters" (codec id 160 there), in C. Byte for
 * byte the same as the Rust example (examples/rust/repeat-codec).
 *
 * A block whose typesize-byte items are all equal is stored as
 *
 *     [ value: typesize bytes ][ count: u32, little-endian if meta == 0,
 *                                            big-endian otherwise ]
 *
 * Any other block is declined (stored raw), as are blocks the encoding
 * would not make smaller (typesize + 4 >= the block's size), blocks that
 * are not a whole number of items, and typesize 0.
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

static void put_count(uint8_t *p, uint32_t count, uint8_t meta) {
    for (int i = 0; i < 4; i++) {
        int shift = meta == 0 ? 8 * i : 8 * (3 - i);
        p[i] = (uint8_t)(count >> shift);
    }
}

static uint32_t get_count(const uint8_t *p, uint8_t meta) {
    uint32_t count = 0;
    for (int i = 0; i < 4; i++) {
        int shift = meta == 0 ? 8 * i : 8 * (3 - i);
        count |= (uint32_t)p[i] << shift;
    }
    return count;
}

int sp_encode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    size_t ts = info->typesize;
    if (ts == 0 || len % ts != 0) {
        return SP_STORE_RAW;
    }
    uint64_t count = len / ts;
    uint64_t encoded_len = (uint64_t)ts + 4;
    if (count > UINT32_MAX || encoded_len >= len) {
        return SP_STORE_RAW;
    }
    /* All items are equal when the block equals itself shifted by one. */
    if (!same_bytes(in + ts, in, len - ts)) {
        return SP_STORE_RAW;
    }
    uint8_t *p = sp_buf_alloc(out, (size_t)encoded_len);
    if (p == NULL) {
        return sp_error(out, "out of memory");
    }
    memcpy(p, in, ts);
    put_count(p + ts, (uint32_t)count, meta);
    return SP_OK;
}

int sp_decode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    size_t ts = info->typesize;
    size_t n = info->blocksize;
    if (ts == 0) {
        return sp_error(out, "typesize is 0");
    }
    size_t expected = ts <= SIZE_MAX - 4 ? ts + 4 : SIZE_MAX;
    if (len != expected) {
        return sp_errorf(out, "encoded block holds %zu bytes where %zu were expected", len,
                         expected);
    }
    uint64_t decoded = (uint64_t)get_count(in + ts, meta) * ts;
    size_t decoded_len = decoded <= SIZE_MAX ? (size_t)decoded : SIZE_MAX;
    if (decoded_len != n) {
        return sp_errorf(out, "output holds %zu bytes where %zu are written", n, decoded_len);
    }
    uint8_t *p = sp_buf_alloc(out, n);
    if (p == NULL) {
        return sp_error(out, "out of memory");
    }
    fill_repeating(p, n, in, ts);
    return SP_OK;
}

SP_EXPORT_CODEC;
