"""pynapple's module path ``pynapple.io.interface_neo``: :class:`EphysReader`, and the
deprecated :class:`NeoSignalInterface` that pynapple 0.11.4 still ships.

Examples
--------
>>> import numpy as np
>>> import neo, quantities as pq
>>> import memphys as nap
>>> from memphys.io.interface_neo import NeoSignalInterface
>>> block = neo.Block()
>>> for k in range(2):
...     seg = neo.Segment()
...     seg.analogsignals.append(neo.AnalogSignal(
...         np.arange(8.0).reshape(4, 2) + 10 * k, units="mV", sampling_rate=2 * pq.Hz,
...         t_start=3 * k * pq.s))
...     block.segments.append(seg)
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)
...     iface = NeoSignalInterface(block.segments[0].analogsignals[0], block)
>>> iface.shape, iface.nap_type.__name__
((8, 2), 'TsdFrame')
>>> iface[3:5]
array([[ 6.,  7.],
       [10., 11.]])
>>> nap.TsdFrame(t=iface.times, d=iface, load_array=False).shape
(8, 2)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from memphys.errors import MemphysDeprecationWarning, MemphysTypeError
from memphys.io.neo.reader import EphysReader

__all__ = ["EphysReader", "NeoSignalInterface"]


def _seconds(quantity: Any) -> float:
    return float(quantity.rescale("s").magnitude)


class NeoSignalInterface:
    """A neo analog signal across the segments of its block, as an array (deprecated).

    pynapple 0.11.4's array-like over ``seg.analogsignals[sig_num]`` (or
    ``irregularlysampledsignals``) of every segment of ``block``, concatenated along time:
    ``shape``, ``dtype``, ``ndim``, ``times``, ``nap_type``, ``start_time``/``end_time``,
    ``dt`` (regular signals) and indexing. :class:`EphysReader` gives the same signals as
    lazy ``TsdFrame`` read in bounded blocks through neo's RawIO; use it instead.

    Parameters
    ----------
    signal : neo.AnalogSignal, AnalogSignalProxy or IrregularlySampledSignal
        The signal of the first segment (its type, dtype and trailing shape are used).
    block : neo.Block
        The block whose segments hold the signal.
    time_support : IntervalSet, optional
        Kept as ``time_support``.
    sig_num : int
        Position of the signal in each segment.

    Notes
    -----
    A proxy signal is loaded one segment at a time when a slice touches that segment (as in
    pynapple).
    """

    def __init__(self, signal: Any, block: Any, time_support: Any = None, sig_num: int = 0):
        import neo
        from neo.io.proxyobjects import AnalogSignalProxy

        from memphys.core.time_series import Tsd, TsdFrame, TsdTensor

        warnings.warn(
            "NeoSignalInterface is deprecated (pynapple 0.11.4 ships it for older code); "
            "use EphysReader, whose signals are lazy TsdFrame read in bounded blocks.",
            MemphysDeprecationWarning,
            stacklevel=2,
        )
        if isinstance(signal, neo.AnalogSignal | AnalogSignalProxy):
            self.is_analog = True
        elif isinstance(signal, neo.IrregularlySampledSignal):
            self.is_analog = False
        else:
            raise MemphysTypeError(f"Signal type {type(signal)} not recognized.")
        self.time_support = time_support
        self._block = block
        self._sig_num = sig_num
        self.nap_type = {1: Tsd, 2: TsdFrame}.get(len(signal.shape), TsdTensor)
        self.dtype = np.dtype(signal.dtype)
        signals = [self._signal(seg) for seg in block.segments]
        counts = np.array([s.shape[0] for s in signals], dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(counts)])
        times = [np.asarray(s.times.rescale("s").magnitude, dtype=np.float64) for s in signals]
        self._times = np.concatenate(times) if times else np.array([], dtype=np.float64)
        self.shape = (int(self._offsets[-1]), *tuple(signal.shape[1:]))
        if self.is_analog:
            self.dt = float((1 / signal.sampling_rate).rescale("s").magnitude)
        self.start_time = _seconds(signal.t_start)
        self.end_time = _seconds(signal.t_stop)

    def _signal(self, seg: Any) -> Any:
        group = seg.analogsignals if self.is_analog else seg.irregularlysampledsignals
        return group[self._sig_num]

    def __repr__(self) -> str:
        return (
            f"<NeoSignalInterface: {self.nap_type.__name__}, shape={self.shape}, "
            f"dtype={self.dtype}>"
        )

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def times(self) -> np.ndarray:
        """Timestamps of every segment, in seconds."""
        return self._times

    def __len__(self) -> int:
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def _rows(self, start: int, stop: int) -> np.ndarray:
        chunks = [np.empty((0, *self.shape[1:]), dtype=self.dtype)]
        for k, seg in enumerate(self._block.segments):
            s0, s1 = int(self._offsets[k]), int(self._offsets[k + 1])
            if stop <= s0 or start >= s1:
                continue
            sig = self._signal(seg)
            if hasattr(sig, "load"):
                sig = sig.load()
            chunks.append(np.asarray(sig[max(start, s0) - s0 : min(stop, s1) - s0].magnitude))
        return np.concatenate(chunks, axis=0).astype(self.dtype, copy=False)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, tuple):
            head, rest = item[0], item[1:]
            data = self[head]
            if not rest:
                return data
            scalar = isinstance(head, int | np.integer)
            return data[rest] if scalar else data[(slice(None), *rest)]
        if isinstance(item, int | np.integer):
            i = int(item) + (len(self) if item < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"Index {item} out of bounds for size {len(self)}")
            return self._rows(i, i + 1)[0]
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self))
            if step > 0:
                return self._rows(start, stop)[::step]
            return self._rows(stop + 1, start + 1)[::-1][::-step]
        if isinstance(item, np.ndarray | list):
            idx = np.asarray(item)
            if idx.dtype == bool:
                idx = np.flatnonzero(idx)
            if idx.size == 0:
                return np.empty((0, *self.shape[1:]), dtype=self.dtype)
            idx = np.where(idx < 0, idx + len(self), idx)
            lo, hi = int(idx.min()), int(idx.max()) + 1
            return self._rows(lo, hi)[idx - lo]
        raise MemphysTypeError(f"Invalid index type: {type(item)}")
