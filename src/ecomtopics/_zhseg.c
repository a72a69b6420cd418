/*
 * ecomtopics._zhseg: Chinese word segmentation that reproduces jieba-rs 0.11 (the
 * engine behind rjieba 0.2.2) token for token, as a plain CPython extension
 * (optional: without it the package segments with rjieba itself; the tests
 * compare the two).
 *
 *   seg = _zhseg.Segmenter(entries, start, trans, emit)
 *   seg.cut(text, hmm=True) -> list[str]
 *
 * `entries` is an iterable of (word, freq) pairs: the base dictionary followed
 * by any added words. Each entry behaves like jieba-rs `add_word(word, freq)`:
 * a new word is appended and its freq added to the total; a word already seen
 * gets the new freq and the total moves by the difference. `start`, `trans`
 * and `emit` are the HMM tables in Python jieba's format (jieba.finalseg
 * prob_start.P, prob_trans.P, prob_emit.P): dicts keyed by 'B', 'E', 'M', 'S'.
 * This file holds no data of its own. (To match jieba-rs, pass jieba's
 * emission values rounded to six decimals: jieba-rs embeds cppjieba's
 * model, which stores them that way; see ecomtopics.tokenize._chinese.)
 *
 * The algorithm, as jieba-rs does it:
 *  1. The text is split into maximal runs of "block" characters (CJK
 *     ideographs of the main block and its extensions, ASCII letters and
 *     digits, and + # & . _ % -) and runs of everything else. Outside a block
 *     every character is a token of its own, except that CR LF stays one.
 *  2. In a block, every dictionary word starting at each character is an
 *     edge; the best route from the right maximises the sum of
 *     ln(freq) - ln(total). A character with no word starting at it steps
 *     over one character with freq 1. Ties go to the longer word.
 *  3. Steps of one character are gathered into runs. Without the HMM a run of
 *     ASCII letters/digits becomes one token and other single characters stay
 *     alone. With the HMM, a run of one character is emitted as is, a run
 *     that is itself a dictionary word is emitted character by character, and
 *     any other run goes to the HMM cutter.
 *  4. The HMM cutter splits its run into stretches of U+4E00..U+9FD5 and
 *     stretches of everything else. A stretch of ideographs longer than one
 *     goes through Viterbi (states B E M S); other stretches are split into
 *     alphanumeric tokens (letters/digits, joined by . _ - when a letter or
 *     digit follows, with an optional trailing %) and the gaps between them,
 *     each gap one token.
 *
 * All scores are IEEE doubles added in the same order as jieba-rs, so the
 * routes (including ties) come out bit for bit the same.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "unknown"
#endif

/* ------------------------------------------------------------------ */
/* character classes                                                   */

/* ASCII characters that belong to a block: letters, digits, + # & . _ % - */
static unsigned char ascii_block[128];
static unsigned char ascii_alnum[128];

static void init_ascii_tables(void)
{
    for (int c = 0; c < 128; c++) {
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        ascii_alnum[c] = (unsigned char)alnum;
        ascii_block[c] = (unsigned char)(alnum || c == '+' || c == '#' || c == '&' || c == '.' ||
                                         c == '_' || c == '%' || c == '-');
    }
}

static inline int is_block_char(uint32_t c)
{
    if (c < 0x80)
        return ascii_block[c];
    if (c >= 0x4E00 && c <= 0x9FFF)
        return 1;
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0x2CEB0 && c <= 0x2EBEF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static inline int is_alnum(uint32_t c) { return c < 0x80 && ascii_alnum[c]; }

/* The range the HMM labels; anything else in a run is split by is_alnum. */
#define HMM_MIN 0x4E00u
#define HMM_MAX 0x9FD5u
static inline int is_hmm_char(uint32_t c) { return c >= HMM_MIN && c <= HMM_MAX; }

static inline int is_connector(uint32_t c) { return c == '.' || c == '_' || c == '-'; }

/* ------------------------------------------------------------------ */
/* dictionary trie over code points                                    */

/*
 * Nodes are word prefixes, numbered from 1 (0 is the root). The edges out of
 * the root for BMP characters sit in a directly indexed table; every other
 * edge is a slot of an open-addressing table keyed by (parent, character).
 * An edge carries all a walk needs about the node it leads to: its id,
 * whether it has children, and the score ln(freq) - ln(total) of the word
 * ending there (NaN when the prefix is not a word). One memory access per
 * character, and no second lookup for the score.
 *
 * A slot packs key and child into one 64-bit word:
 *   bits  0..20  character
 *   bits 21..41  parent node
 *   bits 42..62  child node
 *   bit  63      child has children
 * so there can be at most 2^21 - 1 nodes (the jieba dictionary needs ~0.6M).
 */
#define CHAR_BITS 21
#define NODE_BITS 21
#define KEY_MASK ((UINT64_C(1) << 42) - 1)
#define NODE_MASK ((UINT32_C(1) << NODE_BITS) - 1)
#define SLOT_KIDS (UINT64_C(1) << 63)
#define MAX_NODES NODE_MASK
#define ROOT_LEN 0x10000
#define ROOT_KIDS 0x80000000u /* in RootEdge.child */

typedef struct {
    uint64_t kc; /* 0 when empty */
    double logp;
} Slot;

typedef struct {
    uint32_t child; /* node id (0: no edge), ROOT_KIDS if it has children */
    uint32_t unused;
    double logp;
} RootEdge;

typedef struct {
    RootEdge *root;
    Slot *slots;
    size_t nslots; /* power of two */
    size_t used;
    unsigned shift;
    uint32_t next_node;
    /* One bit per hashed (parent, character) key present in `slots`: a walk
       asks this small table first and skips the probe of the big one (a
       cache miss, usually) when the bit is clear. */
    uint64_t *filter;
} Trie;

#define FILTER_BITS 23

static inline uint64_t trie_key(uint32_t parent, uint32_t ch)
{
    return ((uint64_t)parent << CHAR_BITS) | ch;
}

static inline size_t trie_index(const Trie *t, uint64_t key)
{
    return (size_t)(((key + 1) * UINT64_C(0x9E3779B97F4A7C15)) >> t->shift);
}

/* Slot holding `key`, or the empty slot where it would go. */
static inline size_t trie_probe(const Trie *t, uint64_t key)
{
    size_t mask = t->nslots - 1;
    size_t i = trie_index(t, key);
    for (;;) {
        uint64_t kc = t->slots[i].kc;
        if (kc == 0 || (kc & KEY_MASK) == key)
            return i;
        i = (i + 1) & mask;
    }
}

static inline size_t filter_bit(uint64_t key)
{
    return (size_t)((key * UINT64_C(0xD6E8FEB86659FD93)) >> (64 - FILTER_BITS));
}

static inline int filter_may_have(const Trie *t, uint64_t key)
{
    size_t b = filter_bit(key);
    return (t->filter[b >> 6] >> (b & 63)) & 1;
}

/* Fill the filter from the finished table. */
static int trie_build_filter(Trie *t)
{
    t->filter = PyMem_Calloc(((size_t)1 << FILTER_BITS) / 64, sizeof(uint64_t));
    if (!t->filter)
        return -1;
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i].kc) {
            size_t b = filter_bit(t->slots[i].kc & KEY_MASK);
            t->filter[b >> 6] |= UINT64_C(1) << (b & 63);
        }
    return 0;
}

