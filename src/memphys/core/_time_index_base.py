"""The abstract :class:`TimeIndex` shared by the regular and explicit time indexes.

Also what every kind of index relies on: the validity rule of timestamps
(:func:`scan_timestamps`), pynapple's ndarray-based :class:`TsIndex` and the rebuilding of
an index from its recipe (:func:`time_index_from_recipe`), which finds the class of each
``kind`` in the registry that the subclasses fill when they are defined. This module names
none of its subclasses.

Public names are re-exported by :mod:`memphys.core.time_index`; import them from there.
"""

from __future__ import annotations

import abc
import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Literal, overload

import numpy as np
import numpy.typing as npt

from memphys._validation import check_option, describe, value_error
from memphys.config import TIME_UNITS, get_config
from memphys.core.time_units import check_time_units, unit_factor
from memphys.errors import (
    MemphysTypeError,
    MemphysValueError,
    ShapeMismatchError,
    TimeIndexError,
    TimeIndexWarning,
)

#: The side of a search, as in ``numpy.searchsorted``.
Side = Literal["left", "right"]

__all__ = [
    "TimeIndex",
    "TsIndex",
    "BLOCK",
    "check_same_length",
    "in_units_array",
    "as_query",
    "scan_timestamps",
    "time_index_from_recipe",
]

#: Number of samples handled per block by every chunked pass over timestamps (4 MiB of
#: float64). Temporaries of a pass are a small multiple of this, never O(n).
BLOCK = 1 << 19

#: Decimals kept when times are converted from/to ``"ms"``/``"us"`` (as pynapple).
PRECISION = 9


def in_units_array(values: np.ndarray, time_units: str | None) -> np.ndarray:
    """Convert float64 seconds to ``time_units``, rounded to 9 decimals as pynapple does."""
    f = unit_factor(time_units)
    if f == 1.0:
        return values
    return np.around(values * f, PRECISION)


def as_query(t: Any, time_units: str | None = "s") -> tuple[np.ndarray, bool]:
    """Return query times as a float64 array in seconds, and whether ``t`` was a scalar."""
    scalar = np.ndim(t) == 0
    arr = np.asarray(t, dtype=np.float64)
    f = unit_factor(time_units)
    if f != 1.0:
        arr = np.around(arr / f, PRECISION)
    return arr, scalar


def check_same_length(t: Any, d: Any, names: tuple[str, str] = ("t", "d")) -> None:
    """Raise :class:`~memphys.errors.ShapeMismatchError` unless ``len(t) == len(d)``.

    ``d`` is compared along axis 0 (time), whatever its number of dimensions.

    Examples
    --------
    >>> check_same_length(np.arange(3), np.zeros((3, 2)))
    >>> check_same_length(np.arange(3), np.zeros(4))
    Traceback (most recent call last):
    ...
    memphys.errors.ShapeMismatchError: Invalid value for `d`: expected 3 rows (one per timestamp ...
    """
    nt = len(t)
    shape = getattr(d, "shape", None)
    nd = int(shape[0]) if shape else len(d)
    if nt != nd:
        raise ShapeMismatchError(
            f"Invalid value for `{names[1]}`: expected {nt} rows (one per timestamp in "
            f"`{names[0]}`), but got {nd}. Pass as many timestamps as data rows."
        )


_SORT_HINT = "Use memphys.sort_by_time(t, d) to reorder times and data together."


