/*
 * base.h - the foundation every other module stands on.
 *
 * Results and errors: fallible functions return ct_result, which the
 * compiler will not let a caller ignore; the detail of a failure lives in a
 * thread-local ct_error (category, location, message) that callers print or
 * prefix with context.
 *
 * Memory: ct_span is a borrowed view, ct_buf an owned growable buffer with a
 * mandatory maximum size (secret buffers are wiped), ct_reader a cursor over
 * untrusted bytes that never moves on failure.
 *
 * Also here: overflow-checked size arithmetic, hex and base64, strict number
 * parsing, logging to stderr, bounded file reads and crash-safe file writes.
 * Nothing in this module parses protocol data; it only offers safe tools.
 */
#ifndef CT_BASE_H
#define CT_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Marks an intended switch fall-through for both gcc and clang. */
#define CT_FALLTHROUGH __attribute__((fallthrough))

/* ---------------------------------------------------------------- results */

/* Error categories: the only distinction callers branch on. */
enum ct_err {
	CT_ERR_NONE = 0,
	CT_ERR_IO,       /* a file, socket or device failed */
	CT_ERR_PROTO,    /* a peer or file sent malformed bytes */
	CT_ERR_POLICY,   /* well-formed, but refused by a check */
	CT_ERR_CRYPTO,   /* a signature, key or certificate operation failed */
	CT_ERR_USAGE,    /* the caller (or the user) asked for something invalid */
	CT_ERR_LIMIT,    /* a size, depth, count or time limit was exceeded */
	CT_ERR_NOMEM,    /* allocation failed */
	CT_ERR_INTERNAL, /* a broken invariant: a bug */
	CT_ERR__MAX
};

typedef struct ct_result_s {
	enum ct_err err;
} ct_result;

#define CT_RESULT __attribute__((warn_unused_result)) ct_result
#define CT_OK ((ct_result){CT_ERR_NONE})

static inline bool ct_ok(ct_result r) { return r.err == CT_ERR_NONE; }

#define CT_ERROR_MSG_MAX 2048

struct ct_error {
	enum ct_err category;
	const char *file; /* static string from __FILE__ */
	int line;
	char message[CT_ERROR_MSG_MAX];
};

