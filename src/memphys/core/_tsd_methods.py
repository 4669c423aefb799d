"""``threshold``, ``to_tsgroup`` and ``find_peaks`` of time series.

``threshold`` runs through the engine epoch by epoch (a block reads one sample before
it, to see the crossings at its edge), so the kept samples and the epochs above (or
below) the threshold are found in bounded memory; the result must fit the memory budget.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(10.0), d=np.array([0, 0, 5, 6, 0, 0, 7, 0, 0, 0]))
>>> out = tsd.threshold(1)
>>> out.t, out.time_support.values.tolist()
(array([2., 3., 6.]), [[1.5, 3.5], [5.5, 6.5]])
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.core._kinds import kind, series_class
from memphys.core.base_class import budget, budget_error, row_nbytes
from memphys.core.blocks import apply_blocks, check_job_kwargs
from memphys.core.interval_set import IntervalSet
from memphys.engine import Block, BlockOp
from memphys.errors import MemphysTypeError, MemphysValueError

if TYPE_CHECKING:
    from memphys.core._base_tsd import _BaseTsd

__all__ = ["ThresholdOp", "find_peaks", "find_peaks_frame", "threshold", "to_tsgroup"]

_METHODS = {
    "above": operator.gt,
    "below": operator.lt,
    "aboveequal": operator.ge,
    "belowequal": operator.le,
}


class ThresholdOp(BlockOp):
    """Kept times and values, and the epoch bounds, of one block (pynapple's rules).

    A gather: a block reads one sample before it, to see the crossing at its edge.
    """

    kind = "gather"
    halo = (1, 0)
    label = "threshold"

    def __init__(self, ti: Any, thr: Any, method: str) -> None:
        self.ti, self.thr, self.method = ti, thr, method

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        return 8 * 4 + 4  # times, half-points, masks

    def __call__(self, data: np.ndarray, block: Block) -> tuple[np.ndarray, ...]:
        seg_start, seg_stop = block.segment_start, block.segment_stop
        t = self.ti._read(block.read_start, block.read_stop)
        m = np.asarray(_METHODS[self.method](data, self.thr))
        k = block.trim_before  # 0 at the epoch's first sample, else 1
        tb, mb = t[k:], m[k:]
        half = np.empty(tb.size)
        half[:] = np.nan
        prev_m = np.empty(mb.size, dtype=bool)
        if k:
            half[:] = tb - np.diff(t) / 2
            prev_m[:] = m[:-1]
        else:
            half[1:] = tb[1:] - np.diff(tb) / 2
            prev_m[1:] = mb[:-1]
            prev_m[0] = False
        first = np.zeros(mb.size, dtype=bool)
        if block.start == seg_start:
            first[0] = True
        last = np.zeros(mb.size, dtype=bool)
        if block.stop == seg_stop:
            last[-1] = True
        rises = mb & (first | ~prev_m)
        starts = np.where(first, tb, half)[rises]
        falls = ~mb & prev_m & ~first
        ends_mid = half[falls]
        ends_last = tb[last & mb]
        ends = np.sort(np.concatenate([ends_mid, ends_last]))
        return tb[mb], np.asarray(data[k:])[mb], starts, ends


def threshold(self: _BaseTsd, thr: Any, method: str = "above", **job_kwargs: Any) -> Any:
    """The samples above (or below) ``thr``, with the epochs where they are as time support.

    An epoch starts (ends) halfway between the samples where the condition turns true
    (false), or at the first (last) sample of an epoch of the time support.

    Parameters
    ----------
    thr : float
        The threshold.
    method : {"above", "below", "aboveequal", "belowequal"}
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``progress_bar``, ...

    Returns
    -------
    Tsd

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100.0))
    >>> tsd.threshold(50).time_support.values.tolist()
    [[50.5, 99.0]]
    """
    Tsd = series_class(1)
    job = check_job_kwargs(job_kwargs, "threshold")
    if method not in _METHODS:
        raise MemphysValueError(f"Method {method} for thresholding is not accepted.")
    parts = apply_blocks(self, ThresholdOp(self._ti, thr, method), **job)
    kept = sum(p[0].size for p in parts)
    if kept * (8 + row_nbytes(self.values)) > budget():
        raise budget_error("threshold()", kept * (8 + row_nbytes(self.values)), self.values)

    def cat(i: int, dtype: Any) -> np.ndarray:
        if not parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([p[i] for p in parts])

    t, d = cat(0, np.float64), cat(1, self.dtype)
    ns, ne = cat(2, np.float64), cat(3, np.float64)
    return Tsd(t=t, d=d, time_support=IntervalSet(start=ns, end=ne))


def to_tsgroup(self: _BaseTsd) -> Any:
    """A TsGroup with one Ts per distinct value (values converted to integers).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> g = nap.Tsd(t=np.arange(4.0), d=np.array([0, 2, 0, 1])).to_tsgroup()
    >>> g.keys(), g[0].t
    ([0, 1, 2], array([0., 2.]))
    """
    Ts, TsGroup = series_class(0), kind("TsGroup")
    t = self.t
    d = np.asarray(self._materialize("to_tsgroup()")).astype("int")
    group = {k: Ts(t=t[d == k], time_support=self.time_support) for k in np.unique(d)}
    return TsGroup(group, time_support=self.time_support, bypass_check=True)


def _check_peaks_args(self: _BaseTsd, epochs: object, return_prop: object) -> IntervalSet:
    if epochs is not None and not isinstance(epochs, IntervalSet):
        raise MemphysTypeError("epochs should be an IntervalSet.")
    if return_prop != 1 and return_prop != 0 and not isinstance(return_prop, bool):
        raise MemphysTypeError("return_prop should be a boolean.")
    return self.time_support if epochs is None else epochs


def find_peaks(
    self: _BaseTsd,
    epochs: IntervalSet | None = None,
    return_prop: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Peaks of the data (``scipy.signal.find_peaks``) inside ``epochs``.

    The samples of ``epochs`` are taken as one signal (as pynapple); keyword arguments
    (``height``, ``threshold``, ``distance``, ``prominence``, ``width``, ...) go to scipy.

    Returns
    -------
    Tsd, or TsdFrame with the peak properties as columns when ``return_prop``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> times = np.arange(0, 10, 0.1)
    >>> nap.Tsd(t=times, d=np.sin(times)).find_peaks().t
    array([1.6, 7.9])
    """
    from scipy.signal import find_peaks as scipy_find_peaks

    Tsd, TsdFrame = series_class(1), series_class(2)
    epochs = _check_peaks_args(self, epochs, return_prop)
    data = self.restrict(epochs)
    values = np.asarray(data._materialize("find_peaks()"))
    peaks, properties = scipy_find_peaks(values, *args, **kwargs)
    times = data.t[peaks]
    vals = values[peaks]
    if return_prop:
        return TsdFrame(
            t=times,
            d=np.stack([vals, *properties.values()], axis=1),
            columns=["peak_value", *properties.keys()],
            time_support=epochs,
        )
    return Tsd(t=times, d=vals, time_support=epochs)


def find_peaks_frame(
    self: _BaseTsd,
    epochs: IntervalSet | None = None,
    return_prop: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Peaks of each column (see :meth:`Tsd.find_peaks`), as a TsGroup (one unit per column).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> times = np.arange(0, 10, 0.1)
    >>> x = nap.TsdFrame(t=times, d=np.stack([np.sin(times), np.cos(times)], axis=1))
    >>> x.find_peaks()[1].t
    array([6.3])
    """
    Tsd, TsGroup = series_class(1), kind("TsGroup")
    epochs = _check_peaks_args(self, epochs, return_prop)
    data = self.restrict(epochs)
    values = np.asarray(data._materialize("find_peaks()"))
    return TsGroup(
        {
            i: Tsd(t=data.t, d=values[:, i], time_support=epochs).find_peaks(
                epochs, return_prop, *args, **kwargs
            )
            for i in range(values.shape[1])
        },
        time_support=epochs,
        metadata={"columns": list(self.columns)},
    )
