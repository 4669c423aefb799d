"""Binning and lookups of time series: ``count``, ``bin_average``, ``value_from``,
``interpolate``, ``trial_count`` and ``to_trial_tensor``, out of core.

* ``count`` is a search of the bin edges in the time index: arithmetic for a regular
  index, no read of the data at all.
* ``bin_average`` turns each bin into a row range of the data (a search of its edges)
  and streams the rows through the engine, summing in float64 per bin (bins cut by a
  block boundary are accumulated across blocks); the result may be written to ``out=``.
* ``value_from`` and ``interpolate`` locate the rows they need with the target's index
  and read only those rows, one contiguous read per run of nearby rows.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
>>> tsd.count(2.0).values
array([2, 2, 2, 2, 2])
>>> tsd.bin_average(5.0).values
array([2., 7.])
>>> nap.Ts(t=[1.2, 3.6]).value_from(tsd).values
array([1., 4.])
"""

from __future__ import annotations

import os
from numbers import Number
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from memphys._validation import describe, found_type, pynapple_error
from memphys.arrays.base import LazyArray
from memphys.core._ts_group_ops import (
    _count_edges,
    bin_seconds,
    check_count_args,
    check_trial_count_args,
    trial_tensor,
)
from memphys.core._tsd_engine import (
    check_job_kwargs,
    epoch_rows,
    gather_rows,
    source_of,
)
from memphys.core.base_class import (
    _Base,
    _initialize_tsd_output,
    budget,
    budget_error,
    make_time_index,
    row_nbytes,
)
from memphys.core.interval_set import IntervalSet
from memphys.errors import (
    MemphysError,
    MemphysOSError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)

if TYPE_CHECKING:
    from memphys.core._base_tsd import _BaseTsd

__all__ = [
    "bin_average",
    "count",
    "interpolate",
    "to_trial_tensor",
    "trial_count",
    "value_from",
]


def _bin_rows(obj: Any, ep: IntervalSet, bin_size: float | None) -> tuple[Any, ...]:
    """Bin centers and the row range ``[lo[k], hi[k])`` of each bin, and bins per epoch."""
    starts = np.asarray(ep.start, dtype=np.float64)
    ends = np.asarray(ep.end, dtype=np.float64)
    centers, edges, opens, n_bins = _count_edges(starts, ends, bin_size)
    pos = np.asarray(obj._ti.searchsorted(edges, side="left"), dtype=np.int64).reshape(-1)
    which = np.flatnonzero(opens)
    return centers, pos[which], pos[which + 1], n_bins


_EDGE_CHUNK = 1 << 20  # edges searched at a time by _bin_counts (8 MiB of positions)