static inline uint32_t slot_child(uint64_t kc) { return (uint32_t)(kc >> 42) & NODE_MASK; }

static unsigned log2_size(size_t n)
{
    unsigned b = 0;
    while (((size_t)1 << b) < n)
        b++;
    return b;
}

static int trie_init(Trie *t, size_t nslots)
{
    unsigned b = log2_size(nslots < 1024 ? 1024 : nslots);
    t->nslots = (size_t)1 << b;
    t->shift = 64 - b;
    t->used = 0;
    t->next_node = 1;
    t->filter = NULL;
    t->root = PyMem_Calloc(ROOT_LEN, sizeof(RootEdge));
    t->slots = PyMem_Calloc(t->nslots, sizeof(Slot));
    if (!t->root || !t->slots)
        return -1;
    return 0;
}

static void trie_free(Trie *t)
{
    PyMem_Free(t->root);
    PyMem_Free(t->slots);
    PyMem_Free(t->filter);
    t->root = NULL;
    t->slots = NULL;
    t->filter = NULL;
}

static int trie_grow(Trie *t)
{
    size_t n = t->nslots * 2;
    Slot *old = t->slots;
    size_t oldn = t->nslots;
    Slot *s = PyMem_Calloc(n, sizeof(Slot));
    if (!s)
        return -1;
    t->slots = s;
    t->nslots = n;
    t->shift = 64 - log2_size(n);
    for (size_t i = 0; i < oldn; i++)
        if (old[i].kc)
            t->slots[trie_probe(t, old[i].kc & KEY_MASK)] = old[i];
    PyMem_Free(old);
    return 0;
}

/*
 * Node of the word cps[0..n) (n >= 1), creating the missing nodes.
 * Returns 0 with an exception set on failure.
 */
static uint32_t trie_insert(Trie *t, const uint32_t *cps, Py_ssize_t n)
{
    uint32_t parent = 0;
    /* where the edge to `parent` is, to flag it once parent has a child */
    uint32_t *root_flag = NULL;
    size_t parent_slot = (size_t)-1;
    for (Py_ssize_t k = 0; k < n; k++) {
        uint32_t ch = cps[k];
        if (t->next_node >= MAX_NODES) {
            PyErr_SetString(PyExc_OverflowError, "dictionary too large for zhseg's trie");
            return 0;
        }
        if (parent == 0 && ch < ROOT_LEN) {
            RootEdge *e = &t->root[ch];
            if (e->child == 0) {
                e->child = t->next_node++;
                e->logp = NAN;
            }
            parent = e->child & ~ROOT_KIDS;
            root_flag = &e->child;
            parent_slot = (size_t)-1;
            continue;
        }
        if (root_flag)
            *root_flag |= ROOT_KIDS;
        else if (parent_slot != (size_t)-1)
            t->slots[parent_slot].kc |= SLOT_KIDS;
        root_flag = NULL;
        uint64_t key = trie_key(parent, ch);
        size_t i = trie_probe(t, key);
        if (t->slots[i].kc == 0) {
            if ((t->used + 1) * 8 > t->nslots * 5) {
                if (trie_grow(t) < 0) {
                    PyErr_NoMemory();
                    return 0;
                }
                i = trie_probe(t, key);
            }
            uint32_t child = t->next_node++;
            t->slots[i].kc = key | ((uint64_t)child << 42);
            t->slots[i].logp = NAN;
            t->used++;
        }
        parent = slot_child(t->slots[i].kc);
        parent_slot = i;
    }
    return parent;
}

/* The edge leading to the node of cps[0..n), or NULL. Its logp is NaN
   when that prefix is not a word. */
