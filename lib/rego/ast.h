/*
 * ast.h - private structures of the Rego engine: tokens, the syntax tree
 * the parser builds, the compiled package tree and the evaluation context.
 * Shared by lexer.c, parser*.c, compile.c, eval*.c and api.c only.
 *
 * Ownership: every AST node belongs to the arena of its compiler (struct
 * rg_arena); nodes are never freed one by one. Values inside terms are
 * references owned by the arena too (released when it is destroyed). A
 * compiled policy keeps the arena alive and is read-only afterwards.
 */
#ifndef CT_REGO_AST_H
#define CT_REGO_AST_H

#include "rego/rego.h"
#include "rego/builtins.h"

/* ------------------------------------------------------------ arena */

struct rg_arena {
	struct rg_chunk *chunks;
	struct ct_rego_value **vals; /* values to unref on destroy */
	size_t nvals, capvals;
};

void *rg_alloc(struct rg_arena *a, size_t size); /* zeroed; NULL+NOMEM */
char *rg_strndup(struct rg_arena *a, const char *s, size_t n);
/* Takes the reference of v (keeps it until the arena dies); returns v. */
struct ct_rego_value *rg_keep(struct rg_arena *a, struct ct_rego_value *v);
void rg_arena_destroy(struct rg_arena *a);

struct rg_loc {
	const char *file;
	uint32_t line, col;
};

ct_result rg_nomem(void);

/* ------------------------------------------------------------ lexer */

enum rg_tok {
	TK_EOF = 0, TK_IDENT, TK_NUMBER, TK_STRING, TK_TEMPLATE,
	TK_LBRACE, TK_RBRACE, TK_LBRACK, TK_RBRACK, TK_LPAREN, TK_RPAREN,
	TK_DOT, TK_COMMA, TK_SEMI, TK_COLON, TK_ASSIGN, TK_UNIFY, TK_EQ,
	TK_NEQ, TK_LT, TK_LTE, TK_GT, TK_GTE, TK_PLUS, TK_MINUS, TK_STAR,
	TK_SLASH, TK_PERCENT, TK_AMP, TK_BAR,
};

struct rg_token {
	enum rg_tok kind;
	bool nl_before;   /* a newline separates it from the previous token */
	struct rg_loc loc;
	const char *text; /* raw text in the source */
	size_t len;
	/* TK_STRING: decoded bytes (arena); TK_TEMPLATE: raw body */
	char *str;
	size_t str_len;
};

/* Tokenises the whole text into an arena array (terminated by TK_EOF).
 * Errors: CT_ERR_USAGE "FILE:LINE:COL: rego_parse_error: ...". */
CT_RESULT rg_lex(struct rg_arena *a, const char *file, const char *text,
		 size_t len, struct rg_token **out, size_t *n);

/* ------------------------------------------------------------ terms */

enum rg_tkind {
	RT_VALUE = 0, /* constant (val) */
	RT_VAR,       /* name, slot */
	RT_REF,       /* items[0] head, items[1..n) segments */
	RT_ARRAY, RT_SET,
	RT_OBJECT,    /* items: k0 v0 k1 v1 ... (n counts items) */
	RT_ACOMP, RT_SCOMP, RT_OCOMP, /* head (value), key (objects), body */
	RT_CALL,      /* name, items = args; op / bi / fn after compile */
};

/* Special slots. */
#define RG_SLOT_NONE (-1)
#define RG_SLOT_DATA (-2)
#define RG_SLOT_INPUT (-3)

enum rg_op {
	OP_NONE = 0, OP_UNIFY, OP_ASSIGN, OP_PRINT, OP_BUILTIN, OP_FUNC,
};

struct rg_body;
struct rg_node;

struct rg_term {
	enum rg_tkind kind;
	struct rg_loc loc;
	struct ct_rego_value *val; /* RT_VALUE; ground composite cache */
	const char *name;          /* var name / call name (dotted) */
	int slot;
	struct rg_term **items;
	size_t n;
	struct rg_term *head, *key; /* comprehensions */
	struct rg_body *body;
	/* calls, after compile */
	enum rg_op op;
	const struct ct_rego_builtin *bi;
	struct rg_node *fn;
	bool ground; /* no variables inside (val holds the value) */
	bool generated; /* a parser-made variable (not reported) */
};

