/*
 * sandpress.h: the C SDK for sandpress plugins (contract sandpress:plugin@0.1.0).
 *
 * A plugin is one C file implementing the functions of one kind and naming
 * the kind once with its export macro:
 *
 *     codec        sp_encode, sp_decode     SP_EXPORT_CODEC;
 *     filter       sp_forward, sp_backward  SP_EXPORT_FILTER;
 *     prefilter    sp_prefilter             SP_EXPORT_PREFILTER;
 *     postfilter   sp_postfilter            SP_EXPORT_POSTFILTER;
 *
 * Every function has the same shape:
 *
 *     int sp_forward(const uint8_t *in, size_t len, uint8_t meta,
 *                    const sp_block_info *info, sp_buf *out);
 *
 * and answers with one of:
 *
 *     return SP_OK;                     the answer is the buffer set in `out`
 *                                       (no buffer set: an empty answer)
 *     return SP_STORE_RAW;              sp_encode only: "cannot compress
 *                                       this block", the host stores it raw
 *     return sp_error(out, "message");  the call fails with this message
 *
 * Ownership (who frees what):
 *
 *   - `in` belongs to the SDK: read it during the call, never free it, never
 *     keep the pointer. (To answer in place, take it over with
 *     sp_buf_use_input.)
 *   - The answer belongs to the SDK as soon as one of the sp_buf_* functions
 *     made it: the SDK frees it once the host has copied it out. Never free
 *     it yourself and never answer with memory of your own (a static array,
 *     a stack buffer, your own malloc): copy such bytes into sp_buf_alloc's
 *     buffer.
 *   - sp_error and sp_errorf copy the message; the message you pass stays
 *     yours (a string literal is fine).
 *   - Whatever else you malloc during a call is yours to free before you
 *     return. A plugin keeps no state between calls: the host may run many
 *     instances and replace any of them at any time.
 *
 * Build: `sandpress plugin build DIR` (clang-19 --target=wasm32-wasi -O3
 * -mexec-model=reactor over src/ and sdk/, then the component). The result
 * imports nothing as long as the plugin uses no I/O: malloc, free,
 * memcpy, memcmp and the like are fine; stdio (printf, snprintf, ...) is
 * not, it brings WASI imports (use sp_errorf for messages).
 */
#ifndef SANDPRESS_H
#define SANDPRESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a plugin function returns. */
#define SP_OK 0          /* success: the answer is in `out` */
#define SP_STORE_RAW 1   /* sp_encode only: store this block raw */
#define SP_ERROR (-1)    /* failure: what sp_error and sp_errorf return */

/* Where a block sits in its chunk and how its items are laid out (the WIT
 * record `block-info`). */
typedef struct sp_block_info {
    /* Size in bytes of one item (1 for bytes, 4 for int32 or float32, ...). */
    uint32_t typesize;
    /* Uncompressed size in bytes of the data this call handles: a decoder
     * answers exactly this many bytes. The last block of a chunk may be
     * shorter than the others and need not be a multiple of typesize. In
     * Blosc2's split mode a codec gets one stream per byte of the item, and
     * blocksize is the stream's size. */
    uint32_t blocksize;
    /* Index of the chunk in its super-chunk. */
    uint64_t chunk_index;
    /* Index of this block in its chunk. */
    uint32_t block_index;
    /* Offset in bytes of this block (or stream) in the chunk's data. */
    uint32_t offset;
} sp_block_info;

/* The answer of one call. Its fields are the SDK's: use the functions
 * below, never write them. */
typedef struct sp_buf {
    uint8_t *sp_data_;    /* the answer's bytes, or NULL (no answer yet) */
    size_t sp_len_;       /* its length */
    void *sp_owned_;      /* what the SDK frees after the call */
    char *sp_error_;      /* the error message, or NULL */
    uint8_t *sp_in_;      /* the input, for sp_buf_use_input */
    size_t sp_in_len_;
    int sp_in_taken_;     /* the input became the answer */
    int sp_failed_;       /* sp_error was called */
} sp_buf;

/* Makes the answer a new buffer of `len` bytes and returns it for you to
 * fill; its contents are unspecified until you write them. Returns NULL
 * when memory is exhausted (answer with sp_error then). Calling it again
 * replaces (and frees) the previous answer. */
uint8_t *sp_buf_alloc(sp_buf *out, size_t len);

/* Makes the answer the input buffer itself (`len` bytes) and returns it,
 * writable: the way to transform a block in place without allocating.
 * `in` and the returned pointer are the same bytes from then on. */
uint8_t *sp_buf_use_input(sp_buf *out);

/* Shortens the answer to its first `len` bytes (for an encoder that
 * allocated the worst case); a `len` longer than the answer is ignored. */
void sp_buf_truncate(sp_buf *out, size_t len);