static const double *trie_find(const Trie *t, const uint32_t *cps, Py_ssize_t n)
{
    if (n <= 0)
        return NULL;
    uint32_t node = 0;
    int kids = 1;
    const double *lp = NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        uint32_t ch = cps[k];
        if (!kids)
            return NULL;
        if (node == 0 && ch < ROOT_LEN) {
            const RootEdge *e = &t->root[ch];
            if (e->child == 0)
                return NULL;
            node = e->child & ~ROOT_KIDS;
            kids = (e->child & ROOT_KIDS) != 0;
            lp = &e->logp;
            continue;
        }
        const Slot *s = &t->slots[trie_probe(t, trie_key(node, ch))];
        if (s->kc == 0)
            return NULL;
        node = slot_child(s->kc);
        kids = (s->kc & SLOT_KIDS) != 0;
        lp = &s->logp;
    }
    return lp;
}

static inline int trie_has_word(const Trie *t, const uint32_t *cps, Py_ssize_t n)
{
    const double *lp = trie_find(t, cps, n);
    return lp != NULL && !isnan(*lp);
}

/* ------------------------------------------------------------------ */
/* the segmenter object                                                */

enum { ST_B = 0, ST_E = 1, ST_M = 2, ST_S = 3 };
#define MIN_FLOAT (-3.14e100)

/* Per-call working memory: the object's scratch, or a private copy when a
 * call re-enters (a finaliser run by the garbage collector could do that). */
typedef struct {
    Py_ssize_t cap;
    uint32_t *cps;
    double *rprob;
    int32_t *rend;
    uint32_t *rnode;
    unsigned char *vprev;
    uint8_t *path;
    PyObject **toks;
    Py_ssize_t ntoks, tokcap;
    PyObject *text;
    int kind;
    const void *data;
} Work;

typedef struct {
    PyObject_HEAD
    Trie trie;
    /* per trie node */
    uint64_t *node_freq; /* freq of the word ending there, NOT_A_WORD if none;
                            only kept while the dictionary is being built */
    PyObject **word_str; /* the word ending there as a str, made on first use */
    Py_ssize_t nwords;
    uint64_t total;
    double log_total;
    /* one-character strings of the BMP, made on first use */
    PyObject **char_str;
    /* HMM tables */
    double start_p[4];
    double trans_p[4][4];
    uint16_t *emit_index; /* ch - HMM_MIN -> row, or 0xFFFF */
    double (*emit_rows)[4];
    Py_ssize_t nrows;
    /* scratch reused across calls (not while a call is running) */
    int busy;
    Work scratch;
    int ready; /* __init__ succeeded: tables complete */
} Segmenter;

#define NOT_A_WORD UINT64_MAX


static void work_free_arrays(Work *w)
{
    PyMem_Free(w->cps);
    PyMem_Free(w->rprob);
    PyMem_Free(w->rend);
    PyMem_Free(w->rnode);
    PyMem_Free(w->vprev);
    PyMem_Free(w->path);
    w->cps = NULL;
    w->rprob = NULL;
    w->rend = NULL;
    w->rnode = NULL;
    w->vprev = NULL;
    w->path = NULL;
    w->cap = 0;
}

static int work_reserve(Work *w, Py_ssize_t n)
{
    if (n + 1 <= w->cap)
        return 0;
    Py_ssize_t cap = w->cap ? w->cap : 256;
    while (cap < n + 1)
        cap *= 2;
    work_free_arrays(w);
    w->cps = PyMem_Malloc(cap * sizeof(uint32_t));
    w->rprob = PyMem_Malloc(cap * sizeof(double));
    w->rend = PyMem_Malloc(cap * sizeof(int32_t));
    w->rnode = PyMem_Malloc(cap * sizeof(uint32_t));
    w->vprev = PyMem_Malloc(cap * 4);
    w->path = PyMem_Malloc(cap);
    if (!w->cps || !w->rprob || !w->rend || !w->rnode || !w->vprev || !w->path) {
        work_free_arrays(w);
        PyErr_NoMemory();
        return -1;
    }
    w->cap = cap;
    return 0;
}

/* Append a new reference to the token list (steals `s`). */
static inline int push_tok(Work *w, PyObject *s)
{
    if (s == NULL)
        return -1;
    if (w->ntoks == w->tokcap) {
        Py_ssize_t cap = w->tokcap ? w->tokcap * 2 : 256;
        PyObject **p = PyMem_Realloc(w->toks, cap * sizeof(PyObject *));
        if (!p) {
            Py_DECREF(s);
            PyErr_NoMemory();
            return -1;
        }
        w->toks = p;
        w->tokcap = cap;
    }
    w->toks[w->ntoks++] = s;
    return 0;
}

static inline PyObject *substring(Work *w, Py_ssize_t a, Py_ssize_t b)
{
    return PyUnicode_FromKindAndData(w->kind, (const char *)w->data + a * w->kind, b - a);
}

/* Token for the single character at position a. */
static inline int emit_char(Segmenter *self, Work *w, Py_ssize_t a)
{
    uint32_t c = w->cps[a];
    if (c < ROOT_LEN) {
        PyObject *s = self->char_str[c];
        if (s == NULL) {
            s = substring(w, a, a + 1);
            if (s == NULL)
                return -1;
            self->char_str[c] = s;
        }
        Py_INCREF(s);
        return push_tok(w, s);
    }
    return push_tok(w, substring(w, a, a + 1));
}

static inline int emit_span(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b)
{
    if (b - a == 1)
        return emit_char(self, w, a);
    return push_tok(w, substring(w, a, b));
}

