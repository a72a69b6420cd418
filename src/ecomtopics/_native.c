/* The hot loops of feature counting, in C (optional: every function here has a pure-Python
 * twin in the package, which the tests compare it with).
 *
 * CharCounter  - counts of the fitted character n-grams (sizes 1 to 3) of each text, looked up
 *                in the open-addressing table that ecomtopics.classify._chars.CharTable builds
 *                (and in direct tables for n-grams of ASCII characters).
 * scan_text    - the tokenizer's first look at a text: does it need cleaning, has it Chinese
 *                characters, Latin letters; full-width forms mapped as NFKC maps them.
 * tfidf_scores - a view's TF-IDF rows, L2-normalised, times the coefficients, without building
 *                the rows.
 * WordCounter  - counts of the word, concept and word-pair columns of plain ASCII English texts:
 *                the English tokenizer's steps (lower case, possessives, punctuation, white
 *                space, phrase and artefact n-grams) on bytes, each distinct word resolved once
 *                by a Python callback and kept in a hash table.
 *
 * Both return one CSR block: (indptr, columns, counts) as bytes of int64, int64 and float64.
 * Within a row, columns appear in order of first occurrence (not sorted).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "unknown"
#endif

/* ---------------------------------------------------------------- growing buffers */

typedef struct {
    char *data;
    Py_ssize_t size, capacity; /* in bytes */
} Buffer;

static int buffer_reserve(Buffer *b, Py_ssize_t extra) {
    if (b->size + extra <= b->capacity) return 0;
    Py_ssize_t cap = b->capacity ? b->capacity : 4096;
    while (cap < b->size + extra) cap *= 2;
    char *p = realloc(b->data, (size_t)cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = p;
    b->capacity = cap;
    return 0;
}

static int buffer_push(Buffer *b, const void *item, Py_ssize_t n) {
    if (n == 0) return 0; /* memcpy must not see the NULL of an empty buffer */
    if (buffer_reserve(b, n) < 0) return -1;
    memcpy(b->data + b->size, item, (size_t)n);
    b->size += n;
    return 0;
}

static void buffer_free(Buffer *b) {
    free(b->data);
    b->data = NULL;
    b->size = b->capacity = 0;
}

/* ---------------------------------------------------------------- one row's counts */

/* column -> count for the row being counted. `cnt` (one cell per column of the view, owned by
 * the counter and 0 between rows) holds each column's count, and `seen` lists the columns as
 * they are counted, repeats included: counting is one increment and one append, with no
 * branch and no chain from one count to the next (a list of distinct columns would make each
 * count wait for the last one's "seen before?"). row_collect turns the list into the row's
 * distinct columns in order of first occurrence, with their counts, and resets their cells. */
/* longest text counted: no count of a column can then reach 2**31 */
#define MAX_TEXT ((Py_ssize_t)1 << 28)

typedef struct {
    int32_t *cnt;
    Py_ssize_t n_columns;
    int32_t *seen;
    Py_ssize_t n, capacity;
    Py_ssize_t reserved; /* counts reserved since the row began: at most INT32_MAX, so no cell overflows */
    int64_t *cols; /* made by row_collect: distinct columns, first occurrence first */
    double *counts;
    Py_ssize_t n_distinct, distinct_capacity;
} Row;

static int row_init(Row *r, int32_t *cnt, Py_ssize_t n_columns) {
    memset(r, 0, sizeof(*r));
    r->cnt = cnt;
    r->n_columns = n_columns;
    r->capacity = 4096;
    r->seen = malloc(sizeof(int32_t) * r->capacity);
    if (!r->seen) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void row_free(Row *r) {
    if (r->cnt && r->seen) /* a row left unfinished by an error: leave the cells clean */
        for (Py_ssize_t i = 0; i < r->n; i++) r->cnt[r->seen[i]] = 0;
    free(r->seen);
    free(r->cols);
    free(r->counts);
    r->seen = NULL;
    r->cols = NULL;
    r->counts = NULL;
    r->n = 0;
}

/* the list down to the distinct columns, in order of first occurrence (counts kept) */
static void row_compact(Row *r) {
    Py_ssize_t m = 0;
    for (Py_ssize_t j = 0; j < r->n; j++) {
        int32_t col = r->seen[j];
        if (r->cnt[col] > 0) { /* first time here: marked by its sign until the list is done */
            r->seen[m++] = col;
            r->cnt[col] = -r->cnt[col];
        }
    }
    for (Py_ssize_t j = 0; j < m; j++) r->cnt[r->seen[j]] = -r->cnt[r->seen[j]];
    r->n = m;
}

/* room for `extra` more counts in the row: a long list is compacted first, so a row never
 * holds more than its distinct columns plus what one reservation asks */
static int row_reserve(Row *r, Py_ssize_t extra) {
    r->reserved += extra;
    if (r->reserved > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many features in one text to count (2**31)");
        return -1;
    }
    if (r->n + extra <= r->capacity) return 0;
    if (r->n > r->n_columns) row_compact(r);
    Py_ssize_t capacity = r->capacity;
    while (r->n + extra > capacity) capacity *= 2;
    if (capacity == r->capacity) return 0;
    int32_t *seen = realloc(r->seen, sizeof(int32_t) * capacity);
    if (!seen) {
        PyErr_NoMemory();
        return -1;
    }
    r->seen = seen;
    r->capacity = capacity;
    return 0;
}

/* count one more of a column known to be in range, with room reserved (row_reserve) */
static inline void row_add_checked(Row *r, int32_t col) {
    r->seen[r->n++] = col;
    r->cnt[col]++;
}

/* count `count` more of a column (checked) */
static int row_add(Row *r, long long col, long long count) {
    if (col < 0 || col >= r->n_columns) {
        PyErr_Format(PyExc_ValueError, "column %lld outside the view's %zd columns", col, r->n_columns);
        return -1;
    }
    if (count < 0 || count > INT32_MAX - r->cnt[col]) {
        PyErr_Format(PyExc_ValueError, "count %lld of column %lld is not a count (0 .. 2**31 - 1 in all)", count, col);
        return -1;
    }
    if (count == 0) return 0;
    if (row_reserve(r, 1) < 0) return -1;
    r->seen[r->n++] = (int32_t)col;
    r->cnt[col] += (int32_t)count;
    return 0;
}

/* the row's distinct columns and counts into cols / counts (n_distinct), cells reset */
static int row_collect(Row *r) {
    if (r->n > r->distinct_capacity) {
        Py_ssize_t capacity = r->n < 1024 ? 1024 : r->n;
        int64_t *cols = realloc(r->cols, sizeof(int64_t) * capacity);
        if (cols) r->cols = cols;
        double *counts = cols ? realloc(r->counts, sizeof(double) * capacity) : NULL;
        if (!cols || !counts) {
            PyErr_NoMemory();
            return -1;
        }
        r->counts = counts;
        r->distinct_capacity = capacity;
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t j = 0; j < r->n; j++) { /* a repeat finds its cell reset: not listed again */
        int32_t col = r->seen[j], c = r->cnt[col];
        r->cols[m] = col;
        r->counts[m] = (double)c;
        m += c != 0;
        r->cnt[col] = 0;
    }
    r->n_distinct = m;
    r->n = 0;
    r->reserved = 0;
    return 0;
}

/* append the row to the CSR buffers and clear it */
static int row_flush(Row *r, Buffer *cols, Buffer *counts, Buffer *indptr, int64_t *total) {
    if (row_collect(r) < 0) return -1;
    Py_ssize_t m = r->n_distinct;
    if (buffer_reserve(cols, m * 8) < 0 || buffer_reserve(counts, m * 8) < 0) return -1;
    if (m) {
        memcpy(cols->data + cols->size, r->cols, (size_t)m * 8);
        memcpy(counts->data + counts->size, r->counts, (size_t)m * 8);
    }
    cols->size += m * 8;
    counts->size += m * 8;
    *total += m;
    return buffer_push(indptr, total, 8);
}

static PyObject *csr_result(Buffer *indptr, Buffer *cols, Buffer *counts) {
    /* an empty buffer has no data pointer, which y# would turn into None */
    return Py_BuildValue("(y#y#y#)", indptr->data ? indptr->data : "", indptr->size,
                         cols->data ? cols->data : "", cols->size, counts->data ? counts->data : "",
                         counts->size);
}

/* ---------------------------------------------------------------- readable buffers */

typedef struct {
    Py_buffer view;
    int held;
} View;

static int view_get(View *v, PyObject *obj, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(obj, &v->view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    v->held = 1;
    if (v->view.len % itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s must hold %zd-byte items", name, itemsize);
        return -1;
    }
    if ((uintptr_t)v->view.buf % (uintptr_t)itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s must be aligned to its %zd-byte items", name, itemsize);
        return -1;
    }
    return 0;
}

static void view_release(View *v) {
    if (v->held) PyBuffer_Release(&v->view);
    v->held = 0;
}

/* ---------------------------------------------------------------- ASCII white space */

/* str.split() splits ASCII text on these (0x1c-0x1f included) */
static inline int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* the ASCII characters that \w matches */
static inline int is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* ---------------------------------------------------------------- the tokenizer's first look */

/* what the text cleaner removes or rewrites (ecomtopics.text._clean: surrogates, invisible
 * marks, control characters other than tab and line feed, '<', '&', line and paragraph
 * separators) */
static inline int needs_cleaning_char(Py_UCS4 c) {
    if (c < 0x20) return c != '\t' && c != '\n';
    if (c < 0x7f) return c == '<' || c == '&';
    if (c <= 0x9f) return 1;
    return c == 0xad || c == 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2060 && c <= 0x2064) || c == 0xfeff || (c >= 0xfe00 && c <= 0xfe0f) ||
           c == 0x2028 || c == 0x2029 || (c >= 0xd800 && c <= 0xdfff);
}

static inline int is_han(Py_UCS4 c) {
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
}

/* scan_text(text) -> (mapped, needs_cleaning, has_han, has_latin_letter)
 *
 * mapped: the text with full-width ASCII forms and the ideographic space replaced by what NFKC
 * makes of them (the same object when there are none); needs_cleaning: whether the cleaner
 * would change more than white space and NFKC (the characters above, or "span"/"Span", which
 * may be a broken "trans"); has_han and has_latin_letter: of mapped. */
static PyObject *scan_text(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "scan_text: text must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int needs = 0, han = 0, letter = 0, full_width = 0;
    Py_UCS4 max_mapped = 0; /* a str must be made with its true widest character */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_UCS4 m = c == 0x3000 ? ' ' : (c >= 0xff01 && c <= 0xff5e) ? c - 0xfee0 : c;
        if (m > max_mapped) max_mapped = m;
        if (c < 0x80) {
            letter |= (c | 32) >= 'a' && (c | 32) <= 'z';
            if ((c == 'S' || c == 's') && i + 3 < n && PyUnicode_READ(kind, data, i + 1) == 'p' &&
                PyUnicode_READ(kind, data, i + 2) == 'a' && PyUnicode_READ(kind, data, i + 3) == 'n')
                needs = 1;
        } else if (c == 0x3000 || (c >= 0xff01 && c <= 0xff5e)) {
            full_width = 1;
            letter |= ((c - 0xfee0) | 32) >= 'a' && ((c - 0xfee0) | 32) <= 'z' && c != 0x3000;
        } else {
            han |= is_han(c);
        }
        needs |= needs_cleaning_char(c);
    }
    PyObject *mapped;
    if (!full_width) {
        Py_INCREF(text);
        mapped = text;
    } else {
        mapped = PyUnicode_New(n, max_mapped);
        if (!mapped) return NULL;
        int mkind = PyUnicode_KIND(mapped);
        void *mdata = PyUnicode_DATA(mapped);
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c == 0x3000)
                c = ' ';
            else if (c >= 0xff01 && c <= 0xff5e)
                c -= 0xfee0;
            PyUnicode_WRITE(mkind, mdata, i, c);
        }
    }
    return Py_BuildValue("(Niii)", mapped, needs, han, letter);
}

/* ---------------------------------------------------------------- TF-IDF scores */

static double sublinear_tf[65]; /* 1 + ln(q) for q = 1 .. 64 */

