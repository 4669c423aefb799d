"""Vectorised correlogram counts with pynapple's bin edges.

pynapple's kernel walks, for every reference time ``t1[i]``, the edges
``e_0 = t1[i] - w`` and ``e_{j+1} = e_j + binsize`` (repeated addition, so ``e_j`` is not
always ``e_0 + j * binsize`` in floating point) and counts the targets ``t2`` with
``e_j <= t2 < e_{j+1}`` in bin ``j``. Here the same edges are built for a block of
reference times with one ``np.add.accumulate`` (a sequential sum, as the kernel's), the
targets inside ``[e_0, e_nbins)`` of each reference come from two ``searchsorted`` calls,
each pair's bin is estimated from its lag and corrected against the exact edges, and one
``bincount`` per block sums the pairs for every target label. Work is proportional to the
number of pairs in the window, never to ``len(t1) * len(t2)``.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["correlogram_counts", "merge_units", "window_bins"]

#: Edge values per block of reference times (8 MiB of float64).
_EDGE_BLOCK = 1 << 20
#: Pairs per step (bounds the temporaries at a few tens of MiB).
_PAIR_BLOCK = 1 << 20


def window_bins(binsize: float, windowsize: float) -> tuple[int, float]:
    """Number of bins (odd) and half-width ``w`` of pynapple's correlogram window.

    >>> window_bins(1.0, 10.0)
    (21, 10.5)
    """
    nbins = int((windowsize * 2) // binsize)
    if nbins % 2 == 0:
        nbins += 1
    return nbins, (nbins / 2) * binsize


def merge_units(times: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All units' sorted times in one sorted array, with each time's unit position.

    >>> merge_units([np.array([0.0, 2.0]), np.array([1.0])])
    (array([0., 1., 2.]), array([0, 1, 0]))
    """
    if not times:
        return np.zeros(0), np.zeros(0, np.intp)
    t = np.concatenate([np.asarray(x, dtype=np.float64) for x in times])
    labels = np.repeat(np.arange(len(times), dtype=np.intp), [len(x) for x in times])
    order = np.argsort(t, kind="stable")
    return t[order], labels[order]


def correlogram_counts(
    t1: np.ndarray,
    t2: np.ndarray,
    labels: np.ndarray,
    n_labels: int,
    binsize: float,
    windowsize: float,
) -> np.ndarray:
    """Counts of ``t2`` (sorted, unit ``labels``) in the bins around each ``t1`` (sorted).

    Returns an ``(n_labels, nbins)`` float64 array: the sum over reference times of the
    number of targets of each label in each bin, as pynapple's kernel counts them.

    >>> t = np.array([0.0, 1.0, 2.0])
    >>> correlogram_counts(t, t, np.zeros(3, np.intp), 1, 1.0, 1.0)
    array([[2., 3., 2.]])
    """
    nbins, w = window_bins(binsize, windowsize)
    counts = np.zeros(n_labels * nbins, dtype=np.int64)
    n1 = t1.size
    if n1 == 0 or t2.size == 0 or n_labels == 0:
        return counts.reshape(n_labels, nbins).astype(np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    rows_per_block = max(1, _EDGE_BLOCK // (nbins + 1))
    step = np.full(nbins + 1, binsize)
    for r0 in range(0, n1, rows_per_block):
        r1 = min(n1, r0 + rows_per_block)
        edges = np.empty((r1 - r0, nbins + 1))
        edges[:] = step
        edges[:, 0] = t1[r0:r1] - w
        np.add.accumulate(edges, axis=1, out=edges)
        lo = np.searchsorted(t2, edges[:, 0], side="left")
        hi = np.searchsorted(t2, edges[:, -1], side="left")
        _count_block(edges, lo, hi, t2, labels, nbins, binsize, counts)
    return counts.reshape(n_labels, nbins).astype(np.float64)


def _count_block(
    edges: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    t2: np.ndarray,
    labels: np.ndarray,
    nbins: int,
    binsize: float,
    counts: np.ndarray,
) -> None:
    n = hi - lo
    ends = np.cumsum(n)
    total = int(ends[-1]) if ends.size else 0
    if total == 0:
        return
    # split the rows so that each step holds at most _PAIR_BLOCK pairs (a row at least)
    cuts = [0]
    while cuts[-1] < n.size:
        done = int(ends[cuts[-1] - 1]) if cuts[-1] else 0
        nxt = int(np.searchsorted(ends, done + _PAIR_BLOCK, side="right"))
        cuts.append(max(nxt, cuts[-1] + 1))
    width = nbins + 1
    flat_edges = edges.ravel()
    scale = max(float(np.abs(edges[:, [0, -1]]).max()), binsize)
    tol = 8.0 * (nbins + 8) * np.finfo(np.float64).eps * scale / binsize
    for a, b in itertools.pairwise(cuts):
        na = n[a:b]
        m = int(na.sum())
        if m == 0:
            continue
        rows = np.repeat(np.arange(a, b), na)
        offsets = np.cumsum(na) - na
        k = np.arange(m) - np.repeat(offsets - lo[a:b], na)
        tk = t2[k]
        base = rows * width
        e0 = np.repeat(edges[a:b, 0], na)
        d = (tk - e0) / binsize
        j = np.floor(d).astype(np.intp)
        np.clip(j, 0, nbins - 1, out=j)
        # the accumulated edges differ from e0 + j * binsize by a few ulps at most: only
        # pairs that close to an edge are checked against the exact edges
        frac = d - j
        near = np.flatnonzero((frac < tol) | (frac > 1.0 - tol))
        if near.size:
            jn, tn, bn = j[near], tk[near], base[near]
            while True:
                down = tn < flat_edges[bn + jn]
                jn -= down
                up = tn >= flat_edges[bn + jn + 1]
                jn += up
                if not (down.any() or up.any()):
                    break
            j[near] = jn
        counts += np.bincount(labels[k] * nbins + j, minlength=counts.size)