/* Token for the dictionary word ending at trie node `id`, found at a..b. */
static inline int emit_word(Segmenter *self, Work *w, uint32_t id, Py_ssize_t a, Py_ssize_t b)
{
    if (b - a == 1)
        return emit_char(self, w, a);
    PyObject *s = self->word_str[id];
    if (s == NULL) {
        s = substring(w, a, b);
        if (s == NULL)
            return -1;
        self->word_str[id] = s;
    }
    Py_INCREF(s);
    return push_tok(w, s);
}

/* ------------------------------------------------------------------ */
/* HMM                                                                 */

static inline const double *emit_probs(const Segmenter *self, uint32_t c)
{
    static const double none[4] = {MIN_FLOAT, MIN_FLOAT, MIN_FLOAT, MIN_FLOAT};
    uint16_t r = self->emit_index[c - HMM_MIN]; /* c is always in the HMM range */
    return r == 0xFFFF ? none : self->emit_rows[r];
}

/* Viterbi over cps[a..b) (b - a >= 2), then emit the words it marks. */
static int hmm_viterbi(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b)
{
    /* Predecessors allowed for each state, lower index first: on equal
       scores the second (higher index) one wins. */
    static const int prev_of[4][2] = {
        {ST_E, ST_S}, /* B */
        {ST_B, ST_M}, /* E */
        {ST_B, ST_M}, /* M */
        {ST_E, ST_S}, /* S */
    };
    const uint32_t *cps = w->cps;
    Py_ssize_t n = b - a;
    unsigned char *prev = w->vprev;
    double v[4], nv[4];
    const double *em = emit_probs(self, cps[a]);
    for (int y = 0; y < 4; y++)
        v[y] = self->start_p[y] + em[y];
    for (Py_ssize_t t = 1; t < n; t++) {
        em = emit_probs(self, cps[a + t]);
        for (int y = 0; y < 4; y++) {
            int y0 = prev_of[y][0], y1 = prev_of[y][1];
            double p0 = v[y0] + self->trans_p[y0][y] + em[y];
            double p1 = v[y1] + self->trans_p[y1][y] + em[y];
            if (p0 > p1) {
                nv[y] = p0;
                prev[t * 4 + y] = (unsigned char)y0;
            } else {
                nv[y] = p1;
                prev[t * 4 + y] = (unsigned char)y1;
            }
        }
        memcpy(v, nv, sizeof v);
    }
    uint8_t *path = w->path;
    int cur = v[ST_E] > v[ST_S] ? ST_E : ST_S;
    path[n - 1] = (uint8_t)cur;
    for (Py_ssize_t t = n - 1; t > 0; t--) {
        cur = prev[t * 4 + cur];
        path[t - 1] = (uint8_t)cur;
    }
    /* B opens a word, E closes it, S is a word alone, M continues. */
    Py_ssize_t begin = a, next = a;
    for (Py_ssize_t i = 0; i < n; i++) {
        switch (path[i]) {
        case ST_B:
            begin = a + i;
            break;
        case ST_E:
            if (emit_span(self, w, begin, a + i + 1) < 0)
                return -1;
            next = a + i + 1;
            break;
        case ST_S:
            if (emit_char(self, w, a + i) < 0)
                return -1;
            next = a + i + 1;
            break;
        default:
            break;
        }
    }
    if (next < b)
        return emit_span(self, w, next, b);
    return 0;
}

/* Split cps[a..b), which has no HMM characters, into alphanumeric tokens and
   the gaps between them. */
static int skip_split(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b)
{
    const uint32_t *cps = w->cps;
    Py_ssize_t p = a;
    while (p < b) {
        Py_ssize_t gap = p;
        while (p < b && !is_alnum(cps[p]))
            p++;
        if (p > gap && emit_span(self, w, gap, p) < 0)
            return -1;
        if (p == b)
            break;
        Py_ssize_t m = p;
        for (;;) {
            while (m < b && is_alnum(cps[m]))
                m++;
            if (m + 1 < b && is_connector(cps[m]) && is_alnum(cps[m + 1]))
                m++;
            else
                break;
        }
        if (m < b && cps[m] == '%')
            m++;
        if (emit_span(self, w, p, m) < 0)
            return -1;
        p = m;
    }
    return 0;
}

/* The HMM cutter for a run cps[a..b) of single-character steps. */
static int hmm_cut(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b)
{
    const uint32_t *cps = w->cps;
    Py_ssize_t i = a;
    while (i < b) {
        int han = is_hmm_char(cps[i]);
        Py_ssize_t j = i + 1;
        while (j < b && is_hmm_char(cps[j]) == han)
            j++;
        int r;
        if (!han)
            r = skip_split(self, w, i, j);
        else if (j - i > 1)
            r = hmm_viterbi(self, w, i, j);
        else
            r = emit_char(self, w, i);
        if (r < 0)
            return -1;
        i = j;
    }
    return 0;
}

/* A run cps[a..b) of steps that the best route took one character at a time. */
static int flush_run(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b, int hmm)
{
    if (!hmm || b - a == 1)
        return emit_span(self, w, a, b);
    if (trie_has_word(&self->trie, w->cps + a, b - a)) {
        for (Py_ssize_t i = a; i < b; i++)
            if (emit_char(self, w, i) < 0)
                return -1;
        return 0;
    }
    return hmm_cut(self, w, a, b);
}

/* ------------------------------------------------------------------ */
/* blocks                                                              */