enum rg_lkind { RL_EXPR = 0, RL_SOME, RL_SOME_IN, RL_EVERY, RL_BOOL };

/* RL_BOOL (experimental `and` / `or`): a tree whose leaves are body
 * literals (expr NULL, body set, neg for `not`); succeeds at most once. */
enum rg_bop { BOP_AND = 1, BOP_OR };

struct rg_with {
	struct rg_term *target, *value;
	/* resolved: a data/input path, or a function/builtin name */
	int root; /* RG_SLOT_DATA / RG_SLOT_INPUT / 0 = function */
	const char **path;
	size_t npath;
	const struct ct_rego_builtin *bi;
	struct rg_node *fn;
};

struct rg_lit {
	enum rg_lkind kind;
	bool neg;
	struct rg_loc loc;
	struct rg_term *expr;      /* RL_EXPR; domain of SOME_IN / EVERY */
	struct rg_term *key, *val; /* some k, v in / every k, v (key opt.) */
	struct rg_term **vars;     /* RL_SOME declarations */
	size_t nvars;
	struct rg_body *body;      /* RL_EVERY; RL_EXPR with expr NULL */
	enum rg_bop bop;           /* RL_BOOL */
	struct rg_lit *ba, *bb;    /* RL_BOOL operands */
	bool grouped;              /* parsed inside ( ) */
	struct rg_with *withs;
	size_t nwith;
};

struct rg_body {
	struct rg_lit **lits;
	size_t n;
	int slot_start; /* first slot not bound on entry (compile) */
	int scope_start; /* first slot owned by this body's scope */
};

/* ------------------------------------------------------------ rules */

enum rg_rkind { RK_COMPLETE = 1, RK_SET, RK_OBJECT, RK_FUNC };

struct rg_module;

struct rg_rule {
	enum rg_rkind kind;
	struct rg_loc loc;
	struct rg_term *ref;    /* head ref as written (RT_REF or RT_VAR) */
	struct rg_term **args;  /* functions */
	size_t nargs;
	struct rg_term *key;    /* set element */
	struct rg_term *value;  /* NULL: true */
	struct rg_body *body;   /* NULL: no body (always) */
	struct rg_rule *els;    /* else chain */
	bool is_default;
	bool assign;            /* head used := */
	bool set_leaf;          /* ref head ending in a multi-value set */
	struct rg_module *mod;
	/* compile */
	const char **path;      /* ground path below data */
	size_t npath;
	struct rg_term **suffix; /* dynamic ref segments after the path */
	size_t nsuffix;
	int nslots;
	struct rg_rule *next_in_module;
};

struct rg_import {
	struct rg_term *ref;
	const char *alias;
	struct rg_loc loc;
};

struct rg_module {
	const char *file;
	const char **pkg; /* package path below data */
	size_t npkg;
	struct rg_import *imports;
	size_t nimports;
	struct rg_rule **rules;
	size_t nrules;
	enum ct_rego_syntax syntax;
	bool future_not;
};

/* ------------------------------------------------------------ parser */

struct rg_parser_opts {
	enum ct_rego_syntax syntax;
};

CT_RESULT rg_parse_module(struct rg_arena *a, const char *file,
			  const char *text, size_t len,
			  enum ct_rego_syntax syntax, struct rg_module **out);
/* A query: a body (literals separated by ';' or newlines). */
CT_RESULT rg_parse_query(struct rg_arena *a, const char *text, size_t len,
			 enum ct_rego_syntax syntax, struct rg_body **out);
CT_RESULT rg_parse_term_only(struct rg_arena *a, const char *text,
			     size_t len, struct rg_term **out);

/* ------------------------------------------------------------ policy */

struct rg_node {
	const char *name;
	struct ct_rego_value *key; /* the name as a string value */
	struct rg_node **kids;     /* sorted by name */
	size_t nkids;
	struct rg_rule **rules;    /* all definitions whose path ends here */
	size_t nrules;
	struct rg_rule *dflt;
	enum rg_rkind kind;        /* 0: no rules here */
	int idx;                   /* cache slot */
	int fn_arity;
	const char *dotted;        /* "data.a.b" for messages */
};

