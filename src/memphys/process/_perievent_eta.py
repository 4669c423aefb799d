"""The event-triggered average, reading only the samples of the bins around events.

pynapple's ETA (``compute_event_triggered_average``) bins the events with
``events.count(binsize, epochs)``, gives each bin ``b`` a value ``v[b]`` computed from
the data samples of the bin, and returns, for each offset ``r`` of the window
``[-w0, w1]`` (in bins),

    ETA[r, n] = sum_c count[c, n] * v[c + r - w0] / sum_c count[c, n]

where ``v`` is 0 outside the run of bins ``c`` belongs to. Only bins within ``[c - w0,
c + w1]`` of a bin ``c`` holding an event contribute, so only the samples of those bins
are needed: a few thousand windows instead of the whole recording. This module computes
``v`` for those bins only, with the rules of pynapple's kernel reproduced exactly:

* a *run* of bins is processed per epoch that holds data: from where the previous run
  stopped up to the first bin whose left edge is past the epoch's end (at least one
  bin); bins of epochs without data join the next run;
* ``v[b]`` is the mean of the epoch's samples in ``[left, right)`` of the bin (``right``
  is ``round(left + binsize, 9)``); when the bin holds none, the last earlier sample of
  the epoch (sample-and-hold); 0 when the epoch has no sample before ``right`` (for the
  first such bin of a run, and for all of them in the first run; later ones hold the
  previous epoch's last sample, as pynapple's pointer does); 0 when the mean holds a NaN;
* an event bin counts in the sum only when its run has more than ``w1`` bins, but every
  event counts in the denominator.

Sums are float64 over the bin's samples in order (pynapple sums in the data's dtype),
so results agree with pynapple's to float rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.core.blocks import memory_budget
from memphys.process._perievent_reads import read_ranges

__all__ = ["event_triggered_average"]


def _runs(
    lb: np.ndarray, ends: np.ndarray, p0: np.ndarray, p1: np.ndarray
) -> list[tuple[int, int, int, int]]:
    """Runs ``(t0, t1, P, Q)``: bins ``[t0, t1)`` use the samples ``[P, Q)``."""
    n_bins = lb.size
    out: list[tuple[int, int, int, int]] = []
    t = 0
    for k in range(p0.size):
        if p1[k] <= p0[k]:
            continue
        if t >= n_bins:
            break
        stop = int(np.searchsorted(lb, ends[k], side="right"))
        t1 = min(n_bins, max(t + 1, stop))
        out.append((t, t1, int(p0[k]), int(p1[k])))
        t = t1
    return out


def event_triggered_average(
    data: Any,
    counts: np.ndarray,
    lb: np.ndarray,
    binsize: float,
    starts: np.ndarray,
    ends: np.ndarray,
    w0: int,
    w1: int,
    job_kwargs: dict[str, Any] | None = None,
) -> np.ndarray:
    """The ``(w0 + w1 + 1, n_units, *data.shape[1:])`` float64 ETA (see the module doc).

    ``counts`` is ``(n_bins, n_units)``, ``lb`` the bins' left edges (sorted).
    """
    trailing = tuple(data.shape[1:])
    n_feat = int(np.prod(trailing, dtype=np.int64))
    n_units = counts.shape[1]
    width = w0 + w1 + 1
    eta = np.zeros((width, n_units, n_feat))
    total = counts.sum(axis=0).astype(np.float64)
    if lb.size == 0:
        return eta.reshape(width, n_units, *trailing)
    p0, p1 = data.time_index.epoch_positions(starts, ends)
    runs = _runs(lb, np.asarray(ends, dtype=np.float64), np.asarray(p0), np.asarray(p1))
    if not runs:
        return eta.reshape(width, n_units, *trailing)
    t0s = np.array([r[0] for r in runs], dtype=np.int64)
    t1s = np.array([r[1] for r in runs], dtype=np.int64)
    ps = np.array([r[2] for r in runs], dtype=np.int64)
    qs = np.array([r[3] for r in runs], dtype=np.int64)
    # event bins (any unit) inside a run of more than w1 bins; no array per bin is made
    cbins = np.flatnonzero(np.any(counts != 0, axis=1))
    rid_all = np.searchsorted(t0s, cbins, side="right") - 1
    keep = rid_all >= 0
    keep[keep] = cbins[keep] < t1s[rid_all[keep]]
    keep[keep] = (t1s - t0s)[rid_all[keep]] > w1
    cbins, rid_all = cbins[keep], rid_all[keep]
    if cbins.size == 0:
        return eta.reshape(width, n_units, *trailing)
    rbytes = max(1, width * n_feat * 8 * 3 + width * 8 * 6)
    batch = max(1, memory_budget() // (4 * rbytes))
    values = data.values
    offsets = np.arange(width)
    for a in range(0, cbins.size, batch):
        cb = cbins[a : a + batch]
        rid = rid_all[a : a + batch]
        lo = np.maximum(cb - w0, t0s[rid])
        hi = np.minimum(cb + w1 + 1, t1s[rid])
        rows = cb[:, None] - w0 + offsets[None, :]  # the bin at offset r of each event bin
        ok = (rows >= lo[:, None]) & (rows < hi[:, None])
        bins, inv = np.unique(rows[ok], return_inverse=True)
        brid = np.asarray(np.searchsorted(t0s, bins, side="right") - 1, dtype=np.int64)
        v = _bin_values(data, values, bins, brid, lb, binsize, t0s, ps, qs, job_kwargs)
        mat = np.zeros((cb.size, width, n_feat))
        mat[ok] = v[inv.reshape(-1)]
        weights = np.asarray(counts[cb], dtype=np.float64)
        eta += np.einsum("cn,cwf->wnf", weights, mat)
    nz = total > 0
    eta[:, nz] /= total[nz][None, :, None]
    return eta.reshape(width, n_units, *trailing)


def _bin_values(
    data: Any,
    values: Any,
    bins: np.ndarray,
    rid: np.ndarray,
    lb: np.ndarray,
    binsize: float,
    t0s: np.ndarray,
    ps: np.ndarray,
    qs: np.ndarray,
    job_kwargs: dict[str, Any] | None,
) -> np.ndarray:
    """``v`` (float64, ``(len(bins), n_feat)``) of the given bins (sorted; ``rid`` their runs)."""
    p, q = ps[rid], qs[rid]
    ti = data.time_index
    left = lb[bins]
    right = np.round(left + binsize, 9)
    e = np.clip(np.asarray(ti.searchsorted(right, side="left"), dtype=np.int64), p, q)
    f = np.clip(np.asarray(ti.searchsorted(left, side="left"), dtype=np.int64), p, q)
    lead = e <= p
    start = np.minimum(f, e - 1)
    stop = e.copy()
    # leading bins (no sample of the epoch before the bin's right edge): 0 for the first
    # bin of a run and in the first run; else the previous epoch's last sample
    hold_prev = lead & (bins != t0s[rid]) & (rid > 0)
    prev_last = np.where(rid > 0, qs[np.maximum(rid - 1, 0)] - 1, 0)
    empty_at = np.where(rid > 0, prev_last, p)  # keeps the ranges sorted
    start = np.where(lead, empty_at, start)
    stop = np.where(lead, np.where(hold_prev, prev_last + 1, empty_at), stop)
    buf, off = read_ranges(values, start, stop, job_kwargs=job_kwargs, what="this ETA")
    n = stop - start
    n_feat = int(np.prod(buf.shape[1:], dtype=np.int64))
    flat = buf.reshape(buf.shape[0], n_feat)
    out = np.zeros((bins.size, n_feat))
    full = n > 0
    if full.any() and flat.shape[0]:
        pad = np.concatenate([flat, np.zeros((1, n_feat), dtype=flat.dtype)], axis=0)
        idx = np.empty(2 * bins.size, dtype=np.int64)
        idx[0::2] = off
        idx[1::2] = off + n
        sums = np.add.reduceat(pad, idx, axis=0, dtype=np.float64)[0::2]
        out[full] = sums[full] / n[full, None]
    bad = np.isnan(out.sum(axis=1))
    out[bad] = 0.0
    return out