/* Best route over the block cps[a..b), right to left: for every position
   the score of the best segmentation of the rest of the block, where its
   first word ends, and that word's trie node (0 for a lone character that
   is not a word). */
static void calc_route(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b)
{
    /* How many positions ahead of the walk to prefetch the slot of a
       position's second character: that load is what the walk waits on. */
    enum { LOOKAHEAD = 4 };
    const Trie *t = &self->trie;
    const RootEdge *root = t->root;
    const Slot *slots = t->slots;
    const size_t mask = t->nslots - 1;
    const uint32_t *cps = w->cps;
    double *rprob = w->rprob;
    int32_t *rend = w->rend;
    uint32_t *rnode = w->rnode;
    const double log1 = 0.0 - self->log_total;

    rprob[b] = 0.0;
    for (Py_ssize_t idx = b - 1; idx >= a; idx--) {
        Py_ssize_t ahead = idx - LOOKAHEAD;
        if (ahead >= a && cps[ahead] < ROOT_LEN) {
            uint32_t h = root[cps[ahead]].child;
            if (h & ROOT_KIDS)
                __builtin_prefetch(&slots[trie_index(t, trie_key(h & ~ROOT_KIDS, cps[ahead + 1]))]);
        }

        uint32_t c = cps[idx], node;
        int kids;
        double lp;
        if (c < ROOT_LEN) {
            const RootEdge *e = &root[c];
            node = e->child & ~ROOT_KIDS;
            kids = (e->child & ROOT_KIDS) != 0;
            lp = e->logp;
        } else {
            const Slot *s = &slots[trie_probe(t, trie_key(0, c))];
            node = slot_child(s->kc);
            kids = (s->kc & SLOT_KIDS) != 0;
            lp = s->logp;
        }

        int have = 0;
        double best = 0.0;
        Py_ssize_t bend = idx + 1;
        uint32_t bnode = 0;
        if (node != 0) {
            Py_ssize_t next = idx + 1;
            for (;;) {
                if (!isnan(lp)) {
                    /* jieba-rs: log_freq - logtotal + route[end]; the first
                       two are folded into lp, which is the same double */
                    double p = lp + rprob[next];
                    /* ends only grow along the walk, so on a tie the
                       longer word wins, as in jieba-rs */
                    if (!have || p > best || (p == best && next > bend)) {
                        best = p;
                        bend = next;
                        bnode = node;
                        have = 1;
                    }
                }
                if (!kids || next >= b)
                    break;
                uint64_t key = trie_key(node, cps[next]);
                if (!filter_may_have(t, key))
                    break;
                size_t i = trie_index(t, key);
                uint64_t kc;
                for (;;) {
                    kc = slots[i].kc;
                    if (kc == 0 || (kc & KEY_MASK) == key)
                        break;
                    i = (i + 1) & mask;
                }
                if (kc == 0)
                    break;
                node = slot_child(kc);
                kids = (kc & SLOT_KIDS) != 0;
                lp = slots[i].logp;
                next++;
            }
        }
        if (!have) {
            best = log1 + rprob[idx + 1];
            bend = idx + 1;
            bnode = 0;
        }
        rprob[idx] = best;
        rend[idx] = (int32_t)bend;
        rnode[idx] = bnode;
    }
}

static int cut_block(Segmenter *self, Work *w, Py_ssize_t a, Py_ssize_t b, int hmm)
{
    calc_route(self, w, a, b);
    const uint32_t *cps = w->cps;
    Py_ssize_t x = a, left = -1;
    while (x < b) {
        Py_ssize_t y = w->rend[x];
        if (y - x == 1 && (hmm || is_alnum(cps[x]))) {
            if (left < 0)
                left = x;
        } else {
            if (left >= 0) {
                if (flush_run(self, w, left, x, hmm) < 0)
                    return -1;
                left = -1;
            }
            int r = w->rnode[x] ? emit_word(self, w, w->rnode[x], x, y) : emit_span(self, w, x, y);
            if (r < 0)
                return -1;
        }
        x = y;
    }
    if (left >= 0)
        return flush_run(self, w, left, b, hmm);
    return 0;
}

static int cut_text(Segmenter *self, Work *w, Py_ssize_t n, int hmm)
{
    const uint32_t *cps = w->cps;
    Py_ssize_t i = 0;
    while (i < n) {
        int block = is_block_char(cps[i]);
        Py_ssize_t j = i + 1;
        while (j < n && is_block_char(cps[j]) == block)
            j++;
        if (block) {
            if (cut_block(self, w, i, j, hmm) < 0)
                return -1;
        } else {
            for (Py_ssize_t k = i; k < j; k++) {
                if (cps[k] == '\r' && k + 1 < j && cps[k + 1] == '\n') {
                    if (emit_span(self, w, k, k + 2) < 0)
                        return -1;
                    k++;
                } else if (emit_char(self, w, k) < 0) {
                    return -1;
                }
            }
        }
        i = j;
    }
    return 0;
}