/* What scoring a view needs: scores[i] += scale / |v_i| * (v_i @ coef_t) for the TF-IDF row
 * v_i of each row i (v = tf * idf, tf = 1 + log(count) when sublinear), rows with
 * row_mask[i] == 0 skipped; totals[i] += the row's raw counts. */
typedef struct {
    View idf, coef, mask, out, totals;
    const double *w, *c;
    const unsigned char *m;
    double *o, *tot;
    Py_ssize_t n_rows, n_features, k;
    int sublinear;
    double scale;
} Scoring;

static void scoring_release(Scoring *s) {
    view_release(&s->idf);
    view_release(&s->coef);
    view_release(&s->mask);
    view_release(&s->out);
    view_release(&s->totals);
}

static int views_overlap(const View *x, const View *y) {
    return x->held && y->held && x->view.len && y->view.len &&
           (char *)x->view.buf < (char *)y->view.buf + y->view.len &&
           (char *)y->view.buf < (char *)x->view.buf + x->view.len;
}

/* (idf, coef_t, sublinear, scale, row_mask or None, out, totals) for n_rows rows */
static int scoring_get(Scoring *s, PyObject *spec, Py_ssize_t n_rows) {
    PyObject *idf_obj, *coef_obj, *mask_obj, *out_obj, *totals_obj;
    if (!PyTuple_Check(spec) ||
        !PyArg_ParseTuple(spec, "OOpdOOO", &idf_obj, &coef_obj, &s->sublinear, &s->scale, &mask_obj, &out_obj,
                          &totals_obj)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "scoring must be (idf, coef_t, sublinear, scale, row_mask, out, totals)");
        return -1;
    }
    if (view_get(&s->idf, idf_obj, 8, "idf") < 0 || view_get(&s->coef, coef_obj, 8, "coef_t") < 0 ||
        view_get(&s->out, out_obj, 8, "out") < 0 || view_get(&s->totals, totals_obj, 8, "totals") < 0)
        return -1;
    if (mask_obj != Py_None && view_get(&s->mask, mask_obj, 1, "row_mask") < 0) return -1;
    s->n_rows = n_rows;
    s->n_features = s->idf.view.len / 8;
    if (s->out.view.readonly || s->totals.view.readonly || s->totals.view.len != n_rows * 8 || s->n_features == 0 ||
        s->coef.view.len % (s->n_features * 8) != 0 || (s->mask.held && s->mask.view.len != n_rows)) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: arrays of inconsistent sizes");
        return -1;
    }
    s->k = s->coef.view.len / (s->n_features * 8);
    if (s->out.view.len != n_rows * s->k * 8) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: out must be rows x classes");
        return -1;
    }
    if (s->k > 64) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: at most 64 classes");
        return -1;
    }
    /* the outputs are written while the inputs are read: they may not share memory */
    const View *inputs[] = {&s->idf, &s->coef, &s->mask};
    for (int a = 0; a < 3; a++)
        if (views_overlap(inputs[a], &s->out) || views_overlap(inputs[a], &s->totals)) {
            PyErr_SetString(PyExc_ValueError, "tfidf_scores: out and totals may not share memory with the inputs");
            return -1;
        }
    if (views_overlap(&s->out, &s->totals)) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: out and totals may not share memory");
        return -1;
    }
    s->w = s->idf.view.buf;
    s->c = s->coef.view.buf;
    s->m = s->mask.held ? s->mask.view.buf : NULL;
    s->o = s->out.view.buf;
    s->tot = s->totals.view.buf;
    return 0;
}

/* the entries' sums for score_row: inlined with k a constant for the usual class counts, so
 * the k sums stay in registers instead of waiting on their stores (same sums, same order) */
static inline __attribute__((always_inline)) int score_entries(const Scoring *s, const int64_t *cs, const double *t,
                                                               Py_ssize_t n, const Py_ssize_t k, double *acc,
                                                               double *norm_out, double *total_out) {
    double norm = 0.0, total = 0.0;
    for (Py_ssize_t j = 0; j < n; j++) {
        if (j + 8 < n && cs[j + 8] >= 0 && cs[j + 8] < s->n_features) { /* its rows are far apart */
            __builtin_prefetch(s->w + cs[j + 8]);
            __builtin_prefetch(s->c + cs[j + 8] * k);
        }
        if (cs[j] < 0 || cs[j] >= s->n_features) {
            PyErr_SetString(PyExc_ValueError, "tfidf_scores: column out of range");
            return -1;
        }
        double count = t[j], x = count;
        if (s->sublinear) { /* 1 + ln(count) of small counts, made at import */
            int small = count >= 1.0 && count <= 64.0 && count == (double)(int)count;
            x = small ? sublinear_tf[(int)count] : log(count) + 1.0;
        }
        x *= s->w[cs[j]];
        norm += x * x;
        total += count;
        const double *row = s->c + cs[j] * k;
#pragma GCC unroll 8
        for (Py_ssize_t q = 0; q < k; q++) acc[q] += x * row[q];
    }
    *norm_out = norm;
    *total_out = total;
    return 0;
}

/* adds row i's score (its n entries: columns, counts), checked columns */
static int score_row(const Scoring *s, Py_ssize_t i, const int64_t *cs, const double *t, Py_ssize_t n) {
    double acc[64]; /* k <= 64, checked by scoring_get; each case fills its first k */
    const Py_ssize_t k = s->k;
    double norm = 0.0, total = 0.0;
    int failed;
    switch (k) {
#define SCORE_CASE(K)                                                        \
    case K: {                                                                \
        double a[K] = {0.0};                                                 \
        failed = score_entries(s, cs, t, n, K, a, &norm, &total);            \
        for (int q = 0; q < K; q++) acc[q] = a[q];                           \
        break;                                                               \
    }
        SCORE_CASE(2)
        SCORE_CASE(3)
        SCORE_CASE(4)
        SCORE_CASE(5)
        SCORE_CASE(6)
        SCORE_CASE(7)
        SCORE_CASE(8)
#undef SCORE_CASE
    default:
        for (Py_ssize_t q = 0; q < k; q++) acc[q] = 0.0;
        failed = score_entries(s, cs, t, n, k, acc, &norm, &total);
    }
    if (failed) return -1;
    s->tot[i] += total;
    if ((s->m && !s->m[i]) || norm <= 0.0) return 0;
    double f = s->scale / sqrt(norm);
    for (Py_ssize_t q = 0; q < k; q++) s->o[i * k + q] += f * acc[q];
    return 0;
}

/* scores the row as row i and clears it (row_flush without the CSR buffers) */
static int row_score(Row *r, const Scoring *s, Py_ssize_t i) {
    if (row_collect(r) < 0) return -1;
    return score_row(s, i, r->cols, r->counts, r->n_distinct);
}

/* the end of row i: scored (with scoring) or appended to the CSR buffers */
static int row_end(Row *r, const Scoring *scoring, Py_ssize_t i, Buffer *cols, Buffer *counts, Buffer *indptr,
                   int64_t *total) {
    return scoring ? row_score(r, scoring, i) : row_flush(r, cols, counts, indptr, total);
}

/* the lean scoring of one view given as a CSR block (see Scoring) */
static PyObject *tfidf_scores(PyObject *self, PyObject *args) {
    PyObject *indptr_obj, *cols_obj, *tf_obj, *spec;
    if (PyTuple_GET_SIZE(args) != 10) {
        PyErr_SetString(PyExc_TypeError,
                        "tfidf_scores(indptr, columns, counts, idf, coef_t, sublinear, scale, row_mask, out, totals)");
        return NULL;
    }
    indptr_obj = PyTuple_GET_ITEM(args, 0);
    cols_obj = PyTuple_GET_ITEM(args, 1);
    tf_obj = PyTuple_GET_ITEM(args, 2);
    View indptr = {0}, cols = {0}, tf = {0};
    Scoring s = {0};
    PyObject *result = NULL;
    if (!(spec = PyTuple_GetSlice(args, 3, 10))) return NULL;
    if (view_get(&indptr, indptr_obj, 8, "indptr") < 0 || view_get(&cols, cols_obj, 8, "columns") < 0 ||
        view_get(&tf, tf_obj, 8, "counts") < 0)
        goto done;
    Py_ssize_t n_rows = indptr.view.len / 8 - 1;
    if (n_rows < 0 || cols.view.len != tf.view.len) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: arrays of inconsistent sizes");
        goto done;
    }
    const View *csr[] = {&indptr, &cols, &tf};
    if (scoring_get(&s, spec, n_rows) < 0) goto done;
    for (int a = 0; a < 3; a++)
        if (views_overlap(csr[a], &s.out) || views_overlap(csr[a], &s.totals)) {
            PyErr_SetString(PyExc_ValueError, "tfidf_scores: out and totals may not share memory with the inputs");
            goto done;
        }
    const int64_t *ip = indptr.view.buf, *cs = cols.view.buf;
    const double *t = tf.view.buf;
    Py_ssize_t nnz = cols.view.len / 8;
    if (n_rows > 0 && (ip[0] != 0 || ip[n_rows] != nnz)) {
        PyErr_SetString(PyExc_ValueError, "tfidf_scores: indptr does not match the columns");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_rows; i++) {
        Py_ssize_t a = ip[i], b = ip[i + 1];
        if (a < 0 || a > b || b > nnz) {
            PyErr_SetString(PyExc_ValueError, "tfidf_scores: indptr must not decrease");
            goto done;
        }
        if (score_row(&s, i, cs + a, t + a, b - a) < 0) goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    Py_DECREF(spec);
    view_release(&indptr);
    view_release(&cols);
    view_release(&tf);
    scoring_release(&s);
    return result;
}

/* ---------------------------------------------------------------- character n-grams */

#define BITS 21
#define EMPTY_KEY 0xFFFFFFFFFFFFFFFFull
#define TAG2 (1ull << 63)
#define GOLDEN 0x9E3779B97F4A7C15ull

/* one slot of the hash table: key and column side by side, so a lookup touches one cache line */
typedef struct {
    uint64_t key;
    int64_t col;
} Slot;

typedef struct {
    const Slot *slots;
    uint64_t mask;
    unsigned shift;
    const int32_t *lut1; /* column of each 1-gram by code point; the last cell, -1, for the rest */
    Py_ssize_t lut1_size;
    int sizes; /* bit n set: n-grams of size n are counted */
} CharTable;

/* code points of the text as CharNgrams normalises it: runs of white space to one space, a
 * space at each end, and for ASCII text lower case; any other text must come in lower case
 * and NFKC already (see CharNgrams.csr_raw) */
/* an ASCII text as CharNgrams normalises it (lower case, runs of white space to one space, a
 * space at each end) into `out`, n + 2 cells of uint32 (wide) or bytes; its length. Inlined
 * with `wide` a constant, one copy for each cell type. */
static inline __attribute__((always_inline)) Py_ssize_t normalise_ascii(const unsigned char *s, Py_ssize_t n,
                                                                       void *out, const int wide) {
    Py_ssize_t k = 0;
#define PUT(c) (wide ? (void)(((uint32_t *)out)[k++] = (c)) : (void)(((unsigned char *)out)[k++] = (unsigned char)(c)))
    PUT(' ');
    int pending_space = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (is_space(c)) {
            pending_space = k > 1;
            continue;
        }
        if (pending_space) {
            PUT(' ');
            pending_space = 0;
        }
        PUT((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    PUT(' ');
#undef PUT
    return k;
}

static int char_codes(PyObject *text, Buffer *codes) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    codes->size = 0;
    if (buffer_reserve(codes, (n + 2) * 4) < 0) return -1;
    uint32_t *out = (uint32_t *)codes->data;
    Py_ssize_t k = 0;
    if (PyUnicode_IS_ASCII(text)) {
        k = normalise_ascii(PyUnicode_1BYTE_DATA(text), n, out, 1);
    } else { /* lower case and NFKC already: runs of white space (as str.split sees it) to one */
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        out[k++] = ' ';
        int pending_space = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(c)) {
                pending_space = k > 1;
                continue;
            }
            if (pending_space) {
                out[k++] = ' ';
                pending_space = 0;
            }
            out[k++] = c;
        }
        out[k++] = ' ';
    }
    codes->size = k * 4;
    return 0;
}

