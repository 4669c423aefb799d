"""The regular time index: ``(start, rate, n)`` in O(1) memory with O(1) lookups.

Public names are re-exported by :mod:`memphys.core.time_index`; import them from there.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from memphys._validation import (
    check_nonnegative_int,
    check_positive_float,
    check_positive_int,
    value_error,
)
from memphys.core._time_index_base import Side, TimeIndex
from memphys.core._time_index_explicit import ExplicitTimeIndex
from memphys.errors import MemphysValueError

__all__ = ["RegularTimeIndex"]

_MAX_EXACT = 2**53  # integers up to here are exact in float64


class RegularTimeIndex(TimeIndex):
    """A regularly sampled time index: O(1) memory, O(1) ``searchsorted`` and slicing.

    The time of sample ``j`` is computed in float64 by exactly one of two formulas::

        t[j] = (offset + j * step) / rate + start       # given rate= (the default)
        t[j] = (offset + j * step) * period + start     # given period= instead

    With the defaults ``offset=0, step=1`` the first formula gives bit for bit
    ``np.arange(n) / rate + start``, the second ``np.arange(n) * period + start`` (what
    ``np.arange(start, stop, period)`` computes when ``start == 0``). Slicing keeps the
    same ``start`` and ``rate``/``period`` and only changes the integers ``offset`` and
    ``step``, so a slice's times are bit for bit the parent's times at those positions.

    Parameters
    ----------
    start : float
        Time, in seconds, of position ``offset`` (the first sample when ``offset=0``).
    rate : float, optional
        Sampling rate in Hz (finite, > 0). Exactly one of ``rate`` and ``period``.
    n : int
        Number of samples (>= 0).
    period : float, optional
        Sampling period in seconds, selecting the multiplicative formula.
    offset, step : int, optional
        Integer position of the first sample and the stride between samples, in units of
        the underlying grid (set by slicing; rarely given by hand).
    declared : bool, default True
        The rate (or period) was given (``Tsd(t=None, rate=...)``, a file's sampling rate),
        not recognised in timestamps: it is then the exact sampling rate, which filters
        use (see :attr:`declared_rate`). Slices keep it.

    Examples
    --------
    >>> idx = RegularTimeIndex(start=2.0, rate=1000.0, n=5)
    >>> idx
    RegularTimeIndex(start=2.0, rate=1000.0, n=5)
    >>> idx.values
    array([2.   , 2.001, 2.002, 2.003, 2.004])
    >>> idx[1:5:2]
    RegularTimeIndex(start=2.0, rate=1000.0, n=2, offset=1, step=2)
    >>> idx[1:5:2].rate, idx[3]
    (500.0, 2.003)
    >>> idx.searchsorted(2.0025), idx.nbytes
    (3, 48)
    """

    __slots__ = ("_declared", "_form", "_n", "_offset", "_scale", "_start", "_step")
    _declared: bool
    _form: str
    _n: int
    _offset: int
    _scale: float
    _start: float
    _step: int

    kind = "regular"

    def __init__(
        self,
        start: float = 0.0,
        rate: float | None = None,
        n: int = 0,
        *,
        period: float | None = None,
        offset: int = 0,
        step: int = 1,
        declared: bool = True,
    ) -> None:
        self._declared = bool(declared)
        if (rate is None) == (period is None):
            raise MemphysValueError(
                "Invalid value for `rate`: expected exactly one of `rate` and `period`, but got "
                f"rate={rate!r} and period={period!r}."
            )
        if isinstance(start, bool) or not isinstance(start, numbers.Real):
            raise value_error("start", "a finite number", start)
        if not np.isfinite(float(start)):
            raise value_error("start", "a finite number", start)
        self._start = float(start)
        if rate is not None:
            self._form, self._scale = "div", check_positive_float("rate", rate)
        else:
            self._form, self._scale = "mul", check_positive_float("period", period)
        self._n = check_nonnegative_int("n", n)
        self._offset = check_nonnegative_int("offset", offset)
        self._step = check_positive_int("step", step)
        last = self._offset + self._step * max(self._n - 1, 0)
        if last >= _MAX_EXACT:
            raise value_error(
                "n",
                f"a last grid position below 2**53 (offset + step * (n - 1) < {_MAX_EXACT})",
                last,
            )
        with np.errstate(over="ignore"):
            t_last = self._times(np.array([last], dtype=np.int64))[0]
        if self._n and not np.isfinite(t_last):
            raise value_error("rate", "a rate giving finite times for all samples", rate or period)

    # --- the formula ----------------------------------------------------------------
    def _times(self, j: np.ndarray) -> np.ndarray:
        """Times at (in-bounds) positions ``j`` by the documented formula."""
        k = (self._offset + j.astype(np.int64) * self._step).astype(np.float64)
        k = k / self._scale if self._form == "div" else k * self._scale
        return k + self._start

    def _read(self, start: int, stop: int) -> np.ndarray:
        return self._read_into(start, stop, np.empty(max(stop - start, 0), dtype=np.float64))

    def _read_into(
        self, start: int, stop: int, out: np.ndarray, ramp: np.ndarray | None = None
    ) -> np.ndarray:
        """Times of samples ``[start, stop)`` computed in ``out[: stop - start]`` (returned).

        ``ramp``, if given, must hold ``0, 1, 2, ...`` (at least ``stop - start`` values):
        it saves an ``arange`` per call in tight loops. Same operations, in the same order,
        whatever the buffers: the values are bit-identical to :meth:`values`.
        """
        m = stop - start
        v = out[:m]
        if ramp is None:
            v[...] = np.arange(start, stop, dtype=np.float64)
        else:
            np.add(ramp[:m], float(start), out=v)  # exact: integers below 2**53
        if self._step != 1:
            v *= self._step
        if self._offset:
            v += self._offset
        if self._form == "div":
            v /= self._scale
        else:
            v *= self._scale
        v += self._start
        return v

    # --- lookups ----------------------------------------------------------------------
    def _searchsorted(self, t: np.ndarray, side: Side) -> np.ndarray:
        n = self._n
        out = np.empty(t.shape, dtype=np.int64)
        if t.size == 0:
            return out
        nan = np.isnan(t)
        # real-valued position of t on the grid, then the candidate integer answer
        with np.errstate(invalid="ignore", over="ignore"):
            x = (
                (t - self._start) * self._scale
                if self._form == "div"
                else ((t - self._start) / self._scale)
            )
            x = (x - self._offset) / self._step
        x = np.clip(np.where(nan, n, x), -1.0, n + 1.0)
        c = np.ceil(x) if side == "left" else np.floor(x) + 1
        c = np.clip(c, 0, n).astype(np.int64)
        # correct by comparing with the true float times of the neighbours
        for _ in range(3):
            lo_bad, hi_bad = self._bad(c, t, side)
            lo_bad &= ~nan
            hi_bad &= ~nan
            if not (lo_bad.any() or hi_bad.any()):
                break
            c = c - lo_bad + hi_bad
        else:
            lo_bad, hi_bad = self._bad(c, t, side)
            bad = (lo_bad | hi_bad) & ~nan
            if bad.any():  # pathological ties: exact binary search on the formula
                c[bad] = self._bisect(t[bad], side)
        c[nan] = n
        out[...] = c
        return out

    def _bad(self, c: np.ndarray, t: np.ndarray, side: Side) -> tuple[np.ndarray, np.ndarray]:
        """Where candidate ``c`` is too high (``lo_bad``) or too low (``hi_bad``)."""
        n = self._n
        below = self._times(np.clip(c - 1, 0, max(n - 1, 0)))
        at = self._times(np.clip(c, 0, max(n - 1, 0)))
        if side == "left":  # want t[c-1] < q <= t[c]
            lo_bad = (c > 0) & ~(below < t)
            hi_bad = (c < n) & ~(at >= t)
        else:  # want t[c-1] <= q < t[c]
            lo_bad = (c > 0) & ~(below <= t)
            hi_bad = (c < n) & ~(at > t)
        return lo_bad, hi_bad

    def _bisect(self, t: np.ndarray, side: Side) -> np.ndarray:
        lo = np.zeros(t.shape, dtype=np.int64)
        hi = np.full(t.shape, self._n, dtype=np.int64)
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            tm = self._times(np.minimum(mid, max(self._n - 1, 0)))
            pred = (tm < t) if side == "left" else (tm <= t)
            lo = np.where(active & pred, mid + 1, lo)
            hi = np.where(active & ~pred, mid, hi)
        return lo

    # --- structure --------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def _slice(self, start: int, stop: int, step: int) -> RegularTimeIndex:
        n = len(range(start, stop, step))
        return self._with(n=n, offset=self._offset + start * self._step, step=self._step * step)

    def _with(self, n: int, offset: int, step: int) -> RegularTimeIndex:
        kw: dict[str, Any] = (
            {"rate": self._scale} if self._form == "div" else {"period": self._scale}
        )
        return RegularTimeIndex(
            self._start,
            n=n,
            offset=offset if n else 0,
            step=step if n else 1,
            declared=self._declared,
            **kw,
        )

    def take(self, positions: Any) -> np.ndarray:
        """Times at integer ``positions`` (computed, O(len(positions)))."""
        pos = np.asarray(positions, dtype=np.int64)
        n = self._n
        if pos.size and (pos.min() < -n or pos.max() >= n):
            raise IndexError(f"positions out of bounds for a time index of length {n}")
        return self._times(np.where(pos < 0, pos + n, pos))

    def _at(self, positions: np.ndarray) -> ExplicitTimeIndex:
        """The times at ``positions`` are no longer a grid: an explicit index."""
        return ExplicitTimeIndex(self.take(positions), check=True)

    # --- properties -------------------------------------------------------------------
    @property
    def start(self) -> float:
        """The ``start`` of the formula (the time of grid position 0)."""
        return self._start

    @property
    def offset(self) -> int:
        """Grid position of the first sample."""
        return self._offset

    @property
    def step(self) -> int:
        """Grid positions between consecutive samples."""
        return self._step

    @property
    def period(self) -> float:
        """Sampling period in seconds."""
        return self._step / self._scale if self._form == "div" else self._step * self._scale

    @property
    def rate(self) -> float:
        """Sampling rate in Hz."""
        return self._scale / self._step if self._form == "div" else 1.0 / (self._step * self._scale)

    @property
    def is_regular(self) -> bool:
        return True

    @property
    def declared_rate(self) -> float | None:
        """The rate when it was given rather than recognised in timestamps, else None.

        >>> RegularTimeIndex(start=0.0, rate=100.0, n=1000).declared_rate
        100.0
        """
        return self.rate if self._declared else None

    @property
    def nbytes(self) -> int:
        """Memory held: six numbers, whatever ``n``."""
        return 48

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RegularTimeIndex:
        """Rebuild an index from :meth:`recipe`."""
        return cls(**{k: v for k, v in recipe.items() if k != "kind"})

    def recipe(self) -> dict[str, Any]:
        """``{"kind": "regular", "start", "rate" | "period", "n", "offset", "step"}``."""
        recipe: dict[str, Any] = {
            "kind": "regular",
            "start": self._start,
            ("rate" if self._form == "div" else "period"): self._scale,
            "n": self._n,
            "offset": self._offset,
            "step": self._step,
        }
        if not self._declared:  # recognised in timestamps (see `declared`)
            recipe["declared"] = False
        return recipe

    def equals(self, other: Any) -> bool:
        if isinstance(other, RegularTimeIndex) and other.recipe() == self.recipe():
            return True
        return super().equals(other)

    def __repr__(self) -> str:
        name = "rate" if self._form == "div" else "period"
        text = f"RegularTimeIndex(start={self._start!r}, {name}={self._scale!r}, n={self._n}"
        if self._offset or self._step != 1:
            text += f", offset={self._offset}, step={self._step}"
        return text + ")"