static PyObject *Segmenter_cut(Segmenter *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *text = NULL, *hmm_obj = NULL, *forms = NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Segmenter is not initialised");
        return NULL;
    }
    if (nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "cut(text, hmm=True) takes at most 2 arguments");
        return NULL;
    }
    if (nargs >= 1)
        text = args[0];
    if (nargs == 2)
        hmm_obj = args[1];
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        PyObject *val = args[nargs + k];
        if (PyUnicode_CompareWithASCIIString(name, "hmm") == 0 && !hmm_obj)
            hmm_obj = val;
        else if (PyUnicode_CompareWithASCIIString(name, "text") == 0 && !text)
            text = val;
        else if (PyUnicode_CompareWithASCIIString(name, "forms") == 0 && !forms)
            forms = val == Py_None ? NULL : val;
        else {
            PyErr_Format(PyExc_TypeError, "cut() got an unexpected or repeated keyword argument %R", name);
            return NULL;
        }
    }
    if (text == NULL || !PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "cut() needs text: str");
        return NULL;
    }
    int hmm = 1;
    if (hmm_obj) {
        hmm = PyObject_IsTrue(hmm_obj);
        if (hmm < 0)
            return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n >= INT32_MAX) { /* route ends are stored as int32 */
        PyErr_SetString(PyExc_OverflowError, "text too long for cut()");
        return NULL;
    }

    Work w;
    int own = !self->busy; /* use the object's scratch unless re-entered */
    if (own) {
        w = self->scratch;
        self->busy = 1;
    } else {
        memset(&w, 0, sizeof w);
    }
    w.ntoks = 0;
    w.text = text;
    w.kind = PyUnicode_KIND(text);
    w.data = PyUnicode_DATA(text);

    PyObject *list = NULL;
    if (work_reserve(&w, n) < 0)
        goto done;
    {
        int kind = w.kind;
        const void *data = w.data;
        uint32_t *cps = w.cps;
        if (kind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *s = data;
            for (Py_ssize_t i = 0; i < n; i++)
                cps[i] = s[i];
        } else if (kind == PyUnicode_2BYTE_KIND) {
            const Py_UCS2 *s = data;
            for (Py_ssize_t i = 0; i < n; i++)
                cps[i] = s[i];
        } else {
            memcpy(cps, data, n * sizeof(uint32_t));
        }
    }
    if (cut_text(self, &w, n, hmm) == 0 && forms) {
        /* each word through forms (a dict, or a mapping that fills itself on a miss), keeping
         * the non-empty strings: the tokenizer's per-word memo, applied without a Python loop */
        list = PyList_New(0);
        for (Py_ssize_t i = 0; list && i < w.ntoks; i++) {
            PyObject *v = PyDict_Check(forms) ? PyDict_GetItemWithError(forms, w.toks[i]) : NULL;
            if (v)
                Py_INCREF(v);
            else if (!PyErr_Occurred())
                v = PyObject_GetItem(forms, w.toks[i]);
            if (!v || (PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) > 0 && PyList_Append(list, v) < 0)) {
                Py_XDECREF(v);
                Py_CLEAR(list);
                break;
            }
            if (!PyUnicode_Check(v)) {
                PyErr_Format(PyExc_TypeError, "forms must give str, not %.100s", Py_TYPE(v)->tp_name);
                Py_DECREF(v);
                Py_CLEAR(list);
                break;
            }
            Py_DECREF(v);
        }
    } else if (!PyErr_Occurred() && !forms) {
        list = PyList_New(w.ntoks);
        if (list) {
            for (Py_ssize_t i = 0; i < w.ntoks; i++)
                PyList_SET_ITEM(list, i, w.toks[i]);
            w.ntoks = 0; /* the list owns them now */
        }
    }
done:
    for (Py_ssize_t i = 0; i < w.ntoks; i++)
        Py_DECREF(w.toks[i]);
    if (own) {
        self->scratch = w;
        self->busy = 0;
    } else {
        work_free_arrays(&w);
        PyMem_Free(w.toks);
    }
    return list;
}

/* ------------------------------------------------------------------ */
/* construction                                                        */

/* One (word, freq) entry, with jieba-rs add_word semantics. */
static int add_entry(Segmenter *self, PyObject *word, uint64_t freq, uint32_t **buf, Py_ssize_t *bufcap,
                     Py_ssize_t *freqcap)
{
    if (PyUnicode_READY(word) < 0)
        return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    if (n == 0)
        return 0; /* jieba-rs ignores an empty word */
    if (freq == NOT_A_WORD) {
        PyErr_SetString(PyExc_OverflowError, "frequency too large");
        return -1;
    }
    if (n > *bufcap) {
        PyMem_Free(*buf);
        *bufcap = n * 2;
        *buf = PyMem_Malloc(*bufcap * sizeof(uint32_t));
        if (!*buf) {
            PyErr_NoMemory();
            return -1;
        }
    }
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    for (Py_ssize_t i = 0; i < n; i++)
        (*buf)[i] = PyUnicode_READ(kind, data, i);
    uint32_t node = trie_insert(&self->trie, *buf, n);
    if (node == 0)
        return -1;
    /* node ids are handed out in order, so at most n new ones appeared */
    if ((Py_ssize_t)self->trie.next_node > *freqcap) {
        Py_ssize_t cap = *freqcap ? *freqcap : 1024;
        while (cap < (Py_ssize_t)self->trie.next_node)
            cap *= 2;
        uint64_t *f = PyMem_Realloc(self->node_freq, cap * sizeof(uint64_t));
        if (!f) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = *freqcap; i < cap; i++)
            f[i] = NOT_A_WORD;
        self->node_freq = f;
        *freqcap = cap;
    }
    uint64_t old = self->node_freq[node];
    self->node_freq[node] = freq;
    if (old != NOT_A_WORD) {
        self->total = self->total + freq - old; /* a known word: new freq */
    } else {
        self->total += freq;
        self->nwords++;
    }
    return 0;
}