/* Records an error in the thread-local slot and returns it as a result. */
CT_RESULT ct_error_set(enum ct_err category, const char *file, int line,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Like ct_error_set, but appends OpenSSL's queued error (and clears it). */
CT_RESULT ct_error_set_ossl(enum ct_err category, const char *file, int line,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Prepends "<context>: " to the current message, keeping the category; for
 * adding a path or a step name as an error travels up the stack. Returns the
 * current error as a result so it can be returned directly.
 */
CT_RESULT ct_error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The current thread's last error (never NULL). */
const struct ct_error *ct_error_last(void);
const char *ct_error_message(void);
enum ct_err ct_error_category(void);
const char *ct_err_name(enum ct_err category);
void ct_error_clear(void);

/* Records an error without returning it: for functions returning NULL. */
void ct_error_record(enum ct_err category, const char *file, int line,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define CT_FAIL(cat, ...) ct_error_set((cat), __FILE__, __LINE__, __VA_ARGS__)
#define CT_RECORD(cat, ...) \
	ct_error_record((cat), __FILE__, __LINE__, __VA_ARGS__)
#define CT_FAIL_OSSL(cat, ...) \
	ct_error_set_ossl((cat), __FILE__, __LINE__, __VA_ARGS__)

/* Propagate a failure to the caller. */
#define CT_GUARD(expr)                           \
	do {                                     \
		ct_result ct_r_ = (expr);        \
		if (!ct_ok(ct_r_))               \
			return ct_r_;            \
	} while (0)

/* Check a condition; on failure record an error and return it. */
#define CT_ENSURE(cond, cat, ...)                     \
	do {                                          \
		if (!(cond))                          \
			return CT_FAIL((cat), __VA_ARGS__); \
	} while (0)

#define CT_BAIL(cat, ...) return CT_FAIL((cat), __VA_ARGS__)

/* Variants for functions that clean up at an `out:` label via `res`. */
#define CT_TRY(expr)                     \
	do {                             \
		res = (expr);            \
		if (!ct_ok(res))         \
			goto out;        \
	} while (0)

#define CT_TRY_ENSURE(cond, cat, ...)                   \
	do {                                            \
		if (!(cond)) {                          \
			res = CT_FAIL((cat), __VA_ARGS__); \
			goto out;                       \
		}                                       \
	} while (0)

/* ------------------------------------------------------------ size checks */

CT_RESULT ct_size_add(size_t *out, size_t a, size_t b);
CT_RESULT ct_size_mul(size_t *out, size_t a, size_t b);

/* ------------------------------------------------------------- allocation */

/* malloc/calloc/realloc that record CT_ERR_NOMEM on failure. */
void *ct_alloc(size_t size);
void *ct_calloc(size_t count, size_t size);
void *ct_realloc(void *ptr, size_t size);
char *ct_strdup(const char *s);
char *ct_strndup(const char *s, size_t n);
/* Printf into a fresh heap string (NULL + CT_ERR_NOMEM on failure). */
char *ct_aprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrite memory so the compiler cannot elide it (for secrets). */
void ct_wipe(void *ptr, size_t len);
/* Constant-time equality of two equal-length byte strings. */
bool ct_memeq_secret(const void *a, const void *b, size_t len);

/* ------------------------------------------------------------------ spans */

struct ct_span {
	const uint8_t *ptr;
	size_t len;
};

static inline struct ct_span ct_span_make(const void *ptr, size_t len)
{
	struct ct_span s = { (const uint8_t *)ptr, len };
	return s;
}

struct ct_span ct_span_str(const char *s);
bool ct_span_eq(struct ct_span a, struct ct_span b);
bool ct_span_is_zero(struct ct_span s);

/* ---------------------------------------------------------------- buffers */

/*
 * An owned, growable byte buffer. `max` is mandatory: appends beyond it
 * fail with CT_ERR_LIMIT and leave the buffer unchanged. There is always a
 * NUL byte after `len`, so text content can be used as a C string.
 * Secret buffers are wiped when they grow (old storage) and when disposed.
 */
struct ct_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
	bool secret;
};

void ct_buf_init(struct ct_buf *b, size_t max);
void ct_buf_init_secret(struct ct_buf *b, size_t max);
void ct_buf_dispose(struct ct_buf *b);
/* Drop the content, keep the storage (wiped when secret). */
void ct_buf_reset(struct ct_buf *b);
CT_RESULT ct_buf_reserve(struct ct_buf *b, size_t extra);
CT_RESULT ct_buf_append(struct ct_buf *b, const void *data, size_t len);
CT_RESULT ct_buf_append_span(struct ct_buf *b, struct ct_span s);
CT_RESULT ct_buf_append_byte(struct ct_buf *b, uint8_t c);
CT_RESULT ct_buf_append_str(struct ct_buf *b, const char *s);
CT_RESULT ct_buf_printf(struct ct_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
CT_RESULT ct_buf_vprintf(struct ct_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
struct ct_span ct_buf_span(const struct ct_buf *b);
/* The content as a C string (never NULL; "" when empty). */
const char *ct_buf_cstr(const struct ct_buf *b);
/*
 * Hand the storage to the caller (NUL-terminated, free() it; may be NULL
 * when empty) and leave the buffer empty. Not allowed for secret buffers,
 * whose storage must stay under their wiping discipline.
 */
uint8_t *ct_buf_take(struct ct_buf *b, size_t *len_out);

/* ---------------------------------------------------------------- readers */

/*
 * A cursor over untrusted bytes. Every read checks the remaining length
 * first; a failed read returns CT_ERR_PROTO and leaves the cursor and the
 * output untouched. Multi-byte integers come in little- and big-endian.
 */
struct ct_reader {
	const uint8_t *ptr;
	size_t len;
	size_t off;
};

void ct_reader_init(struct ct_reader *r, struct ct_span s);
size_t ct_reader_remaining(const struct ct_reader *r);
CT_RESULT ct_reader_u8(struct ct_reader *r, uint8_t *out);
CT_RESULT ct_reader_u16le(struct ct_reader *r, uint16_t *out);
CT_RESULT ct_reader_u32le(struct ct_reader *r, uint32_t *out);
CT_RESULT ct_reader_u64le(struct ct_reader *r, uint64_t *out);
CT_RESULT ct_reader_u16be(struct ct_reader *r, uint16_t *out);
CT_RESULT ct_reader_u32be(struct ct_reader *r, uint32_t *out);
CT_RESULT ct_reader_u64be(struct ct_reader *r, uint64_t *out);
/* A borrowed view of the next n bytes. */
CT_RESULT ct_reader_bytes(struct ct_reader *r, size_t n, struct ct_span *out);
/* Copy the next n bytes into out. */
CT_RESULT ct_reader_copy(struct ct_reader *r, void *out, size_t n);
CT_RESULT ct_reader_skip(struct ct_reader *r, size_t n);
/* A bounded child reader over the next n bytes (the parent moves past them). */
CT_RESULT ct_reader_sub(struct ct_reader *r, size_t n, struct ct_reader *child);
/* Fails with CT_ERR_PROTO naming `what` when bytes remain. */
CT_RESULT ct_reader_expect_end(const struct ct_reader *r, const char *what);

/* Little-endian loads and stores on fixed, already-bounded memory. */
uint16_t ct_load_u16le(const uint8_t *p);
uint32_t ct_load_u32le(const uint8_t *p);
uint64_t ct_load_u64le(const uint8_t *p);
void ct_store_u16le(uint8_t *p, uint16_t v);
void ct_store_u32le(uint8_t *p, uint32_t v);
void ct_store_u64le(uint8_t *p, uint64_t v);

/* -------------------------------------------------------------- encodings */

/* Appends lowercase hex of `in` to out. */
CT_RESULT ct_hex_encode(struct ct_buf *out, struct ct_span in);
/* Lowercase hex into a caller array of 2*len+1 bytes (always succeeds). */
void ct_hex_format(char *out, const uint8_t *in, size_t len);
/* Decodes hex (either case, even length, nothing else) and appends it. */
CT_RESULT ct_hex_decode(struct ct_buf *out, const char *hex, size_t hex_len);
/* Decodes exactly `len` bytes of hex (2*len digits) into out. */
CT_RESULT ct_hex_decode_fixed(uint8_t *out, size_t len, const char *hex);

/* Length of the longest well-formed UTF-8 prefix of `s` (s.len when all
 * of it is): no overlongs, no surrogates, nothing above U+10FFFF. */
size_t ct_utf8_valid_prefix(struct ct_span s);

/* Standard base64 with padding (RFC 4648 §4). */
CT_RESULT ct_base64_encode(struct ct_buf *out, struct ct_span in);
/* Strict: canonical padding, no whitespace, no other alphabet. */
CT_RESULT ct_base64_decode(struct ct_buf *out, const char *b64, size_t len);
/* URL-safe alphabet, no padding (RFC 4648 §5, as JWTs use). */
CT_RESULT ct_base64url_encode(struct ct_buf *out, struct ct_span in);
CT_RESULT ct_base64url_decode(struct ct_buf *out, const char *b64, size_t len);

/* ---------------------------------------------------------------- numbers */

/* Parses a decimal unsigned integer in [0, max]; the whole string must match. */
CT_RESULT ct_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* ---------------------------------------------------------------- logging */

enum ct_log_level {
	CT_LOG_ERROR = 0,
	CT_LOG_WARN,
	CT_LOG_INFO,
	CT_LOG_DEBUG,
};

/* Sets the program name shown in every line and the minimum level. */
void ct_log_init(const char *program, enum ct_log_level level);
void ct_log_set_level(enum ct_log_level level);
enum ct_log_level ct_log_get_level(void);
/* Parses "error", "warn", "info" or "debug". */
CT_RESULT ct_log_level_parse(const char *name, enum ct_log_level *out);
void ct_log(enum ct_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs the current thread-local error with a context phrase. */
void ct_log_error(const char *context);

#define ct_log_err(...) ct_log(CT_LOG_ERROR, __VA_ARGS__)
#define ct_log_warn(...) ct_log(CT_LOG_WARN, __VA_ARGS__)
#define ct_log_info(...) ct_log(CT_LOG_INFO, __VA_ARGS__)
#define ct_log_debug(...) ct_log(CT_LOG_DEBUG, __VA_ARGS__)

/* ------------------------------------------------------------------ files */

/*
 * Reads a whole file, failing with CT_ERR_LIMIT if it is larger than max
 * and CT_ERR_IO if it cannot be read. `out` must be initialised; the content
 * is appended. "-" reads standard input.
 */
CT_RESULT ct_file_read(struct ct_buf *out, const char *path, size_t max);

/*
 * Replaces `path` atomically and durably: write a temporary file in the same
 * directory, fsync it, rename it over `path`, fsync the directory. A crash at
 * any point leaves either the old or the new content, never a mix.
 */
CT_RESULT ct_file_write_atomic(const char *path, struct ct_span data,
			       mode_t mode);

/* Creates a directory (and its parents) with the given mode if missing. */
CT_RESULT ct_mkdir_p(const char *path, mode_t mode);

/* fsyncs a directory so renames and creations inside it are durable. */
CT_RESULT ct_dir_fsync(const char *path);

#endif /* CT_BASE_H */
