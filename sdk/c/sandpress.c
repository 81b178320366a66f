/*
 * sandpress.c: the canonical-ABI glue behind sandpress.h, written by hand
 * (no generated bindings). See sandpress.h for the API.
 *
 * How a call goes (component model, canonical ABI, wasm32):
 *
 *   1. The host allocates the block in this module's memory through
 *      `cabi_realloc` and calls the export (made by an SP_EXPORT_* macro)
 *      with (ptr, len, meta, typesize, blocksize, chunk_index, block_index,
 *      offset). The list is ours: we free it (unless the plugin took it over
 *      as its answer with sp_buf_use_input).
 *   2. The export returns a pointer to a static return area:
 *        result<list<u8>, string>:          [0] tag 0 ok / 1 err,
 *                                           [4] ptr, [8] len
 *        result<option<list<u8>>, string>:  [0] tag; ok: [4] 0 none / 1 some,
 *                                           [8] ptr, [12] len; err: [4] ptr,
 *                                           [8] len
 *   3. The host copies the answer out, then calls `cabi_post_<export>`,
 *      which frees the answer (list or message).
 */
#include "sandpress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The return area of every export, and what the next cabi_post frees. */
static _Alignas(8) uint8_t ret_area[16];
static void *pending_free;
/* What an empty answer points at: any in-bounds address will do. */
static uint8_t empty[1];

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old_size;
    if (new_size == 0) {
        free(old);
        return (void *)align;
    }
    void *p;
    if (old == NULL && align > _Alignof(max_align_t)) {
        p = aligned_alloc(align, (new_size + align - 1) / align * align);
    } else {
        p = realloc(old, new_size);
    }
    if (p == NULL) {
        /* Out of memory while the host passes arguments: nothing to answer
         * with; the host reports the trap. */
        __builtin_trap();
    }
    return p;
}

/* Drops the answer set so far (not the input). */
static void drop_answer(sp_buf *out) {
    if (out->sp_owned_ != NULL && out->sp_owned_ != out->sp_in_) {
        free(out->sp_owned_);
    }
    out->sp_owned_ = NULL;
    out->sp_data_ = NULL;
    out->sp_len_ = 0;
    out->sp_in_taken_ = 0;
}

uint8_t *sp_buf_alloc(sp_buf *out, size_t len) {
    drop_answer(out);
    if (len == 0) {
        out->sp_data_ = empty;
        return empty;
    }
    uint8_t *p = malloc(len);
    if (p == NULL) {
        return NULL;
    }
    out->sp_data_ = p;
    out->sp_len_ = len;
    out->sp_owned_ = p;
    return p;
}

uint8_t *sp_buf_use_input(sp_buf *out) {
    drop_answer(out);
    out->sp_in_taken_ = 1;
    if (out->sp_in_len_ == 0) {
        out->sp_data_ = empty;
        return empty;
    }
    out->sp_data_ = out->sp_in_;
    out->sp_len_ = out->sp_in_len_;
    out->sp_owned_ = out->sp_in_;
    return out->sp_in_;
}

void sp_buf_truncate(sp_buf *out, size_t len) {
    if (len < out->sp_len_) {
        out->sp_len_ = len;
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t min, cp;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* A malloc'd copy of s[0..n), with every byte that is not part of valid
 * UTF-8 replaced by '?' (the host refuses strings that are not UTF-8). */
static char *utf8_copy(const char *s, size_t n) {
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        return NULL;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            copy[i++] = '?';
        } else {
            memcpy(copy + i, s + i, k);
            i += k;
        }
    }
    copy[n] = '\0';
    return copy;
}

static int set_error(sp_buf *out, const char *message, size_t n) {
    free(out->sp_error_);
    /* NULL when out of memory: sp_call_ then answers a static message. */
    out->sp_error_ = utf8_copy(message, n);
    out->sp_failed_ = 1;
    return SP_ERROR;
}

int sp_error(sp_buf *out, const char *message) {
    if (message == NULL) {
        message = "the plugin failed (sp_error with no message)";
    }
    return set_error(out, message, strlen(message));
}

/* A small printf for error messages: wasi-libc's snprintf would bring
 * stdio, and with it WASI imports, into every plugin. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void put_char(text *t, char c) {
    if (t->len < t->cap) {
        t->p[t->len] = c;
    }
    t->len++;
}

static void put_padded(text *t, const char *s, size_t n, size_t width, int left, char pad) {
    size_t fill = width > n ? width - n : 0;
    if (!left) {
        /* Zero padding goes after the sign. */
        if (pad == '0' && n > 0 && s[0] == '-') {
            put_char(t, '-');
            s++, n--;
        }
        for (size_t i = 0; i < fill; i++) {
            put_char(t, pad);
        }
    }
    for (size_t i = 0; i < n; i++) {
        put_char(t, s[i]);
    }
    if (left) {
        for (size_t i = 0; i < fill; i++) {
            put_char(t, ' ');
        }
    }
}