def scan_timestamps(
    read: Callable[[int, int], np.ndarray],
    n: int,
    on_block: Callable[[int, np.ndarray], None] | None = None,
    block: int | None = None,
) -> None:
    """Check that timestamps are finite and non-decreasing, one block at a time.

    ``read(a, b)`` returns float64 seconds of samples ``[a, b)``; ``on_block(a, x)`` is
    called with every block that passed. Temporaries are O(``block``), never O(n).

    Raises
    ------
    memphys.errors.TimeIndexError
        Naming the first offending position (unsorted, NaN or infinite).
    """
    block = BLOCK if block is None else block
    prev = np.nan
    for a in range(0, n, block):
        x = read(a, min(a + block, n))
        bad_fin = np.flatnonzero(~np.isfinite(x))
        first_nf = int(bad_fin[0]) if bad_fin.size else x.size
        dec = np.flatnonzero(x[1:] < x[:-1])
        first_dec = int(dec[0]) + 1 if dec.size else x.size
        if x.size and x[0] < prev:
            first_dec = 0
        if first_nf < x.size and first_nf <= first_dec:
            i = a + first_nf
            raise TimeIndexError(
                f"Timestamps must be finite: t[{i}] = {float(x[first_nf])!r}. Drop the samples "
                "whose time is NaN or infinite (and their data) before building the index."
            )
        if first_dec < x.size:
            i = a + first_dec
            before = prev if first_dec == 0 else x[first_dec - 1]
            raise TimeIndexError(
                "Timestamps must be sorted in increasing order: "
                f"t[{i}] = {float(x[first_dec])!r} comes after t[{i - 1}] = {float(before)!r}. "
                + _SORT_HINT
            )
        if x.size:
            prev = x[-1]
            if on_block is not None:
                on_block(a, x)
        del x


