/*
 * lexer.c - the arena all AST nodes live in, and the Rego tokeniser.
 *
 * Trust boundary: module and query text is untrusted. The lexer reads it
 * byte by byte within its length (NUL bytes are rejected), decodes JSON
 * strings and raw strings into arena copies, and reports the first
 * problem as "FILE:LINE:COL: rego_parse_error: ...". Inputs are bounded by
 * CT_REGO_MODULE_MAX_BYTES before they get here.
 */
#include "rego/ast.h"

#include <stdlib.h>
#include <string.h>

struct rg_chunk {
	struct rg_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

#define RG_CHUNK_SIZE ((size_t)64 << 10)

void *rg_alloc(struct rg_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	struct rg_chunk *ch = a->chunks;
	if (!ch || ch->cap - ch->used < size) {
		size_t cap = size > RG_CHUNK_SIZE ? size : RG_CHUNK_SIZE;
		ch = ct_alloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->cap = cap;
		ch->next = a->chunks;
		a->chunks = ch;
	}
	void *p = (char *)ch->data + ch->used;
	ch->used += size;
	memset(p, 0, size);
	return p;
}

char *rg_strndup(struct rg_arena *a, const char *s, size_t n)
{
	char *d = rg_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

struct ct_rego_value *rg_keep(struct rg_arena *a, struct ct_rego_value *v)
{
	if (!v)
		return NULL;
	if (a->nvals == a->capvals) {
		size_t nc = a->capvals ? a->capvals * 2 : 64;
		struct ct_rego_value **nv =
			ct_realloc(a->vals, nc * sizeof(*nv));
		if (!nv) {
			ct_rego_value_unref(v);
			return NULL;
		}
		a->vals = nv;
		a->capvals = nc;
	}
	a->vals[a->nvals++] = v;
	return v;
}

void rg_arena_destroy(struct rg_arena *a)
{
	for (size_t i = 0; i < a->nvals; i++)
		ct_rego_value_unref(a->vals[i]);
	free(a->vals);
	struct rg_chunk *ch = a->chunks;
	while (ch) {
		struct rg_chunk *n = ch->next;
		free(ch);
		ch = n;
	}
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------ lexer */

struct lexer {
	struct rg_arena *a;
	const char *file, *s;
	size_t len, pos;
	uint32_t line, col;
	struct rg_token *toks;
	size_t n, cap;
};

static ct_result lex_err(struct lexer *l, const char *what)
{
	return CT_FAIL(CT_ERR_USAGE, "%s:%u:%u: rego_parse_error: %s",
		       l->file, l->line, l->col, what);
}

static void adv(struct lexer *l)
{
	if (l->s[l->pos] == '\n') {
		l->line++;
		l->col = 1;
	} else {
		l->col++;
	}
	l->pos++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(struct ct_buf *b, uint32_t cp, ct_result *r)
{
	uint8_t o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (uint8_t)(0xC0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (uint8_t)(0xE0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (uint8_t)(0xF0 | (cp >> 18));
		o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (ct_ok(*r))
		*r = ct_buf_append(b, o, n);
}

/* Reads a "..." string at l->pos (the opening quote); decodes escapes. */
static ct_result lex_string(struct lexer *l, struct rg_token *t)
{
	uint32_t sline = l->line, scol = l->col;
	struct ct_buf b;
	ct_result res = CT_OK;
	ct_buf_init(&b, CT_REGO_MODULE_MAX_BYTES);
	adv(l);
	for (;;) {
		if (l->pos >= l->len || l->s[l->pos] == '\n') {
			l->line = sline;
			l->col = scol;
			res = lex_err(l, "non-terminated string");
			goto out;
		}
		char c = l->s[l->pos];
		if (c == '"') {
			adv(l);
			break;
		}
		if (c != '\\') {
			res = ct_buf_append_byte(&b, (uint8_t)c);
			adv(l);
			if (!ct_ok(res))
				goto out;
			continue;
		}
		adv(l);
		if (l->pos >= l->len) {
			res = lex_err(l, "non-terminated string");
			goto out;
		}
		c = l->s[l->pos];
		adv(l);
		switch (c) {
		case '"': case '\\': case '/':
			res = ct_buf_append_byte(&b, (uint8_t)c);
			break;
		case 'b': res = ct_buf_append_byte(&b, '\b'); break;
		case 'f': res = ct_buf_append_byte(&b, '\f'); break;
		case 'n': res = ct_buf_append_byte(&b, '\n'); break;
		case 'r': res = ct_buf_append_byte(&b, '\r'); break;
		case 't': res = ct_buf_append_byte(&b, '\t'); break;
		case 'u': {
			uint32_t cp = 0;
			for (int i = 0; i < 4; i++) {
				int h = l->pos < l->len ? hexval(l->s[l->pos]) : -1;
				if (h < 0) {
					res = lex_err(l, "invalid \\u escape in string");
					goto out;
				}
				cp = cp * 16 + (uint32_t)h;
				adv(l);
			}
			if (cp >= 0xD800 && cp < 0xDC00 && l->pos + 6 <= l->len &&
			    l->s[l->pos] == '\\' && l->s[l->pos + 1] == 'u') {
				uint32_t lo = 0;
				bool okh = true;
				for (int i = 0; i < 4; i++) {
					int h = hexval(l->s[l->pos + 2 + (size_t)i]);
					if (h < 0)
						okh = false;
					lo = lo * 16 + (uint32_t)(h < 0 ? 0 : h);
				}
				if (okh && lo >= 0xDC00 && lo < 0xE000) {
					for (int i = 0; i < 6; i++)
						adv(l);
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;
			put_utf8(&b, cp, &res);
			break;
		}
		default:
			res = lex_err(l, "invalid escape in string");
			goto out;
		}
		if (!ct_ok(res))
			goto out;
	}
	if (!ct_rego_utf8_valid((const char *)b.data, b.len)) {
		res = lex_err(l, "string is not valid UTF-8");
		goto out;
	}
	t->str = rg_strndup(l->a, ct_buf_cstr(&b), b.len);
	t->str_len = b.len;
	if (!t->str)
		res = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
out:
	ct_buf_dispose(&b);
	return res;
}

static ct_result push(struct lexer *l, struct rg_token *t)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct rg_token *nt = rg_alloc(l->a, nc * sizeof(*nt));
		CT_ENSURE(nt, CT_ERR_NOMEM, "rego: out of memory");
		if (l->n)
			memcpy(nt, l->toks, l->n * sizeof(*nt));
		l->toks = nt;
		l->cap = nc;
	}
	l->toks[l->n++] = *t;
	return CT_OK;
}

static bool is_id0(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_dig(char c) { return c >= '0' && c <= '9'; }

/* Template strings: the body is kept raw; the parser splits it. */
static ct_result lex_template(struct lexer *l, struct rg_token *t)
{
	adv(l); /* $ */
	char q = l->s[l->pos];
	adv(l);
	size_t start = l->pos;
	int depth = 0;
	while (l->pos < l->len) {
		char c = l->s[l->pos];
		if (c == '\\' && l->pos + 1 < l->len &&
		    (q == '"' || l->s[l->pos + 1] == '{')) {
			adv(l);
			adv(l);
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && depth > 0)
			depth--;
		else if (depth > 0 && c == '"' && q == '`') {
			/* a string inside an expression of a raw template */
		} else if (c == q && depth == 0) {
			t->str = rg_strndup(l->a, l->s + start, l->pos - start);
			t->str_len = l->pos - start;
			t->len = 1; /* raw flag below */
			t->str_len |= 0;
			adv(l);
			CT_ENSURE(t->str, CT_ERR_NOMEM, "rego: out of memory");
			t->text = q == '`' ? "`" : "\"";
			return CT_OK;
		} else if (c == '\n' && q == '"') {
			break;
		}
		adv(l);
	}
	return lex_err(l, "non-terminated template string");
}

CT_RESULT rg_lex(struct rg_arena *a, const char *file, const char *text,
		 size_t len, struct rg_token **out, size_t *n)
{
	/* Empty text may come as (NULL, 0); token texts point into it and
	 * NULL + 0 is undefined behaviour. */
	CT_ENSURE(text != NULL || len == 0, CT_ERR_USAGE,
		  "%s: rego text is NULL", file);
	if (text == NULL)
		text = "";
	struct lexer l = { .a = a, .file = file, .s = text, .len = len,
			   .line = 1, .col = 1 };
	CT_ENSURE(len <= CT_REGO_MODULE_MAX_BYTES, CT_ERR_LIMIT,
		  "%s: rego module too large (%zu bytes, limit %zu)", file,
		  len, CT_REGO_MODULE_MAX_BYTES);
	bool nl = true;
	for (;;) {
		while (l.pos < len) {
			char c = text[l.pos];
			if (c == '\n') {
				nl = true;
				adv(&l);
			} else if (c == ' ' || c == '\t' || c == '\r') {
				adv(&l);
			} else if (c == '#') {
				while (l.pos < len && text[l.pos] != '\n')
					adv(&l);
			} else {
				break;
			}
		}
		struct rg_token t = { .nl_before = nl,
				      .loc = { file, l.line, l.col },
				      .text = text + l.pos };
		nl = false;
		if (l.pos >= len) {
			t.kind = TK_EOF;
			CT_GUARD(push(&l, &t));
			break;
		}
		size_t start = l.pos;
		char c = text[l.pos];
		char c2 = l.pos + 1 < len ? text[l.pos + 1] : 0;
		if (c == 0)
			return lex_err(&l, "unexpected NUL byte");
		if (is_id0(c)) {
			while (l.pos < len && (is_id0(text[l.pos]) ||
					       is_dig(text[l.pos])))
				adv(&l);
			t.kind = TK_IDENT;
		} else if (is_dig(c) || (c == '.' && is_dig(c2))) {
			while (l.pos < len && is_dig(text[l.pos]))
				adv(&l);
			if (l.pos < len && text[l.pos] == '.' &&
			    l.pos + 1 < len && is_dig(text[l.pos + 1])) {
				adv(&l);
				while (l.pos < len && is_dig(text[l.pos]))
					adv(&l);
			}
			if (l.pos < len && (text[l.pos] == 'e' || text[l.pos] == 'E')) {
				adv(&l);
				if (l.pos < len && (text[l.pos] == '+' || text[l.pos] == '-'))
					adv(&l);
				if (l.pos >= len || !is_dig(text[l.pos]))
					return lex_err(&l, "invalid number");
				while (l.pos < len && is_dig(text[l.pos]))
					adv(&l);
			}
			if (l.pos < len && is_id0(text[l.pos]))
				return lex_err(&l, "invalid number");
			t.kind = TK_NUMBER;
		} else if (c == '"') {
			t.kind = TK_STRING;
			CT_GUARD(lex_string(&l, &t));
		} else if (c == '`') {
			adv(&l);
			while (l.pos < len && text[l.pos] != '`')
				adv(&l);
			if (l.pos >= len)
				return lex_err(&l, "non-terminated raw string");
			t.kind = TK_STRING;
			t.str = rg_strndup(a, text + start + 1, l.pos - start - 1);
			CT_ENSURE(t.str, CT_ERR_NOMEM, "rego: out of memory");
			t.str_len = l.pos - start - 1;
			adv(&l);
		} else if (c == '$' && (c2 == '"' || c2 == '`')) {
			t.kind = TK_TEMPLATE;
			CT_GUARD(lex_template(&l, &t));
			t.len = l.pos - start;
			CT_GUARD(push(&l, &t));
			continue;
		} else {
			int w = 1;
			switch (c) {
			case '{': t.kind = TK_LBRACE; break;
			case '}': t.kind = TK_RBRACE; break;
			case '[': t.kind = TK_LBRACK; break;
			case ']': t.kind = TK_RBRACK; break;
			case '(': t.kind = TK_LPAREN; break;
			case ')': t.kind = TK_RPAREN; break;
			case '.': t.kind = TK_DOT; break;
			case ',': t.kind = TK_COMMA; break;
			case ';': t.kind = TK_SEMI; break;
			case '+': t.kind = TK_PLUS; break;
			case '-': t.kind = TK_MINUS; break;
			case '*': t.kind = TK_STAR; break;
			case '/': t.kind = TK_SLASH; break;
			case '%': t.kind = TK_PERCENT; break;
			case '&': t.kind = TK_AMP; break;
			case '|': t.kind = TK_BAR; break;
			case ':':
				if (c2 == '=') { t.kind = TK_ASSIGN; w = 2; }
				else t.kind = TK_COLON;
				break;
			case '=':
				if (c2 == '=') { t.kind = TK_EQ; w = 2; }
				else t.kind = TK_UNIFY;
				break;
			case '!':
				if (c2 != '=')
					return lex_err(&l, "unexpected '!'");
				t.kind = TK_NEQ;
				w = 2;
				break;
			case '<':
				if (c2 == '=') { t.kind = TK_LTE; w = 2; }
				else t.kind = TK_LT;
				break;
			case '>':
				if (c2 == '=') { t.kind = TK_GTE; w = 2; }
				else t.kind = TK_GT;
				break;
			default:
				return lex_err(&l, "unexpected character");
			}
			while (w--)
				adv(&l);
		}
		t.len = l.pos - start;
		CT_GUARD(push(&l, &t));
	}
	*out = l.toks;
	*n = l.n;
	return CT_OK;
}