static size_t format_unsigned(char *buf, unsigned long long v, unsigned base, int upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

static void format_text(text *t, const char *f, va_list ap) {
    while (*f) {
        if (*f != '%') {
            put_char(t, *f++);
            continue;
        }
        const char *spec = f++;
        int left = 0;
        char pad = ' ';
        for (; *f == '-' || *f == '0'; f++) {
            if (*f == '-') {
                left = 1;
            } else {
                pad = '0';
            }
        }
        size_t width = 0;
        for (; *f >= '0' && *f <= '9'; f++) {
            width = width * 10 + (size_t)(*f - '0');
        }
        size_t precision = (size_t)-1;
        if (*f == '.') {
            precision = 0;
            for (f++; *f >= '0' && *f <= '9'; f++) {
                precision = precision * 10 + (size_t)(*f - '0');
            }
        }
        /* Length: 0 int, 1 long, 2 long long, 3 size_t/ptrdiff_t/intmax_t,
         * -1 short, -2 char. */
        int length = 0;
        if (*f == 'h') {
            length = f[1] == 'h' ? -2 : -1;
            f -= length;
        } else if (*f == 'l') {
            length = f[1] == 'l' ? 2 : 1;
            f += length;
        } else if (*f == 'z' || *f == 't' || *f == 'j') {
            length = *f == 'j' ? 2 : 3;
            f++;
        }
        char buf[24];
        size_t n;
        switch (*f) {
        case '%':
            put_char(t, '%');
            break;
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            put_padded(t, buf, 1, width, left, ' ');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL) {
                s = "(null)";
            }
            for (n = 0; n < precision && s[n]; n++) {
            }
            put_padded(t, s, n, width, left, ' ');
            break;
        }
        case 'd':
        case 'i': {
            long long v = length <= 0 ? va_arg(ap, int)
                          : length == 1 ? va_arg(ap, long)
                          : length == 2 ? va_arg(ap, long long)
                                        : (long long)va_arg(ap, ptrdiff_t);
            v = length == -1 ? (short)v : length == -2 ? (signed char)v : v;
            unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            n = 0;
            if (v < 0) {
                buf[n++] = '-';
            }
            n += format_unsigned(buf + n, m, 10, 0);
            put_padded(t, buf, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = length <= 0 ? va_arg(ap, unsigned)
                                   : length == 1 ? va_arg(ap, unsigned long)
                                   : length == 2 ? va_arg(ap, unsigned long long)
                                                 : va_arg(ap, size_t);
            v = length == -1 ? (unsigned short)v : length == -2 ? (unsigned char)v : v;
            n = format_unsigned(buf, v, *f == 'u' ? 10 : 16, *f == 'X');
            put_padded(t, buf, n, width, left, pad);
            break;
        }
        case 'p':
            buf[0] = '0', buf[1] = 'x';
            n = 2 + format_unsigned(buf + 2, (uintptr_t)va_arg(ap, void *), 16, 0);
            put_padded(t, buf, n, width, left, ' ');
            break;
        default:
            /* Not a conversion this printf knows: written as it is. */
            for (; spec <= f && *spec; spec++) {
                put_char(t, *spec);
            }
            if (*f == '\0') {
                return;
            }
            break;
        }
        f++;
    }
}

int sp_errorf(sp_buf *out, const char *format, ...) {
    char buf[1024];
    text t = {buf, 0, sizeof buf};
    va_list ap;
    va_start(ap, format);
    format_text(&t, format == NULL ? "(no message)" : format, ap);
    va_end(ap);
    return set_error(out, buf, t.len < t.cap ? t.len : t.cap);
}

static void put32(size_t at, uint32_t v) {
    memcpy(ret_area + at, &v, 4);
}

uint8_t *sp_call_(sp_fn_ fn, int optional, uint8_t *ptr, size_t len, uint32_t meta,
                  uint32_t typesize, uint32_t blocksize, uint64_t chunk_index,
                  uint32_t block_index, uint32_t offset) {
    /* A host that skipped the last cabi_post (it never does) leaks nothing. */
    free(pending_free);
    pending_free = NULL;

    sp_block_info info = {
        .typesize = typesize,
        .blocksize = blocksize,
        .chunk_index = chunk_index,
        .block_index = block_index,
        .offset = offset,
    };
    sp_buf out = {.sp_in_ = ptr, .sp_in_len_ = len};
    int rc = fn(ptr, len, (uint8_t)meta, &info, &out);

    int failed = out.sp_failed_ || !(rc == SP_OK || (optional && rc == SP_STORE_RAW));
    int input_kept = out.sp_in_taken_ && !failed && rc == SP_OK;
    if (!input_kept && len > 0) {
        free(ptr);
    }
    memset(ret_area, 0, sizeof ret_area);

    if (failed) {
        drop_answer(&out);
        const char *message = out.sp_error_;
        if (message == NULL && out.sp_failed_) {
            message = "the plugin failed (out of memory for its error message)";
        } else if (message == NULL && rc == SP_STORE_RAW) {
            message = "the plugin answered SP_STORE_RAW, which only sp_encode may";
        } else if (message == NULL) {
            message = "the plugin failed without a message (return sp_error(out, \"...\"))";
        }
        pending_free = out.sp_error_;
        ret_area[0] = 1;
        put32(4, (uint32_t)(uintptr_t)message);
        put32(8, (uint32_t)strlen(message));
        return ret_area;
    }
    free(out.sp_error_);

    if (rc == SP_STORE_RAW) {
        drop_answer(&out);
        return ret_area; /* ok(none): tag 0, option tag 0 */
    }
    uint8_t *data = out.sp_data_ != NULL ? out.sp_data_ : empty;
    pending_free = out.sp_owned_;
    size_t at = 4;
    if (optional) {
        ret_area[4] = 1; /* some */
        at = 8;
    }
    put32(at, (uint32_t)(uintptr_t)data);
    put32(at + 4, (uint32_t)out.sp_len_);
    return ret_area;
}

void sp_post_(uint8_t *ret) {
    (void)ret;
    free(pending_free);
    pending_free = NULL;
}
