"""The explicit time index: float64 timestamps, in memory or behind a lazy array.

Public names are re-exported by :mod:`memphys.core.time_index`; import them from there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from memphys._validation import describe
from memphys.arrays import as_lazy
from memphys.arrays.base import LazyArray, from_recipe
from memphys.arrays.numpy_array import MemmapArray
from memphys.core import _time_index_base as _tb
from memphys.core._time_index_base import PRECISION, Side, TimeIndex, scan_timestamps
from memphys.core.time_units import check_time_units, unit_factor
from memphys.errors import MemphysTypeError, TimeIndexError

__all__ = ["ExplicitTimeIndex", "FENCE", "scan_timestamps"]

#: Spacing of the "fences" (every FENCE-th timestamp kept in memory) of a lazy index:
#: a search reads one block of at most FENCE timestamps (32 KiB).
FENCE = 4096

#: Below this many queries, a lazy index without fences binary-searches with single reads.
_FEW_QUERIES = 16


def _check_dtype(dtype: np.dtype[Any], name: str = "t") -> None:
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)) or (
        dtype == np.bool_
    ):
        raise MemphysTypeError(
            f"Invalid type for `{name}`: expected real numbers (integer or float timestamps), "
            f"but got dtype {dtype}."
        )


def _convert(block: np.ndarray, factor: float) -> np.ndarray:
    """Timestamps to float64 seconds (rounded to 9 decimals from ms/us, as pynapple)."""
    x = block.astype(np.float64, copy=False)
    return x if factor == 1.0 else np.around(x / factor, PRECISION)


class _FenceBuilder:
    """Collects every FENCE-th time of consecutive blocks (positions and values)."""

    def __init__(self) -> None:
        self.pos: list[np.ndarray] = []
        self.val: list[np.ndarray] = []

    def add(self, a: int, x: np.ndarray) -> None:
        self.pos.append(np.arange(a, a + x.size, FENCE, dtype=np.int64))
        self.val.append(x[::FENCE].astype(np.float64, copy=True))

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.pos:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(self.pos), np.concatenate(self.val)


class ExplicitTimeIndex(TimeIndex):
    """Explicit timestamps (float64 seconds), in memory or read from a lazy array.

    Parameters
    ----------
    t : array_like or LazyArray
        1-D timestamps. A numpy array is converted to float64 seconds (no copy when it is
        already float64 seconds; read-only views are exposed). A ``np.memmap`` or
        :class:`~memphys.arrays.LazyArray` stays on disk: blocks are read and converted when
        needed, and pickling sends its recipe, not its bytes.
    time_units : {"s", "ms", "us"}
        Units of ``t``; ms and us are converted and rounded to 9 decimals as pynapple does.
    check : bool
        Validate once, in blocks of 512 Ki samples: every time finite and non-decreasing,
        else :class:`~memphys.errors.TimeIndexError` naming the first offending position.
        Timestamps are never sorted here (see :func:`~memphys.core.time_index.sort_by_time`).

    Examples
    --------
    >>> idx = ExplicitTimeIndex(np.array([0.0, 0.5, 2.0]))
    >>> idx
    ExplicitTimeIndex(n=3, start=0.0, end=2.0)
    >>> idx.searchsorted(1.0), idx[1:].values
    (2, array([0.5, 2. ]))
    >>> ExplicitTimeIndex([1500, 2500], time_units="ms").values
    array([1.5, 2.5])
    >>> ExplicitTimeIndex([0.0, 2.0, 1.0])
    Traceback (most recent call last):
    ...
    memphys.errors.TimeIndexError: ... sorted ...: t[2] = 1.0 comes after t[1] = 2.0. Use ...
    """

    kind = "explicit"

    def __init__(self, t: Any, time_units: str = "s", check: bool = True) -> None:
        self._units = check_time_units(time_units)
        factor = unit_factor(self._units)
        self._factor = factor
        self._mem: np.ndarray | None = None
        self._src: LazyArray | None = None
        self._lo = 0
        self._fences: tuple[np.ndarray, np.ndarray] | None = None
        self._validated = False
        if isinstance(t, np.memmap):
            t = as_lazy(t)
        if isinstance(t, LazyArray):
            if t.ndim != 1:
                raise TimeIndexError(
                    f"Invalid value for `t`: expected 1-D timestamps, but got shape {t.shape}."
                )
            _check_dtype(t.dtype)
            self._src = t
            self._n = int(t.shape[0])
        else:
            arr = np.asarray(t)
            if arr.ndim != 1:
                raise TimeIndexError(
                    f"Invalid value for `t`: expected 1-D timestamps, but got {describe(arr)}."
                )
            if arr.size:
                _check_dtype(arr.dtype)
            mem = _convert(arr, factor).view(np.ndarray)
            mem = mem.view()
            mem.flags.writeable = False
            self._mem = mem
            self._n = int(mem.shape[0])
        if check:
            self.validate()

    # --- construction helpers -----------------------------------------------------------
    @classmethod
    def _from_parts(
        cls,
        mem: np.ndarray | None,
        src: LazyArray | None,
        units: str,
        lo: int,
        n: int,
        fences: tuple[np.ndarray, np.ndarray] | None,
        validated: bool,
    ) -> ExplicitTimeIndex:
        obj = cls.__new__(cls)
        obj._units, obj._factor = units, unit_factor(units)
        obj._mem, obj._src, obj._lo, obj._n = mem, src, lo, n
        obj._fences, obj._validated = fences, validated
        return obj

    def validate(self) -> ExplicitTimeIndex:
        """Check (once) that the times are finite and sorted, in bounded memory.

        For a lazy source the same pass keeps every 4096-th time (the "fences") so that
        later searches read one small block each.
        """
        if self._validated:
            return self
        fences = _FenceBuilder()
        scan_timestamps(self._read, self._n, fences.add if self._src is not None else None)
        if self._src is not None:
            self._fences = fences.result()
        self._validated = True
        return self

    # --- reads ------------------------------------------------------------------------
    @property
    def is_lazy(self) -> bool:
        """True when the timestamps are read from a lazy source (file, zarr, HDF5, ...)."""
        return self._src is not None

    @property
    def source(self) -> LazyArray | None:
        """The lazy source of the timestamps (in its own units), or None if in memory."""
        return self._src

    def _view_reader(self) -> Callable[[int, int], np.ndarray]:
        """A ``read(a, b)`` returning seconds without copying when the source allows it.

        In-memory times and float64 seconds in a memmap give views; anything else falls
        back to :meth:`_read` (a converted copy).
        """
        if self._mem is None and self._factor == 1.0:
            src = self._src
            if isinstance(src, MemmapArray) and src.ndim == 1 and src.dtype == np.float64:
                mm = src._map()
                lo = self._lo
                return lambda a, b: mm[lo + a : lo + b]
        return self._read

    def _read(self, start: int, stop: int) -> np.ndarray:
        if self._mem is not None:
            return self._mem[start:stop]
        if self._src is None:  # pragma: no cover - construction guarantees one of them
            raise TimeIndexError("ExplicitTimeIndex has no timestamps")
        return _convert(self._src.read(self._lo + start, self._lo + stop), self._factor)

    def __len__(self) -> int:
        return self._n

    def take(self, positions: Any) -> np.ndarray:
        """Times at integer ``positions``, reading only the blocks that contain them."""
        pos = np.asarray(positions, dtype=np.int64).reshape(-1)
        n = self._n
        if pos.size and (pos.min() < -n or pos.max() >= n):
            raise IndexError(f"positions out of bounds for a time index of length {n}")
        pos = np.where(pos < 0, pos + n, pos)
        if self._mem is not None:
            return self._mem[pos]
        out = np.empty(pos.size, dtype=np.float64)
        order = np.argsort(pos, kind="stable")
        sp = pos[order]
        groups = sp // _tb.BLOCK
        cuts = np.flatnonzero(np.diff(groups)) + 1
        for part in np.split(np.arange(sp.size), cuts):
            if part.size == 0:
                continue
            a, b = int(sp[part[0]]), int(sp[part[-1]]) + 1
            out[order[part]] = self._read(a, b)[sp[part] - a]
        return out

    def _at(self, positions: np.ndarray) -> ExplicitTimeIndex:
        return ExplicitTimeIndex(self.take(positions), check=True)

    def _slice(self, start: int, stop: int, step: int) -> ExplicitTimeIndex:
        n = len(range(start, stop, step))
        if self._mem is not None:
            return self._from_parts(
                self._mem[start:stop:step], None, "s", 0, n, None, self._validated
            )
        if step != 1:
            parts = [
                self._read(a, min(a + _tb.BLOCK * step, stop))[::step]
                for a in range(start, stop, _tb.BLOCK * step)
            ]
            mem = np.concatenate(parts) if parts else np.zeros(0)
            mem.flags.writeable = False
            return self._from_parts(mem, None, "s", 0, n, None, self._validated)
        fences = None
        if self._fences is not None and n:
            fp, fv = self._fences
            inside = (fp > start) & (fp < stop)
            first = self._read(start, start + 1)
            fences = (
                np.concatenate([[0], fp[inside] - start]).astype(np.int64),
                np.concatenate([first, fv[inside]]),
            )
        return self._from_parts(
            None, self._src, self._units, self._lo + start, n, fences, self._validated
        )

    # --- search -------------------------------------------------------------------------
    def _searchsorted(self, t: np.ndarray, side: Side) -> np.ndarray:
        if self._mem is not None:
            return np.searchsorted(self._mem, t, side=side).astype(np.int64)
        if self._fences is None:
            if t.size <= _FEW_QUERIES:
                return np.array([self._bisect_one(float(q), side) for q in t], dtype=np.int64)
            self._build_fences()
        return self._fenced_search(t, side)

    def _build_fences(self) -> None:
        fences = _FenceBuilder()
        for a in range(0, self._n, _tb.BLOCK):
            fences.add(a, self._read(a, min(a + _tb.BLOCK, self._n)))
        self._fences = fences.result()

    def _fenced_search(self, t: np.ndarray, side: Side) -> np.ndarray:
        if self._fences is None:  # pragma: no cover - callers build them first
            self._build_fences()
        fp, fv = self._fences  # type: ignore[misc]
        out = np.zeros(t.shape, dtype=np.int64)
        if self._n == 0:
            return out
        b = np.searchsorted(fv, t, side=side)
        for blk in np.unique(b):
            if blk == 0:
                continue  # every time is >= (left) / > (right) the query: position 0
            sel = b == blk
            lo = int(fp[blk - 1])
            hi = int(fp[blk]) if blk < fp.size else self._n
            out[sel] = lo + np.searchsorted(self._read(lo, hi), t[sel], side=side)
        return out

    def _bisect_one(self, q: float, side: Side) -> int:
        """Binary search with single-element reads down to one FENCE-sized block."""
        lo, hi = 0, self._n
        while hi - lo > FENCE:
            mid = (lo + hi) // 2
            v = float(self._read(mid, mid + 1)[0])
            if v < q or (side == "right" and v == q) or np.isnan(q):
                lo = mid + 1
            else:
                hi = mid
        return lo + int(np.searchsorted(self._read(lo, hi), q, side=side))

    # --- properties -------------------------------------------------------------------
    @property
    def period(self) -> float | None:
        """Median of the time differences in up to three windows of 2048 samples.

        An estimate read from a bounded sample (start, middle and end of the index); None
        with fewer than two samples.
        """
        n = self._n
        if n < 2:
            return None
        w = 2048
        diffs = [
            np.diff(self._read(a, min(a + w, n)))
            for a in {0, max(0, n // 2 - w // 2), max(0, n - w)}
        ]
        return float(np.median(np.concatenate(diffs)))

    @property
    def is_regular(self) -> bool:
        return False

    @property
    def nbytes(self) -> int:
        """Memory held: the in-memory timestamps, or only the fences of a lazy source."""
        if self._mem is not None:
            return int(self._mem.nbytes)
        if self._fences is not None:
            return int(self._fences[0].nbytes + self._fences[1].nbytes)
        return 0

    def recipe(self) -> dict[str, Any]:
        """In memory: the array itself; lazy: the source's recipe, window and fences."""
        if self._mem is not None:
            return {"kind": "explicit", "t": self._mem, "validated": self._validated}
        if self._src is None:  # pragma: no cover
            raise TimeIndexError("ExplicitTimeIndex has no timestamps")
        fences = None
        if self._fences is not None:
            fences = [self._fences[0].tolist(), self._fences[1].tolist()]
        return {
            "kind": "explicit",
            "source": self._src.recipe(),
            "time_units": self._units,
            "window": [self._lo, self._lo + self._n],
            "fences": fences,
            "validated": self._validated,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ExplicitTimeIndex:
        """Rebuild an index from :meth:`recipe` (reopening a lazy source)."""
        if "t" in recipe:
            t = np.asarray(recipe["t"], dtype=np.float64)
            t.flags.writeable = False
            return cls._from_parts(t, None, "s", 0, t.size, None, bool(recipe["validated"]))
        src = from_recipe(recipe["source"])
        lo, hi = (int(v) for v in recipe["window"])
        f = recipe.get("fences")
        fences = None
        if f is not None:
            fences = (np.asarray(f[0], dtype=np.int64), np.asarray(f[1], dtype=np.float64))
        return cls._from_parts(
            None, src, recipe["time_units"], lo, hi - lo, fences, bool(recipe["validated"])
        )

    def __repr__(self) -> str:
        text = f"ExplicitTimeIndex(n={self._n}, start={self.start_time!r}, end={self.end_time!r}"
        if self._src is not None:
            text += f", source={self._src!r}"
        return text + ")"