def _bin_counts(
    obj: Any, ep: IntervalSet, bin_size: float | None, dtype: np.dtype[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Bin centers and the number of samples in each bin, in bounded temporaries.

    Equal to ``hi - lo`` of :func:`_bin_rows`, but the edges are searched in chunks, so
    besides the edges, the centers and the counts only O(chunk) memory is used (counting
    5 M bins no longer needs five full-length index arrays).
    """
    starts = np.asarray(ep.start, dtype=np.float64)
    ends = np.asarray(ep.end, dtype=np.float64)
    centers, edges, opens, _ = _count_edges(starts, ends, bin_size)
    out = np.empty(centers.size, dtype=dtype)
    n, k = edges.size, 0
    for a in range(0, n, _EDGE_CHUNK):
        b = min(a + _EDGE_CHUNK, n)
        pos = np.asarray(obj._ti.searchsorted(edges[a : min(b + 1, n)], side="left"))
        pos = pos.astype(np.int64, copy=False).reshape(-1)
        if pos.size == b - a:  # the last edge overall closes a bin: it opens none
            pos = np.append(pos, pos[-1])
        sel = np.diff(pos)[opens[a:b]]
        out[k : k + sel.size] = sel
        k += sel.size
    return centers, out


# --- count --------------------------------------------------------------------------------
def count(
    self: _Base,
    bin_size: float | None = None,
    ep: IntervalSet | None = None,
    time_units: str = "s",
    dtype: Any = None,
) -> Any:
    """Number of samples (events) per bin, or per epoch, as a Tsd at the bin centers.

    1. ``count(bin_size)``: bins of ``bin_size`` from the start of each epoch of the time
       support (a bin is kept while its center is inside the epoch).
    2. ``count(bin_size, ep=epochs)``: the same over ``epochs``.
    3. ``count(ep=bins)``: one count per epoch of ``bins`` (both ends included).
    4. ``count()``: one count per epoch of the time support.

    Counting is a search of the bin edges in the time index: no data is read, and a
    regular index answers it arithmetically.

    Parameters
    ----------
    bin_size : float, optional
        Bin size in ``time_units``.
    ep : IntervalSet, optional
        Epochs to count in (default: the time support); the result's time support.
    time_units : {"s", "ms", "us"}
        Units of ``bin_size``.
    dtype : dtype_like, optional
        dtype of the counts (default int64).

    Returns
    -------
    Tsd

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=[0.1, 0.2, 1.5, 3.2])
    >>> c = ts.count(1.0, ep=nap.IntervalSet(0, 4))
    >>> c.t, c.values
    (array([0.5, 1.5, 2.5, 3.5]), array([2, 1, 0, 1]))
    >>> ts.count(ep=nap.IntervalSet([0, 1], [0.5, 4])).values
    array([2, 2])
    """
    size, ep, dt = check_count_args(bin_size, ep, time_units, dtype, self.time_support)
    centers, counts = _bin_counts(self, ep, size, dt)
    ti = make_time_index(centers)
    return _initialize_tsd_output(self, counts, ti, ep, drop_metadata=True)


def trial_count(
    self: _Base,
    ep: IntervalSet,
    bin_size: float,
    align: str = "start",
    padding_value: float = np.nan,
    time_unit: str = "s",
) -> np.ndarray:
    """Counts per trial and bin: an array ``(n_trials, n_bins)``.

    Each interval of ``ep`` is a trial, binned as :meth:`count` does; shorter trials are
    padded with ``padding_value`` at the end (``align="start"``) or at the beginning
    (``align="end"``).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=np.arange(0, 100.0))
    >>> ts.trial_count(nap.IntervalSet(start=[20, 40], end=[22, 44]), bin_size=1)
    array([[ 1.,  1., nan, nan],
           [ 1.,  1.,  1.,  1.]])
    """
    size = check_trial_count_args(ep, bin_size, align, time_unit)
    _, lo, hi, n_bins = _bin_rows(self, ep, size)
    counts: np.ndarray = trial_tensor((hi - lo)[:, None], n_bins, align, padding_value)[0]
    return counts


# --- bin_average --------------------------------------------------------------------------
class _BinAverageArray(LazyArray):
    """The per-bin means of a source, computed when read (one row per bin).

    Bin ``k`` is the mean over rows ``[lo[k], hi[k])`` (NaN when empty), summed in float64.
    Reading bins reads their rows in sub-blocks of bounded size; a bin cut by a sub-block
    boundary is accumulated across sub-blocks.
    """

    kind: ClassVar[str] = "memphys.bin_average"

    def __init__(self, source: LazyArray, lo: np.ndarray, hi: np.ndarray, rows: int) -> None:
        self.source = source
        self.lo = np.asarray(lo, dtype=np.int64)
        self.hi = np.asarray(hi, dtype=np.int64)
        self.rows = max(1, int(rows))
        self.shape = (int(self.lo.size), *tuple(source.shape[1:]))
        self.dtype = np.dtype(np.float64)

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        lo, hi = self.lo[start:stop], self.hi[start:stop]
        trailing = self.shape[1:]
        ch = channels if self.source.ndim >= 2 else None
        probe = np.empty((0, *trailing))
        if ch is not None and trailing:
            trailing = probe[:, ch].shape[1:]
        sums = np.zeros((stop - start, *trailing), dtype=np.float64)
        if stop > start:
            r0, r1 = int(lo.min()), int(hi.max())
            for a in range(r0, r1, self.rows):
                b = min(a + self.rows, r1)
                x = self.source.read(a, b, ch)
                # only the bins overlapping rows [a, b) (bins are sorted by rows)
                k0 = int(np.searchsorted(hi, a, side="right"))
                k1 = int(np.searchsorted(lo, b, side="left"))
                if k1 <= k0:
                    continue
                s = np.clip(lo[k0:k1] - a, 0, b - a)
                e = np.clip(hi[k0:k1] - a, 0, b - a)
                full = e > s
                if not full.any():
                    continue
                ss, ee = s[full], e[full]
                # integers are summed exactly in int64 (equal to a float64 sum, and 3-4x
                # faster than converting every block to float64 first)
                acc = np.int64 if x.dtype.kind in "iub" else np.float64
                # the slice x[:e_last] ends the last bin, so no index reaches len(x)
                if np.array_equal(ee[:-1], ss[1:]):  # adjacent bins: starts suffice
                    part = np.add.reduceat(x[: int(ee[-1])], ss, axis=0, dtype=acc)
                else:  # [s0, e0, s1, e1, ..., s_last]; the (e_i, s_i+1) gaps are dropped
                    idx = np.column_stack([ss, ee]).reshape(-1)[:-1]
                    part = np.add.reduceat(x[: int(ee[-1])], idx, axis=0, dtype=acc)[0::2]
                sums[k0:k1][full] += part
        n = (hi - lo).astype(np.float64).reshape(-1, *([1] * len(trailing)))
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / n

    def recipe(self) -> dict[str, Any]:
        raise MemphysError("a bin average has no recipe (it is pickled whole)")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> _BinAverageArray:
        raise MemphysError("a bin average has no recipe")

    def __reduce__(self) -> Any:
        return (type(self), (self.source, self.lo, self.hi, self.rows))


def _identity(data: np.ndarray) -> np.ndarray:
    return data


def bin_average(
    self: _BaseTsd,
    bin_size: float,
    ep: IntervalSet | None = None,
    time_units: str = "s",
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Average of the samples in bins of ``bin_size``, at the bin centers.

    Bins start at each epoch's start (``ep``, default the time support) and are kept
    while their center is inside the epoch; a bin averages the samples in
    ``[left edge, right edge)`` (NaN when empty). Sums are float64; the data is streamed
    through the engine block by block, so a recording of any size is averaged in bounded
    memory.

    Parameters
    ----------
    bin_size : float
        Bin size in ``time_units``.
    ep : IntervalSet, optional
        Epochs to bin (default: the time support); the result's time support.
    time_units : {"s", "ms", "us"}
    out : None, str, numpy.ndarray or zarr.Array
        Where to write the averages: a ``.npy`` or ``.zarr`` path (the result then reads it
        lazily) or an array of the result's shape. By default in memory, or a temporary
        file when they do not fit the available memory.
    **job_kwargs
        ``n_jobs``, ``chunk_size`` (bins per block), ``progress_bar``, ``pool_engine``, ...

    Returns
    -------
    Tsd, TsdFrame or TsdTensor
        float64 averages.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100, dtype="int16"))
    >>> b = tsd.bin_average(10, ep=nap.IntervalSet(10, 40))
    >>> b.t, b.values
    (array([15., 25., 35.]), array([14.5, 24.5, 34.5]))
    """
    from memphys.engine import FuncOp, run_op

    job = check_job_kwargs(job_kwargs, "bin_average")
    if not isinstance(ep, IntervalSet):
        ep = self.time_support
    size = bin_seconds(bin_size, time_units)
    centers, lo, hi, _ = _bin_rows(self, ep, size)
    trailing = tuple(self.shape[1:])
    elems = int(np.prod(trailing, dtype=np.int64))
    rb = max(row_nbytes(self.values), 1)
    rows = max(1, min(budget() // 16, 4 * 2**20) // (max(elems, 1) * 8 + rb))
    src = _BinAverageArray(source_of(self.values), lo, hi, rows)
    if centers.size == 0:
        values: Any = np.empty((0, *trailing), dtype=np.float64)
    else:
        # one row per bin: the averages, their float64 sums and the copy into the result
        # (the source rows of a bin are read in sub-blocks of bounded size by the
        # bin-average source itself)
        op = FuncOp(
            _identity, dtype=np.float64, trailing_shape=trailing, factor=3.0, label="bin_average"
        )
        values = run_op(op, src, out=out, **job)
    if out is not None and not isinstance(out, str | os.PathLike):
        values = out
    return _initialize_tsd_output(self, values, make_time_index(centers), ep)


# --- value_from ---------------------------------------------------------------------------
def _target_positions(t: np.ndarray, target_ti: Any, a: int, b: int, mode: str) -> np.ndarray:
    """Positions (global, float with NaN for none) in the target rows ``[a, b)`` for ``t``.

    pynapple's rules: ``before`` the last target at or before ``t``; ``after`` the first
    at or after ``t``; ``closest`` the nearest (a tie goes to the later target, and among
    equal target times to the last).
    """
    out = np.full(t.size, np.nan)
    if b <= a or t.size == 0:
        return out
    right = np.clip(np.asarray(target_ti.searchsorted(t, side="right"), dtype=np.int64), a, b)
    left = np.clip(np.asarray(target_ti.searchsorted(t, side="left"), dtype=np.int64), a, b)
    if mode == "before":
        ok = right > a
        out[ok] = right[ok] - 1
        return out
    if mode == "after":
        ok = left < b
        out[ok] = left[ok]
        return out
    # closest: candidates left - 1 (< t) and the last target equal to target[left]
    after = np.minimum(left, b - 1)
    t_after = target_ti.take(after)
    last_eq = np.clip(
        np.asarray(target_ti.searchsorted(t_after, side="right"), dtype=np.int64) - 1, a, b - 1
    )
    before = np.maximum(left - 1, a)
    t_before = target_ti.take(before)
    use_after = (left < b) & ((left == a) | (np.abs(t_after - t) <= np.abs(t - t_before)))
    return np.where(use_after, last_eq, before).astype(np.float64)


def value_from(self: _Base, data: Any, ep: IntervalSet | None = None, mode: str = "closest") -> Any:
    """The values of ``data`` at the times of this object.

    For each time of this object inside an epoch of ``ep``, the value of ``data`` (in the
    same epoch) at the closest time (``mode="closest"``), the last time before
    (``"before"``) or the first time after (``"after"``); NaN when there is none (the
    dtype then becomes float).

    Only the needed rows of ``data`` are read: positions are found with its time index
    and rows are read with one contiguous read per run of nearby positions, so 1,000
    events read about 1,000 rows of a recording of any size.

    Parameters
    ----------
    data : Tsd, TsdFrame or TsdTensor
        The object holding the values.
    ep : IntervalSet, optional
        Epochs to use (default: the time support of ``data``); the result's time support.
    mode : {"closest", "before", "after"}

    Returns
    -------
    Tsd, TsdFrame or TsdTensor
        Same type as ``data``, on the times of this object.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.Tsd(t=np.arange(0.0, 10.0), d=np.arange(10) * 10)
    >>> ts = nap.Ts(t=[2.4, 2.6, 8.5])
    >>> ts.value_from(x).values
    array([20, 30, 90])
    >>> ts.value_from(x, mode="before").values
    array([20, 20, 80])
    """
    if not isinstance(data, _Base) and not hasattr(data, "values"):
        raise pynapple_error(
            MemphysTypeError,
            "First argument should be an instance of Tsd, TsdFrame or TsdTensor",
            found_type(data),
        )
    if ep is None:
        ep = data.time_support
    if not isinstance(ep, IntervalSet):
        raise pynapple_error(
            MemphysTypeError,
            "Argument ep should be of type IntervalSet or None",
            found_type(ep),
        )
    if mode not in ("closest", "before", "after"):
        raise MemphysValueError(
            f'Argument ``mode`` should be "closest", "before", or "after". ``{mode}`` '
            "provided instead."
        )
    has_values = isinstance(data, _Base) and hasattr(data, "values")  # a Tsd, TsdFrame, ...
    if not has_values:
        raise MemphysTypeError("First argument should be an instance of Tsd, TsdFrame or TsdTensor")
    i0, i1 = epoch_rows(self, ep)
    j0, j1 = epoch_rows(data, ep)
    times, idx = [], []
    for a, b, c, d in zip(i0.tolist(), i1.tolist(), j0.tolist(), j1.tolist(), strict=True):
        if b > a:
            t = self._ti._read(a, b)
            times.append(t)
            idx.append(_target_positions(t, data._ti, c, d, mode))
    t_all = np.concatenate(times) if times else np.zeros(0)
    p_all = np.concatenate(idx) if idx else np.zeros(0)
    valid = ~np.isnan(p_all)
    dtype = np.dtype(data.dtype)
    if not valid.all() and not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    shape = (t_all.size, *tuple(data.shape[1:]))
    if np.issubdtype(dtype, np.floating):
        values = np.full(shape, np.nan, dtype=dtype)
    else:
        values = np.zeros(shape, dtype=dtype)
    if valid.any():
        pos = p_all[valid].astype(np.int64)
        uniq, inverse = np.unique(pos, return_inverse=True)
        rows = gather_rows(data.values, uniq)
        values[valid] = rows[inverse.reshape(-1)]
    ti = make_time_index(t_all) if t_all.size else self._ti[0:0]
    support = IntervalSet(start=ep.start, end=ep.end)
    return data._define_instance(ti, support, values=values)


# --- interpolate --------------------------------------------------------------------------
def interpolate(
    self: _BaseTsd,
    ts: Any,
    ep: IntervalSet | None = None,
    left: float | None = None,
    right: float | None = None,
) -> Any:
    """Linear interpolation of the data at the times of ``ts`` (``numpy.interp``), per epoch.

    Only the rows around the target times are read (plus each epoch's first and last
    row), with one contiguous read per run of nearby rows.

    Parameters
    ----------
    ts : Ts, Tsd, TsdFrame or TsdTensor
        The target times.
    ep : IntervalSet, optional
        Epochs (default: the time support); times of ``ts`` outside are dropped.
    left, right : float, optional
        Values before the first / after the last sample of an epoch (default: those
        samples' values).

    Returns
    -------
    Tsd, TsdFrame or TsdTensor
        float64 values on the times of ``ts`` inside ``ep``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(5.0), d=np.arange(5.0) * 2)
    >>> tsd.interpolate(nap.Ts(t=[0.5, 2.25, 3.5])).values
    array([1. , 4.5, 7. ])
    """
    if not isinstance(ts, _Base):
        raise MemphysOSError(
            "First argument should be an instance of Ts, Tsd, TsdFrame or TsdTensor"
        )
    if left is not None and not isinstance(left, Number):
        raise pynapple_error(
            MemphysOSError,
            "Argument left should be of type float or int",
            found_type(left),
            exact=True,
        )
    if right is not None and not isinstance(right, Number):
        raise pynapple_error(
            MemphysOSError,
            "Argument right should be of type float or int",
            found_type(right),
            exact=True,
        )
    if ep is None:
        ep = self.time_support
    elif not isinstance(ep, IntervalSet):
        raise pynapple_error(
            MemphysOSError, "ep should be an object of type IntervalSet", found_type(ep), exact=True
        )
    i0, i1 = epoch_rows(self, ep)
    k0, k1 = epoch_rows(ts, ep)
    trailing = tuple(self.shape[1:])
    pieces, times = [], []
    for a, b, c, d in zip(i0.tolist(), i1.tolist(), k0.tolist(), k1.tolist(), strict=True):
        t = ts._ti._read(c, d)
        times.append(t)
        res = np.full((t.size, *trailing), np.nan)
        if t.size and b > a:
            j = np.clip(np.asarray(self._ti.searchsorted(t, side="left"), dtype=np.int64), a, b)
            pos = np.unique(np.concatenate([[a, b - 1], j[j < b], np.maximum(j - 1, a)]))
            xp = self._ti.take(pos)
            fp = gather_rows(self.values, pos).astype(np.float64, copy=False)
            flat = fp.reshape(fp.shape[0], -1)
            out = np.empty((t.size, flat.shape[1]))
            for col in range(flat.shape[1]):
                out[:, col] = np.interp(t, xp, flat[:, col], left=left, right=right)
            res = out.reshape(t.size, *trailing)
        pieces.append(res)
    t_all = np.concatenate(times) if times else np.zeros(0)
    values = np.concatenate(pieces) if pieces else np.zeros((0, *trailing))
    return _initialize_tsd_output(self, values, make_time_index(t_all), ep)


# --- to_trial_tensor ----------------------------------------------------------------------
def to_trial_tensor(
    self: _BaseTsd, ep: IntervalSet, align: str = "start", padding_value: float = np.nan
) -> np.ndarray:
    """A trial-based array: one trial per epoch of ``ep``, padded to the longest.

    The shape is ``(*shape[1:], n_trials, n_time)``; trials are aligned to their start
    (padding after) or their end (padding before). One contiguous read per trial.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
    >>> tsd.to_trial_tensor(nap.IntervalSet([1, 5], [2, 8]))
    array([[ 1.,  2., nan, nan],
           [ 5.,  6.,  7.,  8.]])
    """
    if not isinstance(ep, IntervalSet):
        raise pynapple_error(
            MemphysRuntimeError, "Argument ep should be of type IntervalSet", found_type(ep)
        )
    if align not in ("start", "end"):
        raise pynapple_error(
            MemphysRuntimeError, "align should be 'start' or 'end'", describe(align)
        )
    slices = [self.get_slice(s, e) for s, e in ep.values]
    lengths = [sl.stop - sl.start for sl in slices]
    n_t = max(lengths) if lengths else 0
    trailing = tuple(self.shape[1:])
    nbytes = len(ep) * n_t * int(np.prod(trailing, dtype=np.int64)) * 8
    if nbytes > budget():
        raise budget_error("to_trial_tensor()", nbytes, self.values)
    output = np.ones((len(ep), n_t, *trailing)) * padding_value
    for i, sl in enumerate(slices):
        if lengths[i] <= 0:
            continue
        block = self._read_block(sl.start, sl.stop)
        if align == "start":
            output[i, : lengths[i]] = block
        else:
            output[i, n_t - lengths[i] :] = block
    if output.ndim > 2:
        output = np.moveaxis(output, source=[0, 1], destination=[-2, -1])
    return output
