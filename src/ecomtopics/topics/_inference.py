"""Batch variational inference of gensim's LDA: the E-step for a whole batch at once.

gensim's ``LdaModel.inference`` loops over documents in Python; for document ``d`` with
term ids ``ids`` and counts ``cts`` it runs (``expElogbetad = expElogbeta[:, ids]``)::

    gammad = gamma0[d]                                 # random_state.gamma(100, 1/100, (D, K))
    expElogthetad = exp(E[log theta | gammad])
    phinorm = expElogthetad @ expElogbetad + eps       # eps of the model dtype
    for _ in range(iterations):
        lastgamma = gammad
        gammad = alpha + expElogthetad * ((cts / phinorm) @ expElogbetad.T)
        expElogthetad = exp(E[log theta | gammad])
        phinorm = expElogthetad @ expElogbetad + eps
        if mean(|gammad - lastgamma|) < gamma_threshold:
            break

:func:`batch_inference` runs the same recursion for every document of a CSR
document-term matrix: with the compiled module (``_native.lda_estep``, float64
models), gensim's loop itself in C, document after document; without it, all
documents at once, one step of all still-running documents per numpy call. A
document that meets the stopping rule is written out at that iteration and
leaves the working set, so each document stops exactly where gensim's loop
stops it, and its gamma equals gensim's up to floating-point rounding
(summation order; scipy's digamma, or the compiled one, rather than gensim's
own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import psi

from .._compiled import native

__all__ = ["batch_inference", "bows_to_csr", "lda_gamma", "lda_inference", "sufficient_statistics"]

#: Documents per block of :func:`batch_inference` in :func:`lda_gamma`: bounds the working
#: memory (about ``nonzeros * n_topics * 16`` bytes a block), large enough that numpy's
#: per-call overhead is spread over many documents.
BLOCK_DOCS = 16_384


def bows_to_csr(
    bows: Sequence[Sequence[tuple[int, float]]], n_terms: int, dtype: Any = np.float64
) -> sp.csr_matrix:
    """Bags of words (gensim's ``[(term id, count), ...]``) as a CSR document-term matrix.

    Repeated ids in one bag are summed (gensim's update gives the same gamma either way).
    """
    lengths = np.fromiter(map(len, bows), dtype=np.int64, count=len(bows))
    indptr = np.zeros(len(bows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = np.fromiter((i for b in bows for i, _ in b), dtype=np.int64, count=nnz)
    data = np.fromiter((c for b in bows for _, c in b), dtype=dtype, count=nnz)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(bows), n_terms))
    if not matrix.has_canonical_format:
        matrix.sum_duplicates()
    return matrix


def lda_gamma(lda: Any, bows: Sequence[Sequence[tuple[int, float]]] | Any) -> np.ndarray:
    """Drop-in for ``lda.inference(bows)[0]`` on a gensim ``LdaModel``.

    ``bows`` is gensim's bags of words or a sparse document-term count matrix.

    The start is drawn from ``lda.random_state`` as gensim draws it (one
    ``gamma(100, 1/100, (len(bows), K))`` call, advancing the state the same way).
    """
    return lda_inference(lda, bows)[0]


def lda_inference(
    lda: Any, chunk: Any, collect_sstats: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Drop-in for ``lda.inference(chunk, collect_sstats)``: (gamma, sufficient statistics or None).

    The statistics are gensim's, ``sstats[k, w] = sum_d n_dw * phi_dwk``, from each
    document's final ``exp(E[log theta])`` and normaliser.
    """
    if sp.issparse(chunk):
        matrix = sp.csr_matrix(chunk, dtype=lda.dtype)
        if not matrix.has_canonical_format:
            matrix = matrix.copy()  # the caller's matrix stays as it was
            matrix.sum_duplicates()
    else:
        matrix = bows_to_csr(list(chunk), lda.num_terms, dtype=lda.dtype)
    k = lda.num_topics
    gamma0 = np.asarray(
        lda.random_state.gamma(100.0, 1.0 / 100.0, (matrix.shape[0], k)), dtype=lda.dtype
    )
    gamma = batch_inference(
        lda.expElogbeta,
        lda.alpha,
        matrix,
        gamma0,
        lda.iterations,
        lda.gamma_threshold,
        block_docs=BLOCK_DOCS,
    )
    if not collect_sstats:
        return gamma, None
    return gamma, sufficient_statistics(lda.expElogbeta, matrix, gamma)


def sufficient_statistics(exp_elog_beta: np.ndarray, matrix: Any, gamma: np.ndarray) -> np.ndarray:
    """(K, V) expected counts ``sum_d n_dw * expElogtheta_dk * expElogbeta_kw / phinorm_dw``."""
    beta = np.asarray(exp_elog_beta)
    eps = float(np.finfo(beta.dtype).eps)
    x = sp.csr_matrix(matrix)
    if x.nnz == 0:
        return np.zeros_like(beta)
    exp_theta = _exp_dirichlet_expectation(np.asarray(gamma, dtype=beta.dtype))
    beta_t = np.ascontiguousarray(beta.T)
    sstats_t = np.zeros_like(beta_t)  # (V, K)
    for start in range(0, x.shape[0], BLOCK_DOCS):
        sub = x[start : start + BLOCK_DOCS]
        if sub.nnz == 0:
            continue
        e = exp_theta[start : start + BLOCK_DOCS]
        rows = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        phinorm = np.einsum("nk,nk->n", e[rows], beta_t[sub.indices]) + eps
        ratio = sp.csr_matrix((sub.data / phinorm, sub.indices, sub.indptr), shape=sub.shape)
        sstats_t[: ratio.shape[1]] += ratio.T @ e
    sstats = np.ascontiguousarray(sstats_t.T)
    sstats *= beta
    return sstats


def _exp_dirichlet_expectation(gamma: np.ndarray) -> np.ndarray:
    """exp(E[log theta]) for theta ~ Dirichlet(gamma), row by row."""
    out = psi(gamma)
    out -= psi(gamma @ np.ones(gamma.shape[1], dtype=gamma.dtype))[:, None]
    return np.exp(out, out=out)


def batch_inference(
    exp_elog_beta: np.ndarray,
    alpha: Any,
    matrix: Any,
    gamma0: np.ndarray,
    iterations: int,
    gamma_threshold: float,
    *,
    block_docs: int | None = None,
) -> np.ndarray:
    """Variational gamma of every document, as gensim's ``LdaModel.inference`` computes it.

    Parameters
    ----------
    exp_elog_beta : (K, V) array
        ``lda.expElogbeta``. Its dtype is the arithmetic dtype, and its ``eps`` is
        added to the normaliser, as in gensim.
    alpha : (K,) array or scalar
        ``lda.alpha``.
    matrix : (D, V') sparse matrix, V' <= V
        Document-term counts (see :func:`bows_to_csr`).
    gamma0 : (D, K) array
        Start of each document.
    iterations, gamma_threshold :
        At most ``iterations`` updates a document; a document stops after the
        first update whose mean absolute change of gamma is below the threshold.
    block_docs : int, optional
        Documents per block (default: all at once).
    """
    beta = np.asarray(exp_elog_beta)
    dtype = beta.dtype if beta.dtype.kind == "f" else np.dtype(np.float64)
    eps = float(np.finfo(dtype).eps)
    beta = np.ascontiguousarray(beta, dtype=dtype)
    k, v = beta.shape
    x = sp.csr_matrix(matrix)
    if not x.has_canonical_format:
        x = x.copy()
        x.sum_duplicates()
    n_docs = x.shape[0]
    if x.shape[1] > v:
        raise ValueError(f"the matrix has {x.shape[1]} columns, the model {v} terms")
    gamma = np.array(gamma0, dtype=dtype)
    if gamma.shape != (n_docs, k):
        raise ValueError(f"gamma0 has shape {gamma.shape}, expected {(n_docs, k)}")
    alpha = np.broadcast_to(np.asarray(alpha, dtype=dtype), (k,)).copy()
    if iterations < 1 or n_docs == 0:
        return gamma
    module = native()
    if module is not None and dtype == np.float64:  # the same loop per document, compiled
        module.lda_estep(
            x.indptr.astype(np.int64),
            x.indices.astype(np.int64),
            np.asarray(x.data, dtype=np.float64),
            np.ascontiguousarray(beta.T),
            alpha,
            gamma,
            int(iterations),
            float(gamma_threshold),
            eps,
        )
        return gamma
    lengths = np.diff(x.indptr)
    empty = lengths == 0
    if empty.any():  # no terms: the first update gives alpha, and so does every later one
        gamma[empty] = alpha
    docs = np.flatnonzero(~empty)
    step = max(int(block_docs or len(docs)), 1)
    beta_t = np.ascontiguousarray(beta.T)
    for start in range(0, len(docs), step):
        block = docs[start : start + step]
        sub = x[block] if len(block) != n_docs else x
        _run_block(
            beta_t,
            alpha,
            sub.indptr.astype(np.int64),
            sub.indices.astype(np.int64),
            np.asarray(sub.data, dtype=dtype),
            gamma,
            block,
            iterations,
            gamma_threshold,
            eps,
        )
    return gamma


def _topic_rows(beta_n: np.ndarray, rows: np.ndarray, n_docs: int) -> sp.csr_matrix:
    """(nnz, D*K) matrix: row n holds expElogbeta[:, w_n] at columns d_n*K .. d_n*K+K-1.

    Its product with ``expElogtheta.ravel()`` is each nonzero's normaliser
    ``expElogtheta[d_n] . expElogbeta[:, w_n]``, in one C loop.
    """
    nnz, k = beta_n.shape
    cols = (rows[:, None] * k + np.arange(k)).ravel()
    return sp.csr_matrix(
        (beta_n.ravel(), cols, np.arange(0, nnz * k + 1, k)), shape=(nnz, n_docs * k)
    )


def _run_block(
    beta_t: np.ndarray,
    alpha: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    cts: np.ndarray,
    gamma: np.ndarray,
    ids: np.ndarray,
    iterations: int,
    threshold: float,
    eps: float,
    compact_below: float = 0.6,
) -> None:
    """Iterate the (non-empty) documents ``ids`` until each stops; write their gamma.

    Stopped documents are written at once and masked out; the working set is
    compacted when fewer than ``compact_below`` of its documents still run.
    """
    v, k = beta_t.shape
    mean_weights = np.full(k, 1.0 / k, dtype=beta_t.dtype)
    g = gamma[ids]

    def build(indptr: np.ndarray, indices: np.ndarray, lengths: np.ndarray) -> tuple[Any, Any]:
        n = len(lengths)
        rows = np.repeat(np.arange(n), lengths)
        aux = _topic_rows(beta_t[indices], rows, n)
        ratio = sp.csr_matrix(
            (np.empty(len(indices), dtype=beta_t.dtype), indices, indptr), shape=(n, v)
        )
        return aux, ratio

    lengths = np.diff(indptr)
    aux, ratio = build(indptr, indices, lengths)
    alive: np.ndarray | None = None  # None: every document of the working set still runs
    exp_theta = _exp_dirichlet_expectation(g)
    phinorm = aux @ exp_theta.ravel() + eps
    for it in range(1, iterations + 1):
        np.divide(cts, phinorm, out=ratio.data)
        new = ratio @ beta_t  # (A, K): sum over terms of cts / phinorm * expElogbeta[:, w]
        new *= exp_theta
        new += alpha
        if it == iterations:  # gensim's cap: the last update, converged or not
            sel = slice(None) if alive is None else alive
            gamma[ids[sel]] = new[sel]
            return
        done = np.abs(new - g) @ mean_weights < threshold
        g = new
        if alive is not None:
            done &= alive
        if done.any():
            gamma[ids[done]] = g[done]
            alive = ~done if alive is None else alive & ~done
            n_alive = int(np.count_nonzero(alive))
            if n_alive == 0:
                return
            if n_alive < compact_below * len(ids):
                keep = np.repeat(alive, lengths)
                ids, g, lengths = ids[alive], g[alive], lengths[alive]
                indptr = np.zeros(len(ids) + 1, dtype=np.int64)
                np.cumsum(lengths, out=indptr[1:])
                indices, cts = indices[keep], cts[keep]
                aux, ratio = build(indptr, indices, lengths)
                alive = None
        exp_theta = _exp_dirichlet_expectation(g)
        phinorm = aux @ exp_theta.ravel() + eps