struct ct_rego_policy {
	struct rg_arena arena;
	struct rg_node *root;
	struct ct_rego_value *data; /* base document (object) */
	int nnodes;
	struct rg_module **mods;
	size_t nmods;
};

struct ct_rego_compiler {
	struct ct_rego_policy *p;
	bool compiled;
};

/* compile.c */
CT_RESULT rg_compile_policy(struct ct_rego_policy *p);
/* Scopes, resolves and orders a query body; *nslots receives its size
 * and *names (arena) the user variable names per slot (NULL otherwise). */
CT_RESULT rg_compile_query(struct ct_rego_policy *p, struct rg_arena *a,
			   struct rg_body *body, int *nslots,
			   const char ***names);
struct rg_node *rg_node_child(const struct rg_node *n, const char *name,
			      size_t len);

/* ------------------------------------------------------------ eval */

#define EV_OK 0
#define EV_STOP 1
#define EV_ERR (-1)

struct rg_override {
	struct rg_with *w;
	struct ct_rego_value *val; /* value (owned) */
	struct rg_node *fn;        /* replacement function, or */
	const struct ct_rego_builtin *bi; /* replacement builtin */
};

struct rg_ctx {
	const struct ct_rego_policy *p;
	struct ct_rego_value *input;
	struct ct_rego_value *data; /* base (+overlay) */
	struct ct_rego_value **frame;
	/* trail of bound slots */
	struct ct_rego_value ***trail;
	size_t ntrail, captrail;
	/* per-node cache: value, or marker */
	struct ct_rego_value **cache;
	uint8_t *cstate; /* 0 none, 1 computing, 2 done */
	struct rg_wframe *wtop; /* active `with` literals */
	/* inside a replacement function: function mocks installed at or
	 * above this frame do not apply */
	struct rg_wframe *mock_barrier;
	bool in_mock;
	struct ct_rego_bctx bctx;
	struct ct_rego_limits lim;
	uint64_t steps;
	size_t mem;
	unsigned depth;
	uint64_t deadline_ms;
	uintptr_t stack_base;
	bool strict;
	void (*print)(void *arg, const char *line, size_t len);
	void *print_arg;
	ct_result res;
	bool failed;
};

typedef int (*rg_k)(struct rg_ctx *c, struct ct_rego_value *v, void *arg);
typedef int (*rg_kb)(struct rg_ctx *c, void *arg);

int rg_fail(struct rg_ctx *c, struct rg_loc loc, enum ct_err cat,
	    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int rg_step(struct rg_ctx *c);
int rg_charge(struct rg_ctx *c, size_t bytes);
int rg_bind(struct rg_ctx *c, int slot, struct ct_rego_value *v);
void rg_undo(struct rg_ctx *c, size_t mark);

int rg_eval_term(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg);
int rg_unify_tv(struct rg_ctx *c, struct rg_term *t, struct ct_rego_value *v,
		rg_kb k, void *arg);
int rg_unify_tt(struct rg_ctx *c, struct rg_term *a, struct rg_term *b,
		rg_kb k, void *arg);
int rg_eval_body(struct rg_ctx *c, struct rg_body *b, size_t i, rg_kb k,
		 void *arg);
/* eval_rules.c */
int rg_eval_data_ref(struct rg_ctx *c, struct rg_term *ref, rg_k k,
		     void *arg);
int rg_node_value(struct rg_ctx *c, struct rg_node *n, struct rg_loc loc,
		  struct ct_rego_value **out);
int rg_call_fn(struct rg_ctx *c, struct rg_node *fn, struct rg_loc loc,
	       struct ct_rego_value *const *args, size_t nargs,
	       struct ct_rego_value **out);
int rg_walk_value(struct rg_ctx *c, struct ct_rego_value *v,
		  struct rg_term **segs, size_t nsegs, rg_k k, void *arg);
/* Materialises data at a node (path below data: base value may be NULL). */
int rg_doc_at(struct rg_ctx *c, struct rg_node *n, struct ct_rego_value *base,
	      const char **path, size_t depth, struct rg_loc loc,
	      struct ct_rego_value **out);

CT_RESULT rg_ctx_init(struct rg_ctx *c, const struct ct_rego_policy *p,
		      const struct ct_rego_eval_opts *o);
void rg_ctx_fini(struct rg_ctx *c);

#endif