/* Fails the call with a copy of `message` (NULL gives a generic one; bytes
 * that are not UTF-8 become '?'). Returns SP_ERROR, so write
 * `return sp_error(out, "...");`. Once it was called the call fails,
 * whatever the function returns. */
int sp_error(sp_buf *out, const char *message);

/* sp_error with a printf-style message, cut at 1 KiB. It knows %d %i %u
 * %x %X %c %s %p %% with the flags - and 0, a width, a precision for %s,
 * and the lengths hh h l ll z t j (no floating point). It is the SDK's own:
 * wasi-libc's snprintf would give the plugin WASI imports. */
int sp_errorf(sp_buf *out, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The functions a plugin implements, one kind per plugin. `in` holds
 * `len` bytes (len == info->blocksize, except for sp_decode, where `in` is
 * what sp_encode answered). */

/* Compresses one block: SP_OK with the encoded bytes (the host stores the
 * block raw anyway if they are not fewer than `len`), SP_STORE_RAW, or an
 * error, which fails the compression of the chunk. */
int sp_encode(const uint8_t *in, size_t len, uint8_t meta,
              const sp_block_info *info, sp_buf *out);
/* Decompresses what sp_encode answered, with the same meta and info:
 * exactly info->blocksize bytes. */
int sp_decode(const uint8_t *in, size_t len, uint8_t meta,
              const sp_block_info *info, sp_buf *out);
/* A filter's two directions: each answers exactly `len` bytes, and
 * sp_backward undoes sp_forward. */
int sp_forward(const uint8_t *in, size_t len, uint8_t meta,
               const sp_block_info *info, sp_buf *out);
int sp_backward(const uint8_t *in, size_t len, uint8_t meta,
                const sp_block_info *info, sp_buf *out);
/* One-way transforms before the filters on compression (prefilter) and
 * after them on decompression (postfilter): exactly `len` bytes. */
int sp_prefilter(const uint8_t *in, size_t len, uint8_t meta,
                 const sp_block_info *info, sp_buf *out);
int sp_postfilter(const uint8_t *in, size_t len, uint8_t meta,
                  const sp_block_info *info, sp_buf *out);

/* ---- The export macros and the glue they call (SDK internals). ---- */

typedef int (*sp_fn_)(const uint8_t *, size_t, uint8_t, const sp_block_info *, sp_buf *);

/* Runs `fn` on a call's canonical-ABI arguments; returns the return area.
 * `optional` is 1 for sp_encode (result<option<list<u8>>, string>). */
uint8_t *sp_call_(sp_fn_ fn, int optional, uint8_t *ptr, size_t len, uint32_t meta,
                  uint32_t typesize, uint32_t blocksize, uint64_t chunk_index,
                  uint32_t block_index, uint32_t offset);
/* Frees what the last call answered (its `cabi_post_*`). */
void sp_post_(uint8_t *ret);

#define SP_EXPORT_FN_(iface, func, fn, optional)                                       \
    __attribute__((export_name("sandpress:plugin/" iface "@0.1.0#" func)))             \
    uint8_t *sp_export_##fn##_(uint8_t *ptr, size_t len, uint32_t meta,                \
                               uint32_t typesize, uint32_t blocksize,                  \
                               uint64_t chunk_index, uint32_t block_index,             \
                               uint32_t offset) {                                      \
        return sp_call_(fn, optional, ptr, len, meta, typesize, blocksize,             \
                        chunk_index, block_index, offset);                             \
    }                                                                                  \
    __attribute__((export_name("cabi_post_sandpress:plugin/" iface "@0.1.0#" func)))   \
    void sp_post_##fn##_(uint8_t *ret) { sp_post_(ret); }

/* Exports sp_encode and sp_decode as the plugin's codec. Write it once, at
 * file scope: `SP_EXPORT_CODEC;` */
#define SP_EXPORT_CODEC                                                                \
    SP_EXPORT_FN_("codec", "encode", sp_encode, 1)                                     \
    SP_EXPORT_FN_("codec", "decode", sp_decode, 0)                                     \
    typedef int sp_exported_codec_

/* Exports sp_forward and sp_backward as the plugin's filter. */
#define SP_EXPORT_FILTER                                                               \
    SP_EXPORT_FN_("filter", "forward", sp_forward, 0)                                  \
    SP_EXPORT_FN_("filter", "backward", sp_backward, 0)                                \
    typedef int sp_exported_filter_

/* Exports sp_prefilter as the plugin's prefilter. */
#define SP_EXPORT_PREFILTER                                                            \
    SP_EXPORT_FN_("prefilter", "prefilter", sp_prefilter, 0)                           \
    typedef int sp_exported_prefilter_

/* Exports sp_postfilter as the plugin's postfilter. */
#define SP_EXPORT_POSTFILTER                                                           \
    SP_EXPORT_FN_("postfilter", "postfilter", sp_postfilter, 0)                        \
    typedef int sp_exported_postfilter_

#ifdef __cplusplus
}
#endif

#endif /* SANDPRESS_H */