/* The fitted n-grams of a CharTable, with direct tables for n-grams of ASCII characters: the
 * ASCII characters that occur in fitted n-grams get small codes 1..63 (0: none does), and every
 * 2-gram and 3-gram of such codes has its own int32 cell (one access to a 1 MB table, no
 * hashing). Other n-grams are looked up in the hash table. */
typedef struct {
    PyObject_HEAD
    View keys, cols, lut;
    CharTable table;
    unsigned char code[128]; /* ASCII character -> its small code, 0 when in no fitted n-gram */
    int direct;              /* the direct tables are in use (at most 63 such characters) */
    int32_t *ascii2;         /* 64 * 64 */
    int32_t *ascii3;         /* 64 * 64 * 64 */
    int32_t *cnt;    /* per column, for Row */
    Py_ssize_t n_columns;
    Slot *slots;     /* the hash table, keys and columns interleaved */
    int32_t *lut1;
    /* with the direct tables: a smaller hash table of just the n-grams with a character beyond
     * ASCII (fewer cache misses for Chinese text) */
    Slot *wide;
    uint64_t wide_mask;
    unsigned wide_shift;
    int ready; /* __init__ succeeded */
} CharCounter;

static void cc_dealloc(CharCounter *self) {
    view_release(&self->keys);
    view_release(&self->cols);
    view_release(&self->lut);
    free(self->ascii2);
    free(self->ascii3);
    free(self->cnt);
    free(self->slots);
    free(self->lut1);
    free(self->wide);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* a 2-gram or 3-gram key whose characters are all ASCII */
static inline int key_is_ascii(uint64_t key) {
    const uint64_t m = (1ull << BITS) - 1;
    int n = (key >> 62) == 2 ? 2 : 3;
    for (int part = 0; part < n; part++)
        if (((key >> (BITS * part)) & m) >= 128) return 0;
    return 1;
}

static int cc_init(CharCounter *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"table_keys", "table_cols", "shift", "lut1", "sizes", "n_columns", NULL};
    PyObject *keys_obj, *cols_obj, *lut_obj;
    unsigned shift;
    int sizes;
    Py_ssize_t n_columns;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOIOin", names, &keys_obj, &cols_obj, &shift, &lut_obj,
                                     &sizes, &n_columns))
        return -1;
    if (n_columns < 0 || n_columns > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "CharCounter: n_columns must be in 0 .. 2**31 - 1");
        return -1;
    }
    if (self->slots) {
        PyErr_SetString(PyExc_RuntimeError, "CharCounter is initialised once");
        return -1;
    }
    if (view_get(&self->keys, keys_obj, 8, "table_keys") < 0 || view_get(&self->cols, cols_obj, 8, "table_cols") < 0 ||
        view_get(&self->lut, lut_obj, 8, "lut1") < 0)
        return -1;
    Py_ssize_t n_slots = self->keys.view.len / 8;
    if (n_slots == 0 || (n_slots & (n_slots - 1)) || self->cols.view.len != self->keys.view.len ||
        self->lut.view.len < 8 || shift < 1 || shift > 63 || (1ull << (64 - shift)) != (uint64_t)n_slots) {
        PyErr_SetString(PyExc_ValueError, "CharCounter: inconsistent hash table");
        return -1;
    }
    const uint64_t *keys = self->keys.view.buf;
    const int64_t *cols = self->cols.view.buf, *lut1 = self->lut.view.buf;
    Py_ssize_t lut1_size = self->lut.view.len / 8;
    self->slots = malloc(sizeof(Slot) * n_slots);
    self->lut1 = malloc(sizeof(int32_t) * lut1_size);
    if (!self->slots || !self->lut1) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n_empty = 0;
    for (Py_ssize_t i = 0; i < n_slots; i++) {
        self->slots[i].key = keys[i];
        self->slots[i].col = cols[i];
        n_empty += keys[i] == EMPTY_KEY;
    }
    if (n_empty == 0) { /* a lookup of a missing key would never stop */
        PyErr_SetString(PyExc_ValueError, "CharCounter: the hash table has no empty slot");
        return -1;
    }
    for (Py_ssize_t i = 0; i < lut1_size; i++) {
        if (lut1[i] < -1 || lut1[i] >= n_columns) {
            PyErr_SetString(PyExc_ValueError, "CharCounter: a column is outside n_columns");
            return -1;
        }
        self->lut1[i] = (int32_t)lut1[i];
    }
    CharTable t = {self->slots, (uint64_t)n_slots - 1, shift, self->lut1, lut1_size, sizes};
    self->table = t;
    self->n_columns = n_columns;
    self->cnt = calloc((size_t)(n_columns ? n_columns : 1), sizeof(int32_t));
    self->ascii2 = malloc(sizeof(int32_t) * 64 * 64);
    self->ascii3 = malloc(sizeof(int32_t) * 64 * 64 * 64);
    if (!self->cnt || !self->ascii2 || !self->ascii3) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->ascii2, 0xff, sizeof(int32_t) * 64 * 64);
    memset(self->ascii3, 0xff, sizeof(int32_t) * 64 * 64 * 64);
    const uint64_t m = (1ull << BITS) - 1;
    int n_codes = 0;
    memset(self->code, 0, sizeof(self->code));
    for (Py_ssize_t i = 0; i < n_slots; i++) { /* the ASCII characters of the fitted 2- and 3-grams */
        uint64_t key = t.slots[i].key;
        if (key == EMPTY_KEY || (key >> 62) == 3) continue;
        for (int part = 0; part < 3; part++) {
            uint64_t ch = (key >> (BITS * part)) & m;
            if (part == 2 && (key >> 62) == 2) break;
            if (ch < 128 && !self->code[ch]) self->code[ch] = (unsigned char)(++n_codes < 64 ? n_codes : 0);
        }
    }
    self->direct = n_codes < 64;
    for (Py_ssize_t i = 0; i < n_slots; i++) {
        uint64_t key = t.slots[i].key;
        int64_t col = t.slots[i].col;
        if (key == EMPTY_KEY) continue;
        if (col < 0 || col >= n_columns) {
            PyErr_SetString(PyExc_ValueError, "CharCounter: a column is outside n_columns");
            return -1;
        }
        if ((key >> 62) == 2) { /* a 2-gram: tag bit 63 alone */
            uint64_t a = (key >> BITS) & m, b = key & m;
            if (self->direct && a < 128 && b < 128)
                self->ascii2[self->code[a] * 64 + self->code[b]] = (int32_t)col;
        } else if ((key >> 62) == 0) { /* a 3-gram: no tag */
            uint64_t a = (key >> (2 * BITS)) & m, b = (key >> BITS) & m, c = key & m;
            if (self->direct && a < 128 && b < 128 && c < 128)
                self->ascii3[(self->code[a] * 64 + self->code[b]) * 64 + self->code[c]] = (int32_t)col;
        }
    }
    if (self->direct) { /* the wide table: load at most 1/4, as CharTable's */
        Py_ssize_t n_wide = 0;
        for (Py_ssize_t i = 0; i < n_slots; i++) {
            uint64_t key = t.slots[i].key;
            if (key != EMPTY_KEY && (key >> 62) != 3 && !key_is_ascii(key)) n_wide++;
        }
        Py_ssize_t size = 16;
        unsigned bits = 4;
        while (size < 4 * n_wide) {
            size *= 2;
            bits++;
        }
        self->wide = malloc(sizeof(Slot) * size);
        if (!self->wide) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < size; i++) self->wide[i].key = EMPTY_KEY;
        self->wide_mask = (uint64_t)size - 1;
        self->wide_shift = 64 - bits;
        for (Py_ssize_t i = 0; i < n_slots; i++) {
            uint64_t key = t.slots[i].key;
            if (key == EMPTY_KEY || (key >> 62) == 3 || key_is_ascii(key)) continue;
            uint64_t at = ((key ^ (key >> 29)) * GOLDEN) >> self->wide_shift;
            while (self->wide[at].key != EMPTY_KEY) at = (at + 1) & self->wide_mask;
            self->wide[at] = t.slots[i];
        }
        self->table.slots = self->wide;
        self->table.mask = self->wide_mask;
        self->table.shift = self->wide_shift;
    }
    view_release(&self->keys); /* the counter keeps its own copies */
    view_release(&self->cols);
    view_release(&self->lut);
    self->ready = 1;
    return 0;
}

/* the n-grams of one normalised text into the row: 1-grams by their table, ASCII 2- and
 * 3-grams by the direct tables, the rest by the hash table in two passes (all slots computed
 * and prefetched first, then read: the cache misses overlap instead of queueing) */
static int cc_row(const CharCounter *self, const uint32_t *c, Py_ssize_t n, Row *row, Buffer *scratch) {
    const CharTable *t = &self->table;
    /* every column was checked at init; each loop counts at most n */
    scratch->size = 0;
    /* up to 2n hashed n-grams (2- and 3-grams), their slots after them */
    if (buffer_reserve(scratch, 4 * (n + 1) * (Py_ssize_t)sizeof(uint64_t)) < 0) return -1;
    uint64_t *keys = (uint64_t *)scratch->data, *slots = keys + 2 * (n + 1);
    Py_ssize_t n_hashed = 0;
    if (row_reserve(row, n) < 0) return -1;
    if (t->sizes & 2)
        for (Py_ssize_t i = 0; i < n; i++) {
            if (c[i] == ' ') continue;
            Py_ssize_t j = c[i] < (uint64_t)(t->lut1_size - 1) ? c[i] : t->lut1_size - 1;
            int64_t col = t->lut1[j];
            if (col >= 0) row_add_checked(row, col);
        }
    if (row_reserve(row, n) < 0) return -1;
    if (t->sizes & 4)
        for (Py_ssize_t i = 0; i + 1 < n; i++) {
            if (self->direct && (c[i] | c[i + 1]) < 128) {
                int64_t col = self->ascii2[self->code[c[i]] * 64 + self->code[c[i + 1]]];
                if (col >= 0) row_add_checked(row, col);
            } else {
                keys[n_hashed++] = (((uint64_t)c[i] << BITS) | c[i + 1]) | TAG2;
            }
        }
    if (row_reserve(row, n) < 0) return -1;
    if (t->sizes & 8)
        for (Py_ssize_t i = 0; i + 2 < n; i++) {
            if (c[i + 1] == ' ') continue;
            if (self->direct && (c[i] | c[i + 1] | c[i + 2]) < 128) {
                int64_t col =
                    self->ascii3[(self->code[c[i]] * 64 + self->code[c[i + 1]]) * 64 + self->code[c[i + 2]]];
                if (col >= 0) row_add_checked(row, col);
            } else {
                keys[n_hashed++] = ((uint64_t)c[i] << (2 * BITS)) | ((uint64_t)c[i + 1] << BITS) | c[i + 2];
            }
        }
    if (row_reserve(row, n_hashed) < 0) return -1;
    for (Py_ssize_t h = 0; h < n_hashed; h++) {
        uint64_t key = keys[h];
        slots[h] = ((key ^ (key >> 29)) * GOLDEN) >> t->shift;
        __builtin_prefetch(&t->slots[slots[h]]);
    }
    for (Py_ssize_t h = 0; h < n_hashed; h++) {
        uint64_t s = slots[h], key = keys[h];
        for (;;) {
            uint64_t found = t->slots[s].key;
            if (found == key) {
                row_add_checked(row, t->slots[s].col);
                break;
            }
            if (found == EMPTY_KEY) break;
            s = (s + 1) & t->mask;
        }
    }
    return 0;
}

/* cc_row for an ASCII text with the direct tables: the text normalised (lower case, runs of
 * white space to one space, a space at each end) straight into bytes and their small codes,
 * then the same three loops as cc_row, in the same order, on one byte a character and no
 * test for characters beyond ASCII */