/* Give every edge the score of the word it ends, once the total is known. */
static void set_scores(Segmenter *self)
{
    Trie *t = &self->trie;
    for (size_t c = 0; c < ROOT_LEN; c++) {
        uint32_t node = t->root[c].child & ~ROOT_KIDS;
        if (node) {
            uint64_t f = self->node_freq[node];
            t->root[c].logp = f == NOT_A_WORD ? NAN : log((double)f) - self->log_total;
        }
    }
    for (size_t i = 0; i < t->nslots; i++) {
        if (t->slots[i].kc) {
            uint64_t f = self->node_freq[slot_child(t->slots[i].kc)];
            t->slots[i].logp = f == NOT_A_WORD ? NAN : log((double)f) - self->log_total;
        }
    }
}

static int state_index(PyObject *key)
{
    if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) != 1)
        return -1;
    switch (PyUnicode_READ_CHAR(key, 0)) {
    case 'B': return ST_B;
    case 'E': return ST_E;
    case 'M': return ST_M;
    case 'S': return ST_S;
    }
    return -1;
}

/* Read {state: value} into out[4]; states not given keep `dflt`. */
static int read_state_floats(PyObject *d, double out[4], double dflt, const char *what)
{
    if (!PyDict_Check(d)) {
        PyErr_Format(PyExc_TypeError, "%s must be a dict keyed by 'B', 'E', 'M', 'S'", what);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        out[i] = dflt;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        int s = state_index(k);
        if (s < 0) {
            PyErr_Format(PyExc_ValueError, "%s: unknown state %R", what, k);
            return -1;
        }
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred())
            return -1;
        out[s] = x;
    }
    return 0;
}

static int load_hmm(Segmenter *self, PyObject *start, PyObject *trans, PyObject *emit)
{
    if (read_state_floats(start, self->start_p, MIN_FLOAT, "start") < 0)
        return -1;
    if (!PyDict_Check(trans) || !PyDict_Check(emit)) {
        PyErr_SetString(PyExc_TypeError, "trans and emit must be dicts keyed by 'B', 'E', 'M', 'S'");
        return -1;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            self->trans_p[i][j] = MIN_FLOAT;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(trans, &pos, &k, &v)) {
        int s = state_index(k);
        if (s < 0) {
            PyErr_Format(PyExc_ValueError, "trans: unknown state %R", k);
            return -1;
        }
        if (read_state_floats(v, self->trans_p[s], MIN_FLOAT, "trans row") < 0)
            return -1;
    }
    /* Emission: only characters the HMM can see are kept. */
    size_t range = HMM_MAX - HMM_MIN + 1;
    self->emit_index = PyMem_Malloc(range * sizeof(uint16_t));
    if (!self->emit_index) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->emit_index, 0xFF, range * sizeof(uint16_t));
    Py_ssize_t cap = 0;
    pos = 0;
    while (PyDict_Next(emit, &pos, &k, &v)) {
        int s = state_index(k);
        if (s < 0 || !PyDict_Check(v)) {
            PyErr_Format(PyExc_ValueError, "emit: bad state %R or its table", k);
            return -1;
        }
        PyObject *ck, *cv;
        Py_ssize_t p2 = 0;
        while (PyDict_Next(v, &p2, &ck, &cv)) {
            if (!PyUnicode_Check(ck) || PyUnicode_GET_LENGTH(ck) != 1) {
                PyErr_Format(PyExc_ValueError, "emit: key %R is not one character", ck);
                return -1;
            }
            Py_UCS4 c = PyUnicode_READ_CHAR(ck, 0);
            double x = PyFloat_AsDouble(cv);
            if (x == -1.0 && PyErr_Occurred())
                return -1;
            if (c < HMM_MIN || c > HMM_MAX)
                continue;
            uint16_t *r = &self->emit_index[c - HMM_MIN];
            if (*r == 0xFFFF) {
                if (self->nrows == cap) {
                    cap = cap ? cap * 2 : 4096;
                    double(*rows)[4] = PyMem_Realloc(self->emit_rows, cap * sizeof(double[4]));
                    if (!rows) {
                        PyErr_NoMemory();
                        return -1;
                    }
                    self->emit_rows = rows;
                }
                *r = (uint16_t)self->nrows;
                for (int y = 0; y < 4; y++)
                    self->emit_rows[self->nrows][y] = MIN_FLOAT;
                self->nrows++;
            }
            self->emit_rows[*r][s] = x;
        }
    }
    return 0;
}

static int Segmenter_init(Segmenter *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"entries", "start", "trans", "emit", NULL};
    PyObject *entries, *start, *trans, *emit;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO:Segmenter", kwlist, &entries, &start, &trans, &emit))
        return -1;
    if (self->trie.root) {
        PyErr_SetString(PyExc_RuntimeError, "Segmenter is already initialised");
        return -1;
    }
    PyObject *seq = PySequence_Fast(entries, "entries must be a sequence of (word, freq)");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (trie_init(&self->trie, (size_t)n * 2) < 0) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    uint32_t *buf = NULL;
    Py_ssize_t bufcap = 0, freqcap = 0;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = items[i];
        if (!PyTuple_Check(e) || PyTuple_GET_SIZE(e) < 2 || !PyUnicode_Check(PyTuple_GET_ITEM(e, 0))) {
            PyErr_Format(PyExc_TypeError, "entry %zd is not a (str, int) tuple", i);
            goto fail;
        }
        unsigned long long f = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(e, 1));
        if (f == (unsigned long long)-1 && PyErr_Occurred())
            goto fail;
        if (add_entry(self, PyTuple_GET_ITEM(e, 0), (uint64_t)f, &buf, &bufcap, &freqcap) < 0)
            goto fail;
    }
    PyMem_Free(buf);
    buf = NULL;
    Py_CLEAR(seq);

    /* Scores of the final dictionary: ln(freq) - ln(total), subtracted
       before the rest of the route is added, as in jieba-rs. */
    self->log_total = log((double)self->total);
    if (self->node_freq == NULL) { /* an empty dictionary */
        self->node_freq = PyMem_Malloc(sizeof(uint64_t));
        if (self->node_freq)
            self->node_freq[0] = NOT_A_WORD;
    }
    self->word_str = PyMem_Calloc(self->trie.next_node, sizeof(PyObject *));
    self->char_str = PyMem_Calloc(ROOT_LEN, sizeof(PyObject *));
    if (!self->node_freq || !self->word_str || !self->char_str) {
        PyErr_NoMemory();
        return -1;
    }
    set_scores(self);
    if (trie_build_filter(&self->trie) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->node_freq);
    self->node_freq = NULL;
    if (load_hmm(self, start, trans, emit) < 0)
        return -1;
    self->ready = 1;
    return 0;