class TimeIndex(abc.ABC):
    """The times of a time series: regular ``(start, rate, n)`` or explicit timestamps.

    Both kinds behave the same: ``len``, ``values`` (float64 seconds, computed when asked),
    integer/slice/mask indexing, ``searchsorted`` consistent with ``np.searchsorted`` on
    ``values``, and epoch lookups with pynapple's ``restrict`` semantics (both ends
    included). Times are always non-decreasing and finite.

    Examples
    --------
    >>> from memphys.core.time_index import RegularTimeIndex
    >>> idx = RegularTimeIndex(start=0.0, rate=10.0, n=5)
    >>> isinstance(idx, TimeIndex), len(idx), idx.values
    (True, 5, array([0. , 0.1, 0.2, 0.3, 0.4]))
    """

    #: The ``"kind"`` of this class's recipes; a subclass that sets it is registered under
    #: it, and :func:`time_index_from_recipe` rebuilds its recipes.
    kind: ClassVar[str | None] = None
    _kinds: ClassVar[dict[str, type[TimeIndex]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None:
            TimeIndex._kinds[kind] = cls

    # --- abstract -------------------------------------------------------------------
    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def _read(self, start: int, stop: int) -> np.ndarray:
        """Times of samples ``[start, stop)`` (0 <= start <= stop <= n) as float64 seconds."""

    @abc.abstractmethod
    def _searchsorted(self, t: np.ndarray, side: Side) -> np.ndarray:
        """``np.searchsorted(self.values, t, side)`` for a float64 array ``t``."""

    @abc.abstractmethod
    def _slice(self, start: int, stop: int, step: int) -> TimeIndex:
        """Sub-index of positions ``range(start, stop, step)``, ``step >= 1``, in bounds."""

    @abc.abstractmethod
    def take(self, positions: Any) -> np.ndarray:
        """Times (float64 seconds) at integer ``positions`` (any order, negatives allowed)."""

    @abc.abstractmethod
    def _at(self, positions: np.ndarray) -> TimeIndex:
        """Index of the samples at sorted int64 ``positions`` (what a mask or list selects)."""

    @abc.abstractmethod
    def recipe(self) -> dict[str, Any]:
        """A small dict from which :func:`time_index_from_recipe` rebuilds an equal index."""

    @classmethod
    @abc.abstractmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> TimeIndex:
        """Rebuild an index from :meth:`recipe`."""

    @property
    @abc.abstractmethod
    def period(self) -> float | None:
        """Sampling period in seconds (exact if regular, a median estimate if explicit)."""

    @property
    @abc.abstractmethod
    def is_regular(self) -> bool:
        """True for a :class:`RegularTimeIndex`."""

    @property
    @abc.abstractmethod
    def nbytes(self) -> int:
        """Bytes of memory held by the index (not the size of a lazy source)."""

    # --- derived --------------------------------------------------------------------
    @property
    def rate(self) -> float | None:
        """Sampling rate in Hz (``1 / period``), or None when it cannot be estimated."""
        p = self.period
        return None if p is None or p <= 0 else 1.0 / p

    @property
    def values(self) -> np.ndarray:
        """All times as a float64 array in seconds (computed, or read, when asked)."""
        return self._read(0, len(self))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        v = self.values
        if dtype is not None:
            v = v.astype(dtype, copy=False)
        return v.copy() if copy else v

    def to_numpy(self) -> np.ndarray:
        """Same as :attr:`values`."""
        return self.values

    def in_units(self, time_units: str = "s") -> np.ndarray:
        """All times in ``"s"``, ``"ms"`` or ``"us"`` (rounded to 9 decimals as pynapple)."""
        return in_units_array(self.values, check_time_units(time_units))

    def to_tsindex(self) -> TsIndex:
        """The values as a pynapple-compatible (immutable) :class:`TsIndex`."""
        return TsIndex._from_validated(self.values)

    @property
    def start_time(self) -> float | None:
        """Time of the first sample, or None for an empty index (as pynapple)."""
        return float(self._read(0, 1)[0]) if len(self) else None

    @property
    def end_time(self) -> float | None:
        """Time of the last sample, or None for an empty index (as pynapple)."""
        n = len(self)
        return float(self._read(n - 1, n)[0]) if n else None

    @overload
    def __getitem__(self, key: numbers.Integral | int) -> float: ...
    @overload
    def __getitem__(
        self, key: slice | np.ndarray | Sequence[int] | Sequence[bool]
    ) -> TimeIndex: ...
    def __getitem__(self, key: object) -> float | TimeIndex:
        """``int`` -> float time; ``slice`` -> index of the same kind; mask/ints -> explicit.

        A slice with a negative step would give decreasing times and is refused.
        """
        n = len(self)
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            i = int(key)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for a time index of length {n}")
            i = i + n if i < 0 else i
            return float(self._read(i, i + 1)[0])
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step < 0:
                raise TimeIndexError(
                    f"Invalid value for `key`: a slice with a negative step ({key!r}) would give "
                    "decreasing times, and times stay sorted. For the times in that order use "
                    "`x.t[::-1]` (a numpy array)."
                )
            stop = max(stop, start)
            return self._slice(start, stop, step)
        arr = np.asarray(key)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ShapeMismatchError(
                    f"Invalid value for `key`: expected a boolean mask of length {n}, but got "
                    f"shape {arr.shape}."
                )
            arr = np.flatnonzero(arr)
        elif arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            raise MemphysTypeError(
                "Invalid value for `key`: expected an integer, a slice, a boolean mask or a 1-D "
                f"array of integer positions, but got {describe(key)}."
            )
        return self._at(arr.astype(np.int64))

    def __iter__(self) -> Iterator[float]:
        for a in range(0, len(self), BLOCK):
            yield from self._read(a, min(a + BLOCK, len(self))).tolist()

    # --- lookups ----------------------------------------------------------------------
    @overload
    def searchsorted(self, t: float, side: Side = ..., time_units: str = ...) -> int: ...
    @overload
    def searchsorted(
        self, t: npt.ArrayLike, side: Side = ..., time_units: str = ...
    ) -> np.ndarray: ...
    def searchsorted(
        self, t: npt.ArrayLike, side: Side = "left", time_units: str = "s"
    ) -> int | np.ndarray:
        """Positions where ``t`` would be inserted to keep the times sorted.

        Exactly ``np.searchsorted(self.values, t, side)`` (NaN sorts last), without
        materialising the values: O(1) arithmetic for a regular index, a blocked search
        reading a single block per query block for a lazy explicit index.

        Returns an ``int`` for a scalar ``t``, else an int64 array of the same shape.

        Examples
        --------
        >>> from memphys.core.time_index import RegularTimeIndex
        >>> idx = RegularTimeIndex(start=1.0, rate=4.0, n=8)
        >>> idx.searchsorted(1.5), idx.searchsorted(1.5, side="right")
        (2, 3)
        >>> idx.searchsorted([0.0, 100.0])
        array([0, 8])
        """
        if side not in ("left", "right"):
            check_option("side", side, ("left", "right"))
        q, scalar = as_query(t, time_units)
        out = self._searchsorted(q.reshape(-1), side).reshape(q.shape)
        return int(out) if scalar else out

    def epoch_positions(self, starts: Any, ends: Any) -> tuple[np.ndarray, np.ndarray]:
        """Positions ``(i0, i1)``: samples ``i0[k]:i1[k]`` have ``starts[k] <= t <= ends[k]``.

        Both ends are included, as in pynapple's ``restrict`` and ``get``. Vectorised;
        ``i1 >= i0`` always (an epoch with no sample gives an empty range).

        Examples
        --------
        >>> from memphys.core.time_index import RegularTimeIndex
        >>> idx = RegularTimeIndex(start=0.0, rate=1.0, n=10)
        >>> idx.epoch_positions([2.0, 7.5], [4.0, 20.0])
        (array([2, 8]), array([ 5, 10]))
        """
        s = np.asarray(starts, dtype=np.float64).reshape(-1)
        e = np.asarray(ends, dtype=np.float64).reshape(-1)
        if s.shape != e.shape:
            raise ShapeMismatchError(
                f"Invalid value for `ends`: expected {s.size} values (one per start), but got "
                f"{e.size}."
            )
        i0 = self._searchsorted(s, "left").astype(np.int64, copy=False)
        i1 = self._searchsorted(e, "right").astype(np.int64, copy=False)
        return i0, np.maximum(i1, i0)

    def restrict_positions(self, starts: Any, ends: Any) -> np.ndarray:
        """Sorted int64 positions of the samples inside the epochs (both ends included).

        The epochs are expected sorted and non-overlapping (as in an ``IntervalSet``);
        overlapping epochs give repeated positions.

        Examples
        --------
        >>> from memphys.core.time_index import RegularTimeIndex
        >>> RegularTimeIndex(start=0.0, rate=1.0, n=10).restrict_positions([1, 6], [2, 7])
        array([1, 2, 6, 7])
        """
        i0, i1 = self.epoch_positions(starts, ends)
        lengths = i1 - i0
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # positions = i0[k] + (0..len_k-1), built without a Python loop over epochs
        offsets = np.repeat(i0 - (np.cumsum(lengths) - lengths), lengths)
        positions: np.ndarray = np.arange(total, dtype=np.int64) + offsets
        return positions

    def get_slice(self, start: float, end: float | None = None, time_units: str = "s") -> slice:
        """Positional slice of the samples with ``start <= t <= end`` (pynapple's ``get``).

        With ``end=None``, the slice of the one sample closest to ``start`` (a tie goes to
        the later sample; empty for an empty index).

        Examples
        --------
        >>> from memphys.core.time_index import RegularTimeIndex
        >>> idx = RegularTimeIndex(start=0.0, rate=1.0, n=10)
        >>> idx.get_slice(2.0, 4.0), idx.get_slice(2.6)
        (slice(2, 5, None), slice(3, 4, None))
        """
        n = len(self)
        if end is None:
            if n == 0:
                return slice(0, 0)
            q, _ = as_query(start, time_units)
            i = min(int(self._searchsorted(q.reshape(1), "left")[0]), n - 1)
            if i > 0 and self[i] - float(q) > abs(self[i - 1] - float(q)):
                i -= 1
            return slice(i, i + 1)
        qs, _ = as_query(start, time_units)
        qe, _ = as_query(end, time_units)
        if float(qs) > float(qe):
            raise value_error("end", f"a time >= start ({float(qs)})", float(qe))
        i0, i1 = self.epoch_positions(qs, qe)
        return slice(int(i0[0]), int(i1[0]))

    # --- comparison -------------------------------------------------------------------
    def equals(self, other: Any) -> bool:
        """True if ``other`` (index or array) has exactly the same times, compared in blocks."""
        if not isinstance(other, TimeIndex):
            other = np.asarray(other)
            if other.ndim != 1:
                return False
        n = len(self)
        if len(other) != n:
            return False
        for a in range(0, n, BLOCK):
            b = min(a + BLOCK, n)
            theirs = other._read(a, b) if isinstance(other, TimeIndex) else other[a:b]
            if not np.array_equal(self._read(a, b), theirs):
                return False
        return True

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return (time_index_from_recipe, (self.recipe(),))


def time_index_from_recipe(recipe: dict[str, Any]) -> TimeIndex:
    """Rebuild a time index from ``index.recipe()`` (used for pickling).

    The recipe's ``kind`` names the class (``"regular"``, ``"explicit"``, or that of any
    subclass of :class:`TimeIndex` that sets ``kind``).

    Examples
    --------
    >>> from memphys.core.time_index import RegularTimeIndex
    >>> idx = RegularTimeIndex(start=0.5, rate=10.0, n=3)
    >>> time_index_from_recipe(idx.recipe()).equals(idx)
    True
    """
    kind = recipe.get("kind") if isinstance(recipe, dict) else None
    cls = TimeIndex._kinds.get(kind) if isinstance(kind, str) else None
    if cls is None:
        kinds = " or ".join(repr(k) for k in sorted(TimeIndex._kinds))
        raise value_error("recipe", f"a dict with kind {kinds}", recipe if kind is None else kind)
    return cls.from_recipe(recipe)


# --- pynapple's TsIndex -------------------------------------------------------------------
def _bad_units(units: Any) -> MemphysValueError:
    options = ", ".join(repr(u) for u in TIME_UNITS)
    return MemphysValueError(
        f"unrecognized time units type: allowed values are {options}, but got {units!r}."
    )


class TsIndex(np.ndarray):
    """pynapple's public time index: an immutable float64 ndarray of seconds.

    Unlike pynapple, the constructor never sorts: unsorted or non-finite timestamps raise
    :class:`~memphys.errors.TimeIndexError` (use :func:`sort_by_time` to reorder times and
    data together). memphys's time series use :class:`TimeIndex` internally.

    Examples
    --------
    >>> a = TsIndex(np.arange(3), time_units="ms")
    >>> a
    TsIndex([0.   , 0.001, 0.002])
    >>> a.in_units("ms")
    array([0., 1., 2.])
    >>> a[0] = 5
    Traceback (most recent call last):
    ...
    RuntimeError: TsIndex object is not mutable.
    """

    @staticmethod
    def format_timestamps(t: Any, units: str = "s") -> Any:
        """Convert times given in ``units`` to seconds (9 decimals from ms/us)."""
        if units == "s":
            return t
        if units in ("ms", "us"):
            return np.around(np.asarray(t) / (1e3 if units == "ms" else 1e6), PRECISION)
        raise _bad_units(units)

    @staticmethod
    def return_timestamps(t: Any, units: str = "s") -> Any:
        """Convert times in seconds to ``units`` (9 decimals for ms/us)."""
        if units not in TIME_UNITS:
            raise _bad_units(units)
        return t if units == "s" else in_units_array(np.asarray(t, dtype=np.float64), units)

    @staticmethod
    def sort_timestamps(t: Any, give_warning: bool = True) -> np.ndarray:
        """Return the times sorted, warning ``"timestamps are not sorted"`` if they were not.

        A standalone helper on times only: to sort a time series, reorder its data too
        with :func:`sort_by_time`.
        """
        arr = np.asarray(t)
        if arr.size > 1 and not bool(np.all(arr[1:] >= arr[:-1])):
            if give_warning and not get_config("suppress_time_index_sorting_warnings"):
                warnings.warn("timestamps are not sorted", TimeIndexWarning, stacklevel=2)
            arr = np.sort(arr)
        return arr

    def __new__(cls, t: Any, time_units: str = "s") -> TsIndex:
        arr = np.asarray(t)
        if arr.ndim != 1:
            raise TimeIndexError(
                f"t should be 1 dimensional: expected 1-D timestamps, but got shape {arr.shape}."
            )
        if time_units not in TIME_UNITS:
            raise _bad_units(time_units)
        sec = np.array(TsIndex.format_timestamps(arr.astype(np.float64), time_units), copy=True)
        scan_timestamps(lambda a, b: sec[a:b], sec.size)
        return sec.view(cls)

    @classmethod
    def _from_validated(cls, values: np.ndarray) -> TsIndex:
        return np.asarray(values, dtype=np.float64).view(cls)

    @property
    def values(self) -> np.ndarray:
        """The times in seconds as a plain ndarray."""
        return np.asarray(self)

    def to_numpy(self) -> np.ndarray:
        """The times in seconds as a plain ndarray."""
        return self.values

    def in_units(self, time_units: str = "s") -> np.ndarray:
        """The times in ``time_units``."""
        return np.asarray(TsIndex.return_timestamps(self.values, time_units))

    def __setitem__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("TsIndex object is not mutable.")