static int cc_row_ascii(const CharCounter *self, const unsigned char *s, Py_ssize_t len, Row *row, Buffer *scratch) {
    scratch->size = 0;
    if (buffer_reserve(scratch, 2 * (len + 2)) < 0) return -1;
    unsigned char *u = (unsigned char *)scratch->data, *sc = u + len + 2;
    Py_ssize_t n = normalise_ascii(s, len, u, 0);
    for (Py_ssize_t i = 0; i < n; i++) sc[i] = self->code[u[i]];
    const CharTable *t = &self->table;
    if (t->sizes & 2) {
        if (row_reserve(row, n) < 0) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (u[i] == ' ') continue;
            Py_ssize_t j = u[i] < (uint64_t)(t->lut1_size - 1) ? u[i] : t->lut1_size - 1;
            int64_t col = t->lut1[j];
            if (col >= 0) row_add_checked(row, col);
        }
    }
    if (t->sizes & 4) {
        if (row_reserve(row, n) < 0) return -1;
        for (Py_ssize_t i = 0; i + 1 < n; i++) {
            int32_t col = self->ascii2[sc[i] * 64 + sc[i + 1]];
            if (col >= 0) row_add_checked(row, col);
        }
    }
    if (t->sizes & 8) {
        if (row_reserve(row, n) < 0) return -1;
        for (Py_ssize_t i = 0; i + 2 < n; i++) {
            if (u[i + 1] == ' ') continue;
            int32_t col = self->ascii3[(sc[i] * 64 + sc[i + 1]) * 64 + sc[i + 2]];
            if (col >= 0) row_add_checked(row, col);
        }
    }
    return 0;
}

static PyObject *cc_counts(CharCounter *self, PyObject *args) {
    PyObject *texts, *spec = Py_None;
    if (!PyArg_ParseTuple(args, "O!|O", &PyList_Type, &texts, &spec)) return NULL;
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "CharCounter is not initialised");
        return NULL;
    }
    Buffer codes = {0}, scratch = {0}, indptr = {0}, out_cols = {0}, out_counts = {0};
    Row row = {0};
    Scoring scoring = {0};
    int scored = spec != Py_None;
    PyObject *result = NULL;
    int64_t total = 0;
    if (scored && scoring_get(&scoring, spec, PyList_GET_SIZE(texts)) < 0) goto done;
    if (row_init(&row, self->cnt, self->n_columns) < 0 || buffer_push(&indptr, &total, 8) < 0) goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "CharCounter.counts: item %zd is %.100s, not str", i,
                         Py_TYPE(text)->tp_name);
            goto done;
        }
        if (PyUnicode_GET_LENGTH(text) >= MAX_TEXT) {
            PyErr_Format(PyExc_ValueError, "CharCounter.counts: item %zd is too long to count (%zd characters)", i,
                         PyUnicode_GET_LENGTH(text));
            goto done;
        }
        int failed = self->direct && PyUnicode_IS_ASCII(text)
                         ? cc_row_ascii(self, PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), &row, &scratch) < 0
                         : char_codes(text, &codes) < 0 ||
                               cc_row(self, (const uint32_t *)codes.data, codes.size / 4, &row, &scratch) < 0;
        if (failed ||
            row_end(&row, scored ? &scoring : NULL, i, &out_cols, &out_counts, &indptr, &total) < 0)
            goto done;
    }
    if (scored) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = csr_result(&indptr, &out_cols, &out_counts);
    }
done:
    buffer_free(&codes);
    buffer_free(&scratch);
    buffer_free(&indptr);
    buffer_free(&out_cols);
    buffer_free(&out_counts);
    row_free(&row);
    scoring_release(&scoring);
    return result;
}

static PyMethodDef cc_methods[] = {
    {"counts", (PyCFunction)cc_counts, METH_VARARGS,
     "counts(texts, scoring=None) -> (indptr, columns, counts) bytes of one CSR block; white "
     "space is normalised here, and the case of ASCII text; any other text must come in lower "
     "case and NFKC. With scoring, a tuple (idf, coef_t, sublinear, scale, row_mask, out, "
     "totals) as tfidf_scores takes, each row is scored into out instead (returns None)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CharCounterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ecomtopics._native.CharCounter",
    .tp_basicsize = sizeof(CharCounter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "CharCounter(table_keys, table_cols, shift, lut1, sizes, n_columns): counts of the fitted "
              "character n-grams of texts (a CharTable's arrays, which it keeps).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)cc_init,
    .tp_dealloc = (destructor)cc_dealloc,
    .tp_methods = cc_methods,
};

/* ---------------------------------------------------------------- byte-string hash map */

typedef struct {
    uint64_t hash;
    Py_ssize_t key_off, key_len; /* into the arena */
    Py_ssize_t out_off, out_len; /* token ids, into WordCounter.outputs */
    unsigned mask;               /* bit n: the word starts a phrase key of n >= 2 words */
} Entry;

typedef struct {
    Buffer arena;   /* key bytes */
    Buffer entries; /* Entry */
    int64_t *slots; /* entry index, -1 when empty */
    Py_ssize_t n_slots;
} StrMap;

static inline uint64_t hash_bytes(const unsigned char *s, Py_ssize_t n) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
    return h ^ (h >> 31);
}

static int strmap_init(StrMap *m) {
    memset(m, 0, sizeof(*m));
    m->n_slots = 1024;
    m->slots = malloc(sizeof(int64_t) * m->n_slots);
    if (!m->slots) {
        PyErr_NoMemory();
        return -1;
    }
    memset(m->slots, 0xff, sizeof(int64_t) * m->n_slots);
    return 0;
}

static void strmap_free(StrMap *m) {
    buffer_free(&m->arena);
    buffer_free(&m->entries);
    free(m->slots);
    m->slots = NULL;
}

static Py_ssize_t strmap_count(const StrMap *m) { return m->entries.size / (Py_ssize_t)sizeof(Entry); }

static Entry *strmap_find(const StrMap *m, const unsigned char *key, Py_ssize_t n, uint64_t h) {
    Py_ssize_t mask = m->n_slots - 1, s = (Py_ssize_t)(h & (uint64_t)mask);
    Entry *entries = (Entry *)m->entries.data;
    for (;;) {
        int64_t e = m->slots[s];
        if (e < 0) return NULL;
        Entry *x = &entries[e];
        if (x->hash == h && x->key_len == n && memcmp(m->arena.data + x->key_off, key, (size_t)n) == 0)
            return x;
        s = (s + 1) & mask;
    }
}

static int strmap_rehash(StrMap *m, Py_ssize_t n_slots) {
    int64_t *slots = malloc(sizeof(int64_t) * n_slots);
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, sizeof(int64_t) * n_slots);
    Entry *entries = (Entry *)m->entries.data;
    for (Py_ssize_t e = 0; e < strmap_count(m); e++) {
        Py_ssize_t s = (Py_ssize_t)(entries[e].hash & (uint64_t)(n_slots - 1));
        while (slots[s] >= 0) s = (s + 1) & (n_slots - 1);
        slots[s] = e;
    }
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    return 0;
}

/* a new entry for a key known to be absent; entries move when the table grows */
static Entry *strmap_add(StrMap *m, const unsigned char *key, Py_ssize_t n, uint64_t h) {
    if (2 * (strmap_count(m) + 1) > m->n_slots && strmap_rehash(m, m->n_slots * 2) < 0) return NULL;
    Entry x = {h, m->arena.size, n, 0, 0, 0};
    if (buffer_push(&m->arena, key, n) < 0 || buffer_push(&m->entries, &x, sizeof(Entry)) < 0)
        return NULL;
    Py_ssize_t e = strmap_count(m) - 1, s = (Py_ssize_t)(h & (uint64_t)(m->n_slots - 1));
    while (m->slots[s] >= 0) s = (s + 1) & (m->n_slots - 1);
    m->slots[s] = e;
    return &((Entry *)m->entries.data)[e];
}

/* ---------------------------------------------------------------- word map */

/* The word counter's map of words: open addressing over 64-byte slots, each with its word
 * inline (the arena holds longer words), so a lookup that finds its word reads one cache line
 * and compares a few bytes, with no entry list and no arena in between. */
#define WORD_INLINE 40
typedef struct {
    uint64_t hash;
    uint32_t key_len; /* 0: an empty slot */
    uint32_t mask;    /* bit n: the word starts a phrase key of n >= 2 words */
    uint32_t out_off, out_len; /* token ids, into WordCounter.outputs */
    unsigned char key[WORD_INLINE]; /* the word, or (longer words) its offset in the arena */
} WordSlot;

typedef struct {
    WordSlot *slots;
    Py_ssize_t n_slots, count;
    Buffer arena;
} WordMap;

/* a hash of a short word from two (overlapping) loads, FNV-1a for longer ones */
static inline uint64_t hash_word(const unsigned char *s, Py_ssize_t n) {
    uint64_t a, b;
    if (n > 16) return hash_bytes(s, n);
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        a = x;
        b = y;
    } else {
        a = n ? (uint64_t)s[0] | ((uint64_t)s[n / 2] << 8) | ((uint64_t)s[n - 1] << 16) : 0;
        b = 0;
    }
    uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ ((b ^ (uint64_t)n) * 0xC2B2AE3D27D4EB4Full);
    return h ^ (h >> 29);
}

static int wordmap_init(WordMap *m) {
    memset(m, 0, sizeof(*m));
    m->n_slots = 1024;
    m->slots = calloc((size_t)m->n_slots, sizeof(WordSlot));
    if (!m->slots) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void wordmap_free(WordMap *m) {
    free(m->slots);
    m->slots = NULL;
    buffer_free(&m->arena);
}

static inline const unsigned char *wordmap_key(const WordMap *m, const WordSlot *e) {
    if (e->key_len <= WORD_INLINE) return e->key;
    uint64_t off;
    memcpy(&off, e->key, 8);
    return (const unsigned char *)m->arena.data + off;
}

/* the slot of word w: its own, or the empty slot it would take */
static inline WordSlot *wordmap_slot(const WordMap *m, const unsigned char *w, Py_ssize_t n, uint64_t h) {
    Py_ssize_t mask = m->n_slots - 1, s = (Py_ssize_t)(h & (uint64_t)mask);
    for (;;) {
        WordSlot *e = &m->slots[s];
        if (e->key_len == 0 ||
            (e->hash == h && e->key_len == (uint32_t)n && memcmp(wordmap_key(m, e), w, (size_t)n) == 0))
            return e;
        s = (s + 1) & mask;
    }
}

/* a new slot for word w (known to be absent, n >= 1), its values to be filled in */
static WordSlot *wordmap_add(WordMap *m, const unsigned char *w, Py_ssize_t n, uint64_t h) {
    if (n > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "WordCounter: a word is too long");
        return NULL;
    }
    if (2 * (m->count + 1) > m->n_slots) { /* grow: every slot moves */
        WordSlot *old = m->slots;
        Py_ssize_t old_n = m->n_slots;
        WordSlot *slots = calloc((size_t)(2 * old_n), sizeof(WordSlot));
        if (!slots) {
            PyErr_NoMemory();
            return NULL;
        }
        m->slots = slots;
        m->n_slots = 2 * old_n;
        for (Py_ssize_t i = 0; i < old_n; i++) {
            if (!old[i].key_len) continue;
            Py_ssize_t mask = m->n_slots - 1, s = (Py_ssize_t)(old[i].hash & (uint64_t)mask);
            while (slots[s].key_len) s = (s + 1) & mask;
            slots[s] = old[i];
        }
        free(old);
    }
    WordSlot *e = wordmap_slot(m, w, n, h);
    memset(e, 0, sizeof(*e));
    if (n <= WORD_INLINE) {
        memcpy(e->key, w, (size_t)n);
    } else {
        uint64_t off = (uint64_t)m->arena.size;
        if (buffer_push(&m->arena, w, n) < 0) return NULL;
        memcpy(e->key, &off, 8);
    }
    e->hash = h;
    e->key_len = (uint32_t)n;
    m->count++;
    return e;
}

static void wordmap_clear(WordMap *m) {
    memset(m->slots, 0, sizeof(WordSlot) * (size_t)m->n_slots);
    m->count = 0;
    m->arena.size = 0;
}

/* ---------------------------------------------------------------- WordCounter */