fail:
    PyMem_Free(buf);
    Py_XDECREF(seq);
    return -1;
}

static void Segmenter_dealloc(Segmenter *self)
{
    if (self->word_str) {
        for (uint32_t i = 0; i < self->trie.next_node; i++)
            Py_XDECREF(self->word_str[i]);
        PyMem_Free(self->word_str);
    }
    if (self->char_str) {
        for (Py_ssize_t i = 0; i < ROOT_LEN; i++)
            Py_XDECREF(self->char_str[i]);
        PyMem_Free(self->char_str);
    }
    trie_free(&self->trie);
    PyMem_Free(self->node_freq);
    PyMem_Free(self->emit_index);
    PyMem_Free(self->emit_rows);
    work_free_arrays(&self->scratch);
    PyMem_Free(self->scratch.toks);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Segmenter_has_word(Segmenter *self, PyObject *word)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Segmenter is not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "has_word() needs a str");
        return NULL;
    }
    if (PyUnicode_READY(word) < 0)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    if (n == 0)
        Py_RETURN_FALSE;
    uint32_t small[64];
    uint32_t *cps = n <= 64 ? small : PyMem_Malloc(n * sizeof(uint32_t));
    if (!cps)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++)
        cps[i] = PyUnicode_READ_CHAR(word, i);
    int found = self->trie.root ? trie_has_word(&self->trie, cps, n) : 0;
    if (cps != small)
        PyMem_Free(cps);
    return PyBool_FromLong(found);
}

static PyObject *Segmenter_get_total(Segmenter *self, void *closure)
{
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyObject *Segmenter_get_nwords(Segmenter *self, void *closure)
{
    return PyLong_FromSsize_t(self->nwords);
}

static PyObject *Segmenter_get_memory(Segmenter *self, void *closure)
{
    size_t bytes = ROOT_LEN * sizeof(RootEdge) + self->trie.nslots * sizeof(Slot) + ((size_t)1 << FILTER_BITS) / 8 +
                   (size_t)self->trie.next_node * sizeof(PyObject *) + ROOT_LEN * sizeof(PyObject *) +
                   (HMM_MAX - HMM_MIN + 1) * sizeof(uint16_t) + (size_t)self->nrows * sizeof(double[4]);
    return PyLong_FromSize_t(bytes);
}

static PyMethodDef Segmenter_methods[] = {
    {"cut", (PyCFunction)(void (*)(void))Segmenter_cut, METH_FASTCALL | METH_KEYWORDS,
     "cut(text, hmm=True, forms=None) -> list[str]: the words of text, as rjieba.Jieba.cut gives "
     "them; with forms (a mapping), each word's forms[word], empty strings left out."},
    {"has_word", (PyCFunction)Segmenter_has_word, METH_O, "has_word(word) -> bool"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Segmenter_getset[] = {
    {"total", (getter)Segmenter_get_total, NULL, "sum of the dictionary frequencies", NULL},
    {"nwords", (getter)Segmenter_get_nwords, NULL, "distinct dictionary words", NULL},
    {"memory", (getter)Segmenter_get_memory, NULL, "bytes held by the tables (excluding cached strings)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SegmenterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ecomtopics._zhseg.Segmenter",
    .tp_basicsize = sizeof(Segmenter),
    .tp_dealloc = (destructor)Segmenter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Segmenter(entries, start, trans, emit): jieba-rs compatible Chinese segmentation.\n\n"
              "entries: (word, freq) pairs, applied in order like jieba-rs add_word.\n"
              "start, trans, emit: HMM tables in Python jieba's finalseg format.",
    .tp_methods = Segmenter_methods,
    .tp_getset = Segmenter_getset,
    .tp_init = (initproc)Segmenter_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef zhseg_module = {
    PyModuleDef_HEAD_INIT, .m_name = "_zhseg",
    .m_doc = "Chinese word segmentation matching jieba-rs (rjieba) output.", .m_size = -1,
};

PyMODINIT_FUNC PyInit__zhseg(void)
{
    init_ascii_tables();
    if (PyType_Ready(&SegmenterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&zhseg_module);
    if (!m)
        return NULL;
    Py_INCREF(&SegmenterType);
    if (PyModule_AddObject(m, "Segmenter", (PyObject *)&SegmenterType) < 0 ||
        PyModule_AddStringConstant(m, "SOURCE_SHA256", SOURCE_SHA256) < 0) {
        Py_DECREF(&SegmenterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
