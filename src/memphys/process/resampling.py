"""Decimation of time series (``Tsd.decimate``): ``scipy.signal.decimate`` per epoch.

An epoch that fits one worker's memory is decimated whole (as pynapple); a longer one is
decimated in blocks whose halo covers the decay of the zero-phase anti-aliasing filter
(equal to the whole-epoch result to about 1e-10 of the signal's scale). Block lengths are
multiples of the factor, counted from each epoch's start, so the kept samples are every
``down``-th from each epoch's first. Output float64.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> d = decimate(nap.Tsd(t=np.arange(100.0), d=np.ones(100)), 4)
>>> d.t[:3], d.shape
(array([0., 4., 8.]), (25,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.core.blocks import apply_blocks, check_job_kwargs, epoch_rows, series_like
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import as_time_index
from memphys.engine import Block, BlockOp
from memphys.errors import MemphysOSError

__all__ = ["DecimateOp", "decimate", "decimate_halo"]


def decimate_halo(down: int, order: int, ftype: str) -> int:
    """Samples after which the zero-phase anti-aliasing filter's response is negligible.

    >>> decimate_halo(4, 8, "fir")
    76
    """
    from scipy import signal

    if ftype == "fir":
        length = 2 * (order + 1) * down + down
    else:
        sos = signal.cheby1(order, 0.05, 0.8 / down, output="sos")
        n = 64 * down * order + 1024
        imp = np.zeros(n)
        imp[0] = 1.0
        h = np.abs(signal.sosfilt(sos, imp))
        big = np.flatnonzero(h > 1e-13 * h.max())
        length = 2 * (int(big[-1]) + 1) + 6 * sos.shape[0] * 2
    return int(-(-length // down) * down)


class DecimateOp(BlockOp):
    """scipy's zero-phase decimation of a halo-extended block, kept at the block's rows.

    A gather: each block gives its decimated rows; :meth:`finish` concatenates them.
    """

    kind = "gather"
    whole_segments = True
    label = "decimate"

    def __init__(self, down: int, order: int, ftype: str) -> None:
        self.down, self.order, self.ftype = down, order, ftype
        self.halo = decimate_halo(down, order, ftype)
        self.block_multiple = down

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        # float64 copy, the filter's padded passes and the decimated copies
        return 9 * 8 * max(1, int(np.prod(in_trailing, dtype=np.int64)))

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        from scipy import signal

        x = np.asarray(data, dtype=np.float64)
        y = signal.decimate(x, self.down, n=self.order, ftype=self.ftype, axis=0, zero_phase=True)
        first = block.trim_before // self.down
        n = -(-block.length // self.down)
        return np.asarray(y[first : first + n])

    def finish(self, result: Any) -> Any:
        return result  # the payloads, in block order


def decimate(
    data: Any,
    down: int,
    order: int = 8,
    filter_type: str = "iir",
    ep: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """Downsample ``data`` by an integer factor after an anti-aliasing filter (the
    implementation of :meth:`Tsd.decimate <memphys.Tsd.decimate>`).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> decimate(nap.Tsd(t=np.arange(100.0), d=np.ones(100)), 50).t
    array([ 0., 50.])
    """
    job = check_job_kwargs(job_kwargs, "decimate")
    if isinstance(down, bool) or not isinstance(down, int):
        raise MemphysOSError("Invalid value for 'down': Parameter 'down' should be of type int.")
    if isinstance(order, bool) or not isinstance(order, int) or order <= 0:
        raise MemphysOSError(
            "Invalid value for 'order': Parameter 'order' should be a positive int."
        )
    if filter_type not in ("fir", "iir"):
        raise MemphysOSError("'filter_type' should be one of 'fir', 'iir'.")
    if ep is None:
        ep = data.time_support
    if not isinstance(ep, IntervalSet):
        raise MemphysOSError("ep should be an object of type IntervalSet")
    i0, i1 = epoch_rows(data, ep)
    trailing = tuple(data.shape[1:])
    ti = data.time_index
    times = [ti[a:b].values[::down] for a, b in zip(i0.tolist(), i1.tolist(), strict=True) if b > a]
    parts = apply_blocks(data, DecimateOp(down, order, filter_type), ep, **job)
    t = np.concatenate(times) if times else np.zeros(0)
    d = (
        np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=0)
        if parts
        else np.zeros((0, *trailing))
    )
    return series_like(data, d, as_time_index(t), ep)