typedef struct {
    PyObject_HEAD
    PyObject *resolve;  /* word (str) -> (mask, ((token id, columns, ignored), ...)) */
    PyObject *ids;      /* token (str) -> token id: the Python side's registry */
    PyObject *token_item; /* token (str) -> (token id, columns, ignored) */
    WordMap words;      /* lower-case word -> its tokens when it stands alone, and its mask */
    StrMap phrases;     /* "w1 w2 ... wn" (n >= 2) -> tokens */
    Buffer outputs;     /* int64 token ids, shared by both maps' entries (phrases' first) */
    Py_ssize_t phrase_outputs; /* bytes of outputs that belong to phrases */
    Buffer token_cols;  /* per token id: int64 offset, int64 length into columns; -1: unknown */
    Buffer columns;     /* int64 */
    Buffer ignored;     /* per token id: one byte */
    uint64_t *pair_keys; /* (a << 32 | b) -> pair_cols, open addressing */
    int64_t *pair_cols;
    uint64_t pair_mask;
    unsigned pair_shift; /* the top bits of key * GOLDEN pick the slot (both token ids count) */
    Py_ssize_t max_words; /* the word map starts over past this many entries */
    int32_t *cnt;         /* per column, for Row */
    Py_ssize_t n_columns;
    /* token object -> token id, for the token lists of the Python path: a pointer lookup
     * instead of a dict lookup by string; each key is held (a reference), so its address
     * cannot be reused by another object while it is here */
    PyObject **known_keys;
    int64_t *known_ids;
    Py_ssize_t n_known_slots, n_known;
    int ready; /* __init__ succeeded */
    int busy;  /* a call is counting: callbacks may not call back in (they share `cnt`) */
} WordCounter;

static int wc_store_token(WordCounter *self, long long id, const int64_t *columns, Py_ssize_t n, int ignored);

static int wc_token(WordCounter *self, PyObject *item) {
    /* record (token id, columns, ignored) once; returns the token id, or -1 on error */
    PyObject *cols;
    long long id;
    int ignored;
    if (!PyArg_ParseTuple(item, "LO!p", &id, &PyTuple_Type, &cols, &ignored)) return -1;
    if (id < 0 || id > 0x7fffffff) {
        PyErr_SetString(PyExc_ValueError, "token ids must be in 0 .. 2**31 - 1");
        return -1;
    }
    /* the columns first: converting a Python int can run Python code, which must find the
     * counter's buffers where they were */
    Py_ssize_t n = PyTuple_GET_SIZE(cols);
    int64_t *converted = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!converted) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long long c = PyLong_AsLongLong(PyTuple_GET_ITEM(cols, i));
        if ((c == -1 && PyErr_Occurred()) || c < 0 || c >= self->n_columns) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "token columns must be in 0 .. n_columns - 1");
            free(converted);
            return -1;
        }
        converted[i] = c;
    }
    int result = wc_store_token(self, id, converted, n, ignored);
    free(converted);
    return result;
}

static int wc_store_token(WordCounter *self, long long id, const int64_t *columns, Py_ssize_t n, int ignored) {
    Py_ssize_t known = self->ignored.size;
    if (id >= known) {
        Py_ssize_t grow = id + 1 - known;
        if (buffer_reserve(&self->ignored, grow) < 0 || buffer_reserve(&self->token_cols, grow * 16) < 0)
            return -1;
        memset(self->ignored.data + known, 0, (size_t)grow);
        memset(self->token_cols.data + known * 16, 0xff, (size_t)grow * 16);
        self->ignored.size += grow;
        self->token_cols.size += grow * 16;
    }
    int64_t *tc = (int64_t *)self->token_cols.data + 2 * id;
    if (tc[0] < 0) {
        Py_ssize_t at = self->columns.size / 8;
        if (buffer_push(&self->columns, columns, n * 8) < 0) return -1;
        tc[0] = at;
        tc[1] = n;
        self->ignored.data[id] = (char)ignored;
    }
    return (int)id;
}

/* store the tokens of a Python sequence of token items in outputs; sets *off, *len */
static int wc_outputs(WordCounter *self, PyObject *items, Py_ssize_t *off, Py_ssize_t *len) {
    PyObject *seq = PySequence_Fast(items, "tokens must be a sequence");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    *off = self->outputs.size / 8;
    *len = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        int id = wc_token(self, PySequence_Fast_GET_ITEM(seq, i));
        int64_t v = id;
        if (id < 0 || buffer_push(&self->outputs, &v, 8) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static void known_clear(WordCounter *self);

static void wc_dealloc(WordCounter *self) {
    Py_XDECREF(self->resolve);
    Py_XDECREF(self->ids);
    Py_XDECREF(self->token_item);
    wordmap_free(&self->words);
    strmap_free(&self->phrases);
    buffer_free(&self->outputs);
    buffer_free(&self->token_cols);
    buffer_free(&self->columns);
    buffer_free(&self->ignored);
    free(self->pair_keys);
    free(self->pair_cols);
    free(self->cnt);
    if (self->known_keys) known_clear(self);
    free(self->known_keys);
    free(self->known_ids);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int wc_init(WordCounter *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"resolve", "phrases", "pairs", "n_columns", "ids", "token_item", "max_words", NULL};
    PyObject *resolve, *phrases, *pairs, *ids, *token_item;
    Py_ssize_t n_columns, max_words = 1000000;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O!nO!O|n", names, &resolve, &PyDict_Type, &phrases,
                                     &PyDict_Type, &pairs, &n_columns, &PyDict_Type, &ids, &token_item,
                                     &max_words))
        return -1;
    if (!PyCallable_Check(token_item)) {
        PyErr_SetString(PyExc_TypeError, "token_item must be callable");
        return -1;
    }
    if (n_columns < 0 || n_columns > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "WordCounter: n_columns must be in 0 .. 2**31 - 1");
        return -1;
    }
    if (!PyCallable_Check(resolve)) {
        PyErr_SetString(PyExc_TypeError, "resolve must be callable");
        return -1;
    }
    if (self->resolve) {
        PyErr_SetString(PyExc_RuntimeError, "WordCounter is initialised once");
        return -1;
    }
    self->cnt = calloc((size_t)(n_columns ? n_columns : 1), sizeof(int32_t));
    if (!self->cnt) {
        PyErr_NoMemory();
        return -1;
    }
    self->n_columns = n_columns;
    Py_INCREF(resolve);
    self->resolve = resolve;
    Py_INCREF(ids);
    self->ids = ids;
    Py_INCREF(token_item);
    self->token_item = token_item;
    self->max_words = max_words;
    if (wordmap_init(&self->words) < 0 || strmap_init(&self->phrases) < 0) return -1;
    /* phrases: str key -> token items; a private copy is iterated, which Python code run by
     * the items (a sequence's __iter__, an int's __index__) cannot change */
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    PyObject *copy = PyDict_Copy(phrases);
    if (!copy) return -1;
    int failed = 0;
    while (!failed && PyDict_Next(copy, &pos, &key, &value)) {
        Py_ssize_t n;
        const char *s = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &n) : NULL;
        if (!s) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "phrase keys must be str");
            failed = 1;
            break;
        }
        uint64_t h = hash_bytes((const unsigned char *)s, n);
        if (strmap_find(&self->phrases, (const unsigned char *)s, n, h)) continue;
        Entry *e = strmap_add(&self->phrases, (const unsigned char *)s, n, h);
        Py_ssize_t off, len;
        if (!e || wc_outputs(self, value, &off, &len) < 0) {
            failed = 1;
            break;
        }
        e = strmap_find(&self->phrases, (const unsigned char *)s, n, h);
        e->out_off = off;
        e->out_len = len;
    }
    Py_DECREF(copy);
    if (failed) return -1;
    self->phrase_outputs = self->outputs.size;
    /* pairs: (a, b) -> column */
    Py_ssize_t n_pairs = PyDict_GET_SIZE(pairs), size = 16;
    while (size < 4 * n_pairs) size *= 2;
    self->pair_keys = malloc(sizeof(uint64_t) * size);
    self->pair_cols = malloc(sizeof(int64_t) * size);
    if (!self->pair_keys || !self->pair_cols) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->pair_keys, 0xff, sizeof(uint64_t) * size);
    self->pair_mask = (uint64_t)size - 1;
    self->pair_shift = 64;
    for (Py_ssize_t bits = size; bits > 1; bits >>= 1) self->pair_shift--;
    pos = 0;
    copy = PyDict_Copy(pairs); /* private, as for phrases */
    if (!copy) return -1;
    while (PyDict_Next(copy, &pos, &key, &value)) {
        long long a, b, col = PyLong_AsLongLong(value);
        if ((col == -1 && PyErr_Occurred()) || !PyArg_ParseTuple(key, "LL", &a, &b)) {
            Py_DECREF(copy);
            return -1;
        }
        if (a < 0 || b < 0 || a > 0x7fffffff || b > 0x7fffffff || col < 0 || col >= n_columns) {
            PyErr_SetString(PyExc_ValueError, "pairs: token ids and columns must be >= 0");
            Py_DECREF(copy);
            return -1;
        }
        uint64_t k = ((uint64_t)a << 32) | (uint64_t)b, s = (k * GOLDEN) >> self->pair_shift;
        while (self->pair_keys[s] != EMPTY_KEY && self->pair_keys[s] != k) s = (s + 1) & self->pair_mask;
        self->pair_keys[s] = k;
        self->pair_cols[s] = col;
    }
    Py_DECREF(copy);
    self->ready = 1;
    return 0;
}

static inline int64_t wc_pair(const WordCounter *self, int64_t a, int64_t b) {
    uint64_t k = ((uint64_t)a << 32) | (uint64_t)b, s = (k * GOLDEN) >> self->pair_shift;
    for (;;) {
        if (self->pair_keys[s] == k) return self->pair_cols[s];
        if (self->pair_keys[s] == EMPTY_KEY) return -1;
        s = (s + 1) & self->pair_mask;
    }
}

/* the entry of a word, asking Python the first time it is seen */
static WordSlot *wc_word(WordCounter *self, const unsigned char *w, Py_ssize_t n) {
    uint64_t h = hash_word(w, n);
    WordSlot *e = wordmap_slot(&self->words, w, n, h);
    if (e->key_len) return e;
    PyObject *answer = PyObject_CallFunction(self->resolve, "s#", (const char *)w, n);
    if (!answer) return NULL;
    unsigned long mask;
    PyObject *items;
    Py_ssize_t off, len;
    if (!PyArg_ParseTuple(answer, "kO", &mask, &items) || wc_outputs(self, items, &off, &len) < 0) {
        Py_DECREF(answer);
        return NULL;
    }
    Py_DECREF(answer);
    if (off > UINT32_MAX || len > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "WordCounter: too many tokens resolved");
        return NULL;
    }
    e = wordmap_add(&self->words, w, n, h);
    if (!e) return NULL;
    e->out_off = (uint32_t)off;
    e->out_len = (uint32_t)len;
    e->mask = (uint32_t)mask;
    return e;
}

#define MAX_PHRASE 16

typedef struct {
    Py_ssize_t start, len;
} Span;

/* the tokens of one ASCII text, as the English tokenizer gives them, appended to `tokens` */
/* the first pass of wc_tokens, one table lookup a byte: the byte as the tokenizer sees it
 * (lower case, separating punctuation a space), and what needs a closer look */
static unsigned char token_byte[256];
static unsigned char byte_flag[256];
#define FLAG_APOSTROPHE 1
#define FLAG_HTML 2  /* '<', '&': only the Python cleaning handles them */
#define FLAG_DIRTY 4 /* a control character: clean_ascii turns it into a space */
#define FLAG_S 8     /* 's', 'S': maybe a span artefact */
#define PASS_HTML (-2)
#define PASS_DIRTY (-3)

/* the control characters clean_line turns into spaces (C0 but tab and line feed, and DEL) */
static inline int is_control(unsigned char c) { return c <= 0x08 || (c >= 0x0b && c <= 0x1f) || c == 0x7f; }

static void token_tables(void) {
    for (int c = 0; c < 256; c++) {
        token_byte[c] = (unsigned char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        byte_flag[c] = 0;
    }
    const char *separators = ",;:!?()[]{}\"<>/\\|*+=#@$%^~`";
    for (const char *p = separators; *p; p++) token_byte[(unsigned char)*p] = ' ';
    byte_flag['\''] = FLAG_APOSTROPHE;
    byte_flag['<'] = byte_flag['&'] = FLAG_HTML;
    byte_flag['s'] = byte_flag['S'] = FLAG_S;
    for (int c = 0; c < 256; c++)
        if (is_control((unsigned char)c)) byte_flag[c] = FLAG_DIRTY;
}

/* lower case; possessive 's after a word character, before a non-word character or the end,
 * dropped; separating punctuation to a space: into t (n bytes of room), its length; with
 * `check`, PASS_HTML for a text only the Python cleaning handles and PASS_DIRTY for one
 * clean_ascii must clean first */
static Py_ssize_t token_pass(const unsigned char *s, Py_ssize_t n, int check, unsigned char *t) {
    Py_ssize_t k = 0;
    int dirty = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = s[i], f = byte_flag[c];
        if (f) {
            if (f == FLAG_APOSTROPHE) {
                if (i > 0 && i + 1 < n && (s[i + 1] == 's' || s[i + 1] == 'S') && is_word(s[i - 1]) &&
                    !(i + 2 < n && is_word(s[i + 2]))) {
                    i++; /* skip the s too */
                    continue;
                }
            } else if (check) {
                if (f == FLAG_HTML) return PASS_HTML;
                if (f == FLAG_DIRTY || (i + 3 < n && s[i + 1] == 'p' && s[i + 2] == 'a' && s[i + 3] == 'n'))
                    dirty = 1;
            }
        }
        t[k++] = token_byte[c];
    }
    return dirty ? PASS_DIRTY : k;
}

static Py_ssize_t clean_ascii(const unsigned char *s, Py_ssize_t n, Buffer *out);

/* the tokens of one ASCII text, as the English tokenizer gives them, into `tokens`: 1; with
 * `check`, the text cleaned first as clean_line would, or 0 when only the Python cleaning will
 * do ('<' or '&': tags and HTML entities) */
static int wc_tokens(WordCounter *self, const unsigned char *s, Py_ssize_t n, int check, Buffer *clean, Buffer *work,
                     Buffer *spans, Buffer *entries, Buffer *tokens) {
    work->size = spans->size = entries->size = tokens->size = 0;
    if (buffer_reserve(work, n + 1) < 0) return -1;
    unsigned char *t = (unsigned char *)work->data;
    Py_ssize_t k = token_pass(s, n, check, t);
    if (k == PASS_HTML) return 0;
    if (k == PASS_DIRTY) {
        if ((n = clean_ascii(s, n, clean)) < 0 || buffer_reserve(work, n + 1) < 0) return -1;
        t = (unsigned char *)work->data;
        k = token_pass((const unsigned char *)clean->data, n, 0, t);
    }
    /* words */
    for (Py_ssize_t i = 0; i < k;) {
        while (i < k && is_space(t[i])) i++;
        if (i >= k) break;
        Span sp = {i, 0};
        while (i < k && !is_space(t[i])) i++;
        sp.len = i - sp.start;
        if (buffer_push(spans, &sp, sizeof(Span)) < 0) return -1;
    }
    Py_ssize_t n_words = spans->size / (Py_ssize_t)sizeof(Span);
    if (self->words.count > self->max_words) { /* bound the memory on endless streams */
        wordmap_clear(&self->words);
        self->outputs.size = self->phrase_outputs;
    }
    if (buffer_reserve(entries, n_words * (Py_ssize_t)sizeof(Entry)) < 0) return -1;
    Span *sp = (Span *)spans->data;
    Entry *ents = (Entry *)entries->data;
    for (Py_ssize_t i = 0; i < n_words; i++) {
        const WordSlot *e = wc_word(self, t + sp[i].start, sp[i].len);
        if (!e) return -1;
        /* copied: the map's slots move when it grows */
        ents[i].out_off = e->out_off;
        ents[i].out_len = e->out_len;
        ents[i].mask = e->mask;
    }
    /* phrases of two or more words, longest first, left to right */
    Buffer key = {0};
    for (Py_ssize_t i = 0; i < n_words;) {
        const Entry *hit = NULL;
        Py_ssize_t used = 1;
        unsigned mask = ents[i].mask;
        for (int m = MAX_PHRASE; mask && m >= 2 && !hit; m--) {
            if (!(mask & (1u << m)) || i + m > n_words) continue;
            /* no '.' in the words before the last; the whole key without trailing dots */
            int dotted = 0;
            key.size = 0;
            for (Py_ssize_t j = i; j < i + m; j++) {
                if (j < i + m - 1 && memchr(t + sp[j].start, '.', (size_t)sp[j].len)) dotted = 1;
                if ((j > i && buffer_push(&key, " ", 1) < 0) ||
                    buffer_push(&key, t + sp[j].start, sp[j].len) < 0) {
                    buffer_free(&key);
                    return -1;
                }
            }
            if (dotted) continue;
            Py_ssize_t len = key.size;
            while (len > 0 && key.data[len - 1] == '.') len--;
            hit = strmap_find(&self->phrases, (const unsigned char *)key.data, len,
                              hash_bytes((const unsigned char *)key.data, len));
            if (hit) used = m;
        }
        const Entry *out = hit ? hit : &ents[i];
        if (buffer_push(tokens, (int64_t *)self->outputs.data + out->out_off, out->out_len * 8) < 0) {
            buffer_free(&key);
            return -1;
        }
        i += used;
    }
    buffer_free(&key);
    return 1;
}

/* the token ids of a list of tokens (str), asking Python for tokens not seen before */
#define KNOWN_MAX (1 << 20) /* token objects kept before the cache starts over */

static inline Py_ssize_t known_slot(const WordCounter *self, PyObject *key) {
    uint64_t h = ((uint64_t)(uintptr_t)key >> 4) * GOLDEN;
    Py_ssize_t mask = self->n_known_slots - 1, s = (Py_ssize_t)(h >> 32) & mask;
    while (self->known_keys[s] && self->known_keys[s] != key) s = (s + 1) & mask;
    return s;
}

static void known_clear(WordCounter *self) {
    for (Py_ssize_t s = 0; s < self->n_known_slots; s++) Py_CLEAR(self->known_keys[s]);
    self->n_known = 0;
}

/* remember a token object's id (it is then held); a failure to grow only skips the cache */
static void known_add(WordCounter *self, PyObject *key, int64_t id) {
    if (self->n_known >= KNOWN_MAX) known_clear(self);
    if (2 * (self->n_known + 1) > self->n_known_slots) {
        Py_ssize_t old_n = self->n_known_slots, size = old_n ? 2 * old_n : 4096;
        PyObject **keys = calloc((size_t)size, sizeof(PyObject *));
        int64_t *ids = malloc(sizeof(int64_t) * (size_t)size);
        if (!keys || !ids) {
            free(keys);
            free(ids);
            return;
        }
        PyObject **old_keys = self->known_keys;
        int64_t *old_ids = self->known_ids;
        self->known_keys = keys;
        self->known_ids = ids;
        self->n_known_slots = size;
        for (Py_ssize_t i = 0; i < old_n; i++)
            if (old_keys[i]) {
                Py_ssize_t s = known_slot(self, old_keys[i]);
                keys[s] = old_keys[i];
                ids[s] = old_ids[i];
            }
        free(old_keys);
        free(old_ids);
    }
    Py_ssize_t s = known_slot(self, key);
    if (self->known_keys[s]) return;
    Py_INCREF(key);
    self->known_keys[s] = key;
    self->known_ids[s] = id;
    self->n_known++;
}

static int wc_token_list(WordCounter *self, PyObject *list, Buffer *tokens) {
    tokens->size = 0;
    if (PyList_GET_SIZE(list) >= MAX_TEXT) {
        PyErr_SetString(PyExc_ValueError, "WordCounter.counts: too many tokens to count");
        return -1;
    }
    /* a private tuple, holding each token: looking a token up runs its __hash__ and __eq__,
     * and token_item runs Python code, any of which could change the list */
    PyObject *seq = PyList_AsTuple(list);
    if (!seq) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    int failed = buffer_reserve(tokens, 8 * n) < 0;
    for (Py_ssize_t i = 0; !failed && i < n; i++) {
        PyObject *token = PyTuple_GET_ITEM(seq, i);
        if (self->n_known_slots) {
            Py_ssize_t s = known_slot(self, token);
            if (self->known_keys[s]) {
                ((int64_t *)tokens->data)[i] = self->known_ids[s];
                tokens->size += 8;
                continue;
            }
        }
        PyObject *found = PyDict_GetItemWithError(self->ids, token);
        long long id = -1;
        if (found) {
            id = PyLong_AsLongLong(found);
            if (id == -1 && PyErr_Occurred()) {
                failed = 1;
                break;
            }
        } else if (PyErr_Occurred()) {
            failed = 1;
            break;
        }
        /* known to C: registered, with its columns (tokens of word pairs are registered first) */
        if (id < 0 || id >= self->ignored.size || ((int64_t *)self->token_cols.data)[2 * id] < 0) {
            PyObject *item = PyObject_CallOneArg(self->token_item, token);
            if (!item) {
                failed = 1;
                break;
            }
            id = wc_token(self, item);
            Py_DECREF(item);
            if (id < 0) {
                failed = 1;
                break;
            }
        }
        if (PyUnicode_CheckExact(token)) known_add(self, token, id);
        ((int64_t *)tokens->data)[i] = id;
        tokens->size += 8;
    }
    Py_DECREF(seq);
    return failed ? -1 : 0;
}

/* count the columns of each token and of each pair of consecutive tokens that are not ignored */
static int wc_add_tokens(WordCounter *self, const Buffer *tokens, int pairs, Row *row) {
    const int64_t *tok = (const int64_t *)tokens->data;
    Py_ssize_t n_tok = tokens->size / 8;
    const int64_t *tc = (const int64_t *)self->token_cols.data;
    const int64_t *all_cols = (const int64_t *)self->columns.data;
    /* the pairs' slots are computed and prefetched first, looked up after the tokens' columns
     * are counted: the pair table is large, and its cache misses then overlap */
    uint64_t stack_keys[256], *keys = stack_keys;
    if (pairs && n_tok > 256 && !(keys = malloc(sizeof(uint64_t) * n_tok))) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n_pairs = 0;
    int64_t previous = -1;
    for (Py_ssize_t j = 0; j < n_tok; j++) {
        int64_t id = tok[j];
        /* columns of tokens and pairs were checked when they were registered */
        if (row_reserve(row, tc[2 * id + 1] + 1) < 0) {
            if (keys != stack_keys) free(keys);
            return -1;
        }
        for (int64_t c = 0; c < tc[2 * id + 1]; c++) row_add_checked(row, all_cols[tc[2 * id] + c]);
        if (!pairs || self->ignored.data[id]) continue;
        if (previous >= 0) {
            uint64_t k = ((uint64_t)previous << 32) | (uint64_t)id;
            keys[n_pairs++] = k;
            __builtin_prefetch(&self->pair_keys[(k * GOLDEN) >> self->pair_shift]);
        }
        previous = id;
    }
    int failed = row_reserve(row, n_pairs) < 0;
    for (Py_ssize_t h = 0; !failed && h < n_pairs; h++) {
        int64_t col = wc_pair(self, (int64_t)(keys[h] >> 32), (int64_t)(keys[h] & 0xffffffffu));
        if (col >= 0) row_add_checked(row, col);
    }
    if (keys != stack_keys) free(keys);
    return failed ? -1 : 0;
}

/* ---------------------------------------------------------------- cleaning ASCII text */


/* the words after "span" that text._clean.repair_artefacts restores to "trans..." (its
 * _SPAN_SUFFIXES; the module exports these as SPAN_SUFFIXES, and a test keeps the two equal) */
static const char *const span_suffixes[] = {
    "action", "actions", "ition", "itions", "itional", "formation", "formations", "form", "formed", "forming",
    "fer", "ferred", "fers", "port", "portation", "lation", "late", "lated", "mission", "parent", "parency", "it"};

/* the length of the span-artefact word at s[i] ("[Ss]pan" + a suffix, a whole word), else 0 */
static Py_ssize_t span_artefact(const unsigned char *s, Py_ssize_t n, Py_ssize_t i, Py_ssize_t *suffix_len) {
    if (!((s[i] == 'S' || s[i] == 's') && i + 3 < n && s[i + 1] == 'p' && s[i + 2] == 'a' && s[i + 3] == 'n'))
        return 0;
    if (i > 0 && is_word(s[i - 1])) return 0;
    Py_ssize_t end = i + 4;
    while (end < n && is_word(s[end])) end++;
    Py_ssize_t len = end - (i + 4);
    for (size_t k = 0; k < sizeof(span_suffixes) / sizeof(*span_suffixes); k++)
        if ((Py_ssize_t)strlen(span_suffixes[k]) == len && memcmp(s + i + 4, span_suffixes[k], (size_t)len) == 0) {
            *suffix_len = len;
            return end - i;
        }
    return 0;
}

/* What text.clean_line does to an ASCII text without '<' and '&', as far as tokens can tell:
 * control characters become spaces, span artefacts are repaired ("spanaction" ->
 * "transaction"), and white space before a '.' that ends a word ("stores ." -> "stores.") is
 * dropped (the other marks it drops space before separate words anyway; folding white space
 * changes no token). Into `out`; its length. */
static Py_ssize_t clean_ascii(const unsigned char *s, Py_ssize_t n, Buffer *out) {
    out->size = 0;
    if (buffer_reserve(out, 2 * n + 1) < 0) return -1; /* a repair adds one byte to four */
    unsigned char *t = (unsigned char *)out->data;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (is_space(c) || is_control(c)) { /* a run of white space (controls count) */
            Py_ssize_t j = i;
            while (j < n && (is_space(s[j]) || is_control(s[j]))) j++;
            int dot_next = j < n && s[j] == '.' && (j + 1 == n || is_space(s[j + 1]) || is_control(s[j + 1]));
            if (!dot_next)
                for (Py_ssize_t q = i; q < j; q++) t[k++] = is_control(s[q]) ? ' ' : s[q];
            i = j;
            continue;
        }
        Py_ssize_t suffix_len = 0, len = span_artefact(s, n, i, &suffix_len);
        if (len) {
            memcpy(t + k, c == 'S' ? "Trans" : "trans", 5);
            memcpy(t + k + 5, s + i + 4, (size_t)suffix_len);
            k += 5 + suffix_len;
            i += len;
            continue;
        }
        t[k++] = c;
        i++;
    }
    out->size = k;
    return k;
}

/* a counting call starts: the counter must be initialised and not counting already (a
 * callback calling back in would share the row's cells) */
static int wc_enter(WordCounter *self) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "WordCounter is not initialised");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "WordCounter is counting already (called from a callback)");
        return -1;
    }
    self->busy = 1;
    return 0;
}

static PyObject *wc_counts(WordCounter *self, PyObject *args) {
    PyObject *texts, *fallback, *spec = Py_None;
    int pairs, check_clean;
    if (!PyArg_ParseTuple(args, "O!ppO|O", &PyList_Type, &texts, &pairs, &check_clean, &fallback, &spec))
        return NULL;
    /* a private tuple: the fallback runs Python code, which could change the list */
    PyObject *items = PyList_AsTuple(texts);
    if (!items) return NULL;
    if (wc_enter(self) < 0) {
        Py_DECREF(items);
        return NULL;
    }
    Buffer clean = {0}, work = {0}, spans = {0}, entries = {0}, tokens = {0}, indptr = {0}, cols = {0}, counts = {0};
    Row row = {0};
    Scoring scoring = {0};
    int scored = spec != Py_None;
    PyObject *result = NULL;
    int64_t total = 0;
    Py_ssize_t n_texts = PyTuple_GET_SIZE(items);
    if (scored && scoring_get(&scoring, spec, n_texts) < 0) goto done;
    if (row_init(&row, self->cnt, self->n_columns) < 0 || buffer_push(&indptr, &total, 8) < 0) goto done;
    for (Py_ssize_t i = 0; i < n_texts; i++) {
        PyObject *text = PyTuple_GET_ITEM(items, i);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "WordCounter.counts: item %zd is %.100s, not str", i,
                         Py_TYPE(text)->tp_name);
            goto done;
        }
        if (PyUnicode_GET_LENGTH(text) >= MAX_TEXT) {
            PyErr_Format(PyExc_ValueError, "WordCounter.counts: item %zd is too long to count (%zd characters)", i,
                         PyUnicode_GET_LENGTH(text));
            goto done;
        }
        int handled = 0; /* ASCII text C cleans (if need be) and tokenizes itself */
        if (PyUnicode_IS_ASCII(text) &&
            (handled = wc_tokens(self, PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), check_clean, &clean,
                                 &work, &spans, &entries, &tokens)) < 0)
            goto done;
        if (!handled) {
            /* the Python side cleans it: to ASCII text, tokenized here as it stands, or to its
             * tokens, or (for tests) counts it: column -> count */
            PyObject *found = PyObject_CallOneArg(fallback, text);
            if (!found) goto done;
            int failed = 0;
            if (PyList_Check(found)) { /* the text's tokens */
                failed = wc_token_list(self, found, &tokens) < 0;
            } else if (PyUnicode_Check(found) && PyUnicode_IS_ASCII(found)) {
                if (PyUnicode_GET_LENGTH(found) >= MAX_TEXT) {
                    PyErr_SetString(PyExc_ValueError, "WordCounter.counts: a cleaned text is too long to count");
                    failed = 1;
                } else {
                    failed = wc_tokens(self, PyUnicode_1BYTE_DATA(found), PyUnicode_GET_LENGTH(found), 0, &clean,
                                       &work, &spans, &entries, &tokens) < 0;
                }
            } else if (PyDict_Check(found)) {
                PyObject *key, *value, *copy = PyDict_Copy(found); /* private while converting */
                Py_DECREF(found);
                if (!copy) goto done;
                Py_ssize_t pos = 0;
                while (PyDict_Next(copy, &pos, &key, &value)) {
                    long long col = PyLong_AsLongLong(key);
                    long long count = col == -1 && PyErr_Occurred() ? 0 : PyLong_AsLongLong(value);
                    if (PyErr_Occurred() || row_add(&row, col, count) < 0) {
                        Py_DECREF(copy);
                        goto done;
                    }
                }
                Py_DECREF(copy);
                if (row_end(&row, scored ? &scoring : NULL, i, &cols, &counts, &indptr, &total) < 0) goto done;
                continue;
            } else {
                PyErr_SetString(PyExc_TypeError, "WordCounter.counts: fallback must return ASCII text, a list of tokens "
                                                 "or a dict of column -> count (int)");
                failed = 1;
            }
            Py_DECREF(found);
            if (failed) goto done;
        }
        if (wc_add_tokens(self, &tokens, pairs, &row) < 0) goto done;
        if (row_end(&row, scored ? &scoring : NULL, i, &cols, &counts, &indptr, &total) < 0) goto done;
    }
    if (scored) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = csr_result(&indptr, &cols, &counts);
    }
done:
    buffer_free(&clean);
    buffer_free(&work);
    buffer_free(&spans);
    buffer_free(&entries);
    buffer_free(&tokens);
    buffer_free(&indptr);
    buffer_free(&cols);
    buffer_free(&counts);
    row_free(&row);
    scoring_release(&scoring);
    self->busy = 0;
    Py_DECREF(items);
    return result;
}

static PyObject *wc_accepts(WordCounter *self, PyObject *args) {
    PyObject *text;
    int check_clean;
    if (!PyArg_ParseTuple(args, "Up", &text, &check_clean)) return NULL;
    const char *data = (const char *)PyUnicode_1BYTE_DATA(text);
    size_t n = (size_t)PyUnicode_GET_LENGTH(text);
    return PyBool_FromLong(PyUnicode_IS_ASCII(text) && !(check_clean && (memchr(data, '<', n) || memchr(data, '&', n))));
}

static PyObject *wc_tokens_of(WordCounter *self, PyObject *args) {
    /* token ids of one ASCII text (for tests), None when it needs the Python cleaning */
    PyObject *text;
    int check_clean;
    if (!PyArg_ParseTuple(args, "Up", &text, &check_clean)) return NULL;
    if (!PyUnicode_IS_ASCII(text)) {
        PyErr_SetString(PyExc_TypeError, "token_ids: text must be an ASCII str");
        return NULL;
    }
    if (wc_enter(self) < 0) return NULL;
    Buffer clean = {0}, work = {0}, spans = {0}, entries = {0}, tokens = {0};
    PyObject *result = NULL;
    int handled = wc_tokens(self, PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), check_clean, &clean, &work,
                            &spans, &entries, &tokens);
    if (handled == 0) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else if (handled > 0) {
        Py_ssize_t n = tokens.size / 8;
        result = PyList_New(n);
        for (Py_ssize_t j = 0; result && j < n; j++) {
            PyObject *id = PyLong_FromLongLong(((int64_t *)tokens.data)[j]);
            if (!id) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, j, id);
        }
    }
    buffer_free(&clean);
    buffer_free(&work);
    buffer_free(&spans);
    buffer_free(&entries);
    buffer_free(&tokens);
    self->busy = 0;
    return result;
}

static PyObject *wc_n_words(WordCounter *self, PyObject *unused) {
    return PyLong_FromSsize_t(self->words.count);
}

static PyMethodDef wc_methods[] = {
    {"counts", (PyCFunction)wc_counts, METH_VARARGS,
     "counts(texts, pairs, check_clean, fallback, scoring=None) -> (indptr, columns, counts) "
     "bytes of one CSR block; ASCII texts are cleaned here first with check_clean (control "
     "characters, span artefacts, space before a final dot); for other texts, and ASCII texts "
     "with '<' or '&' (with check_clean), fallback(text) gives the cleaned text if it is ASCII, or the text's tokens "
     "(list of str), or its counts (dict of column -> count). With scoring, a tuple (idf, "
     "coef_t, sublinear, scale, row_mask, out, totals) as tfidf_scores takes, each row is "
     "scored into out instead (returns None)."},
    {"accepts", (PyCFunction)wc_accepts, METH_VARARGS,
     "accepts(text, check_clean) -> True when counts() takes the text itself."},
    {"token_ids", (PyCFunction)wc_tokens_of, METH_VARARGS,
     "token_ids(text, check_clean) -> the token ids of one ASCII text (cleaned first with check_clean), "
     "None when it needs the Python cleaning."},
    {"n_words", (PyCFunction)wc_n_words, METH_NOARGS, "Distinct words resolved so far."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WordCounterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ecomtopics._native.WordCounter",
    .tp_basicsize = sizeof(WordCounter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "WordCounter(resolve, phrases, pairs, n_columns, ids, token_item, max_words=1000000): word, concept and "
              "word-pair counts of ASCII English texts.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)wc_init,
    .tp_dealloc = (destructor)wc_dealloc,
    .tp_methods = wc_methods,
};

/* ---------------------------------------------------------------- LDA inference */

/* digamma of x > 0 in two parts, digamma(x) = log(*shifted) + (return value): the recurrence
 * up to 10 (its sum of 1/x as one fraction: one division), then the asymptotic series
 * (Cephes' psi); within a few ulps of scipy.special.psi. Apart, so that exp(digamma(a) -
 * digamma(b)) needs no logarithm: a_shifted / b_shifted * exp(part_a - part_b). */
static inline double digamma_parts(double x, double *shifted) {
    double p = 0.0, q = 1.0;
    if (!(x > 0.0)) { /* not for x <= 0 or NaN (and the loop below would not end for -1e30) */
        *shifted = NAN;
        return NAN;
    }
    while (x < 10.0) {
        p = p * x + q;
        q *= x;
        x += 1.0;
    }
    double z = 1.0 / (x * x);
    double y = z * (8.33333333333333333333E-2 +
                    z * (-8.33333333333333333333E-3 +
                         z * (3.96825396825396825397E-3 +
                              z * (-4.16666666666666666667E-3 +
                                   z * (7.57575757575757575758E-3 +
                                        z * (-2.10927960927960927961E-2 + z * 8.33333333333333333333E-2))))));
    *shifted = x;
    return -0.5 / x - y - p / q;
}

static inline double digamma_pos(double x) {
    double shifted, part = digamma_parts(x, &shifted);
    return log(shifted) + part;
}

static PyObject *digamma(PyObject *self, PyObject *arg) {
    double x = PyFloat_AsDouble(arg);
    if (x == -1.0 && PyErr_Occurred()) return NULL;
    if (!(x > 0.0) || isinf(x)) {
        PyErr_SetString(PyExc_ValueError, "digamma: x must be a positive finite number");
        return NULL;
    }
    return PyFloat_FromDouble(digamma_pos(x));
}

/* exp(E[log theta]) for theta ~ Dirichlet(g), K topics; `work` holds 3K doubles. The topics'
 * digamma recurrences run side by side, step by step, without a branch a topic (the compiler
 * can vectorise them), then the series of digamma_parts for each */
static inline void exp_dirichlet(const double *g, Py_ssize_t k, double *out, double *work) {
    double total = 0.0, shifted;
    for (Py_ssize_t q = 0; q < k; q++) total += g[q];
    double part = digamma_parts(total, &shifted), scale = 1.0 / shifted;
    double *x = work, *p = work + k, *r = work + 2 * k;
    double lowest = INFINITY;
    for (Py_ssize_t q = 0; q < k; q++) {
        x[q] = g[q];
        p[q] = 0.0;
        r[q] = 1.0;
        lowest = g[q] < lowest ? g[q] : lowest;
    }
    if (!(lowest > 0.0)) { /* no digamma there (lda_estep's checks keep gamma positive) */
        for (Py_ssize_t q = 0; q < k; q++) out[q] = NAN;
        return;
    }
    for (; lowest < 10.0; lowest += 1.0)
        for (Py_ssize_t q = 0; q < k; q++) {
            int below = x[q] < 10.0;
            double xq = x[q];
            p[q] = below ? p[q] * xq + r[q] : p[q];
            r[q] = below ? r[q] * xq : r[q];
            x[q] = below ? xq + 1.0 : xq;
        }
    for (Py_ssize_t q = 0; q < k; q++) {
        double xq = x[q], z = 1.0 / (xq * xq);
        double y = z * (8.33333333333333333333E-2 +
                        z * (-8.33333333333333333333E-3 +
                             z * (3.96825396825396825397E-3 +
                                  z * (-4.16666666666666666667E-3 +
                                       z * (7.57575757575757575758E-3 +
                                            z * (-2.10927960927960927961E-2 + z * 8.33333333333333333333E-2))))));
        out[q] = -0.5 / xq - y - p[q] / r[q] - part; /* the exponent */
    }
    for (Py_ssize_t q = 0; q < k; q++) out[q] = x[q] * scale * exp(out[q]);
}

/* gensim's inference loop for one document (n terms w, counts cd; gd its start, then its
 * gamma); `scratch` holds 5k + n doubles. Inlined with k a constant for the usual counts. */
static inline __attribute__((always_inline)) void estep_doc(const double *restrict bt, const double *restrict al,
                                                            const int64_t *restrict w, const double *restrict cd,
                                                            Py_ssize_t n, const Py_ssize_t k, double *restrict gd,
                                                            double *scratch, int iterations, double threshold,
                                                            double eps) {
    double *restrict theta = scratch, *restrict acc = scratch + k, *restrict work = scratch + 2 * k;
    double *restrict phinorm = scratch + 5 * k;
    exp_dirichlet(gd, k, theta, work);
    for (int it = 1;; it++) {
        for (Py_ssize_t j = 0; j < n; j++) {
            const double *row = bt + w[j] * k;
            double x = 0.0;
#pragma GCC unroll 16
            for (Py_ssize_t q = 0; q < k; q++) x += theta[q] * row[q];
            phinorm[j] = x + eps;
        }
#pragma GCC unroll 16
        for (Py_ssize_t q = 0; q < k; q++) acc[q] = 0.0;
        for (Py_ssize_t j = 0; j < n; j++) {
            const double *row = bt + w[j] * k;
            double r = cd[j] / phinorm[j];
#pragma GCC unroll 16
            for (Py_ssize_t q = 0; q < k; q++) acc[q] += r * row[q];
        }
        double change = 0.0;
#pragma GCC unroll 16
        for (Py_ssize_t q = 0; q < k; q++) {
            double fresh = al[q] + theta[q] * acc[q];
            change += fabs(fresh - gd[q]);
            gd[q] = fresh;
        }
        if (it == iterations || change / (double)k < threshold) return;
        exp_dirichlet(gd, k, theta, work);
    }
}

/* lda_estep(indptr, indices, cts, beta_t, alpha, gamma, iterations, threshold, eps): gensim's
 * LdaModel.inference loop for each document of a CSR document-term matrix, in float64; gamma
 * (documents x K) holds each document's start and gets its result. See topics._inference. */
static PyObject *lda_estep(PyObject *self, PyObject *args) {
    PyObject *indptr_obj, *indices_obj, *cts_obj, *beta_obj, *alpha_obj, *gamma_obj;
    int iterations;
    double threshold, eps;
    if (!PyArg_ParseTuple(args, "OOOOOOidd", &indptr_obj, &indices_obj, &cts_obj, &beta_obj, &alpha_obj, &gamma_obj,
                          &iterations, &threshold, &eps))
        return NULL;
    View indptr = {0}, indices = {0}, cts = {0}, beta = {0}, alpha = {0}, gamma = {0};
    PyObject *result = NULL;
    double *scratch = NULL;
    if (view_get(&indptr, indptr_obj, 8, "indptr") < 0 || view_get(&indices, indices_obj, 8, "indices") < 0 ||
        view_get(&cts, cts_obj, 8, "cts") < 0 || view_get(&beta, beta_obj, 8, "beta_t") < 0 ||
        view_get(&alpha, alpha_obj, 8, "alpha") < 0 || view_get(&gamma, gamma_obj, 8, "gamma") < 0)
        goto done;
    Py_ssize_t n_docs = indptr.view.len / 8 - 1, k = alpha.view.len / 8, nnz = indices.view.len / 8;
    if (n_docs < 0 || k == 0 || cts.view.len != indices.view.len || beta.view.len % (k * 8) != 0 ||
        gamma.view.len != n_docs * k * 8 || gamma.view.readonly) {
        PyErr_SetString(PyExc_ValueError, "lda_estep: arrays of inconsistent sizes (or a read-only gamma)");
        goto done;
    }
    const View *inputs[] = {&indptr, &indices, &cts, &beta, &alpha};
    for (int a = 0; a < 5; a++)
        if (views_overlap(inputs[a], &gamma)) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: gamma may not share memory with the inputs");
            goto done;
        }
    if (iterations < 1) {
        PyErr_SetString(PyExc_ValueError, "lda_estep: iterations must be at least 1");
        goto done;
    }
    const int64_t *ip = indptr.view.buf, *ids = indices.view.buf;
    const double *c = cts.view.buf, *bt = beta.view.buf, *al = alpha.view.buf;
    double *g = gamma.view.buf;
    Py_ssize_t n_terms = beta.view.len / (k * 8), longest = 0;
    if (n_docs > 0 && (ip[0] != 0 || ip[n_docs] != nnz)) {
        PyErr_SetString(PyExc_ValueError, "lda_estep: indptr does not match the indices");
        goto done;
    }
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        if (ip[d + 1] < ip[d]) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: indptr must not decrease");
            goto done;
        }
        if (ip[d + 1] - ip[d] > longest) longest = ip[d + 1] - ip[d];
    }
    for (Py_ssize_t j = 0; j < nnz; j++)
        if (ids[j] < 0 || ids[j] >= n_terms) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: a term id is outside beta_t");
            goto done;
        }
    for (Py_ssize_t q = 0; q < k; q++)
        if (!(al[q] > 0.0) || isinf(al[q])) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: alpha must be positive and finite");
            goto done;
        }
    /* with counts and beta at least 0, every update keeps gamma at least alpha */
    for (Py_ssize_t j = 0; j < nnz; j++)
        if (!(c[j] >= 0.0) || isinf(c[j])) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: counts must be finite and not negative");
            goto done;
        }
    for (Py_ssize_t j = 0; j < n_terms * k; j++)
        if (!(bt[j] >= 0.0) || isinf(bt[j])) {
            PyErr_SetString(PyExc_ValueError, "lda_estep: beta_t must be finite and not negative");
            goto done;
        }
    scratch = malloc(sizeof(double) * (size_t)(5 * k + longest + 1));
    if (!scratch) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        double *gd = g + d * k;
        if (ip[d + 1] == ip[d]) { /* no terms: every update gives alpha */
            memcpy(gd, al, sizeof(double) * (size_t)k);
            continue;
        }
        for (Py_ssize_t q = 0; q < k; q++)
            if (!(gd[q] > 0.0) || isinf(gd[q])) {
                PyErr_SetString(PyExc_ValueError, "lda_estep: gamma must start positive and finite");
                goto done;
            }
        const int64_t *w = ids + ip[d];
        const double *cd = c + ip[d];
        Py_ssize_t n = ip[d + 1] - ip[d];
        switch (k) { /* the usual topic counts with k a constant: the k sums stay in registers */
#define ESTEP_CASE(K)                                                                       \
    case K:                                                                                 \
        estep_doc(bt, al, w, cd, n, K, gd, scratch, iterations, threshold, eps);            \
        break;
            ESTEP_CASE(2)
            ESTEP_CASE(3)
            ESTEP_CASE(4)
            ESTEP_CASE(5)
            ESTEP_CASE(6)
            ESTEP_CASE(8)
            ESTEP_CASE(10)
            ESTEP_CASE(12)
            ESTEP_CASE(16)
            ESTEP_CASE(20)
#undef ESTEP_CASE
        default:
            estep_doc(bt, al, w, cd, n, k, gd, scratch, iterations, threshold, eps);
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    free(scratch);
    view_release(&indptr);
    view_release(&indices);
    view_release(&cts);
    view_release(&beta);
    view_release(&alpha);
    view_release(&gamma);
    return result;
}

/* ---------------------------------------------------------------- module */

static PyMethodDef module_methods[] = {
    {"scan_text", scan_text, METH_O,
     "scan_text(text) -> (mapped, needs_cleaning, has_han, has_latin_letter): the tokenizer's "
     "first look at a text, in one pass."},
    {"digamma", digamma, METH_O, "digamma(x) -> the digamma function of x > 0 (lda_estep's)."},
    {"lda_estep", lda_estep, METH_VARARGS,
     "lda_estep(indptr, indices, cts, beta_t, alpha, gamma, iterations, threshold, eps): gensim's "
     "variational inference loop for each document of a CSR document-term matrix (float64); "
     "gamma holds the start of each document and gets its result."},
    {"tfidf_scores", tfidf_scores, METH_VARARGS,
     "tfidf_scores(indptr, columns, counts, idf, coef_t, sublinear, scale, row_mask, out, totals): "
     "adds each row's L2-normalised TF-IDF vector times coef_t (times scale) to out, and its "
     "counts to totals."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native",
                                    "Compiled hot loops of feature counting.", -1, module_methods};

static int add_span_suffixes(PyObject *m) {
    Py_ssize_t n = (Py_ssize_t)(sizeof(span_suffixes) / sizeof(*span_suffixes));
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) {
        PyObject *word = PyUnicode_FromString(span_suffixes[i]);
        if (!word) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, word);
    }
    if (!t || PyModule_AddObject(m, "SPAN_SUFFIXES", t) < 0) {
        Py_XDECREF(t);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__native(void) {
    for (int q = 1; q <= 64; q++) sublinear_tf[q] = log((double)q) + 1.0;
    token_tables();
    if (PyType_Ready(&WordCounterType) < 0 || PyType_Ready(&CharCounterType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&WordCounterType);
    Py_INCREF(&CharCounterType);
    if (PyModule_AddObject(m, "WordCounter", (PyObject *)&WordCounterType) < 0 ||
        PyModule_AddObject(m, "CharCounter", (PyObject *)&CharCounterType) < 0 ||
        PyModule_AddStringConstant(m, "SOURCE_SHA256", SOURCE_SHA256) < 0 || add_span_suffixes(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
