"""What every time series shares: the time index, the time support and time lookups.

:class:`_Base` is the common ancestor of :class:`~memphys.core.ts.Ts` and of the data
series (:class:`~memphys.core.tsd.Tsd`, :class:`~memphys.core.tsd_frame.TsdFrame`,
:class:`~memphys.core.tsd_tensor.TsdTensor`). Times live in a
:class:`~memphys.core.time_index.TimeIndex` (regular ``(start, rate, n)`` or explicit
timestamps, possibly lazy); ``t`` and ``index`` compute arrays when asked. Lookups
(``restrict``, ``get``, ``get_slice``, ``in_interval``) are searches on that index and keep
contiguous row ranges, so a lazy source is read one contiguous block per epoch.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10) * 2)
>>> tsd.restrict(nap.IntervalSet([2, 7], [3, 8])).values
array([ 4,  6, 14, 16])
>>> tsd.get(4.2), tsd.get(2, 4).t
(np.int64(8), array([2., 3., 4.]))
"""

from __future__ import annotations

import abc
import warnings
from numbers import Number
from typing import Any

import numpy as np

from memphys._validation import describe, found_type, pynapple_error
from memphys.arrays import as_lazy
from memphys.arrays.base import LazyArray
from memphys.arrays.views import row_view
from memphys.config import get_config
from memphys.core._kinds import series_class
from memphys.core._time_index_base import BLOCK, in_units_array
from memphys.core._time_index_explicit import ExplicitTimeIndex
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import (
    TimeIndex,
    TsIndex,
    as_time_index,
)
from memphys.core.time_units import check_time_units
from memphys.core.utils import is_array_like
from memphys.errors import (
    ArgumentTypeError,
    ConversionWarning,
    MemoryBudgetError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
    TimeIndexError,
)
from memphys.registry import save_object

__all__ = ["_Base", "is_array_like"]


def _np_slice(s: slice) -> slice:
    """``s`` with numpy int64 bounds (and step), as pynapple's ``get_slice`` returns."""
    return slice(*(None if v is None else np.int64(v) for v in (s.start, s.stop, s.step)))


# --- input conversion ---------------------------------------------------------------------


def _is_lazy_module(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] in ("zarr", "h5py", "dask")


def _conversion_warning(obj: Any, name: str) -> None:
    if not get_config("suppress_conversion_warnings"):
        warnings.warn(
            f"Converting '{name}' to numpy.array. The provided array was of type "
            f"'{type(obj).__name__}'.",
            ConversionWarning,
            stacklevel=5,
        )


def _unknown_format(name: str) -> MemphysRuntimeError:
    return MemphysRuntimeError(
        f"Unknown format for {name}. Accepted formats are numpy.ndarray, list, tuple or any "
        "array-like objects."
    )


def _as_times_input(t: Any) -> Any:
    """Timestamps as something :func:`as_time_index` takes, without copying lazy sources."""
    if isinstance(t, TimeIndex | np.ndarray | LazyArray):
        return t
    if isinstance(t, Number) and not isinstance(t, bool):
        return np.array([t])
    if isinstance(t, list | tuple):
        return np.array(t)
    if is_array_like(t):
        if _is_lazy_module(t):
            return as_lazy(t)  # read in blocks by the index, never converted whole
        _conversion_warning(t, "t")
        return np.asarray(t)
    raise _unknown_format("t")


def make_time_index(
    t: Any,
    time_units: str = "s",
    rate: float | None = None,
    start: float | None = None,
    n: int | None = None,
) -> TimeIndex:
    """The :class:`TimeIndex` of a new time series (regular whenever exact).

    ``t`` may be timestamps (array, list, memmap, lazy source, ``TsIndex``, ``TimeIndex``);
    or None with ``rate`` (and ``start``) for ``n`` samples.
    """
    units = check_time_units(time_units)
    if t is None:
        if rate is None:
            raise ArgumentTypeError(
                "Invalid value for `t`: expected timestamps, or `rate=` (and `start=`) for "
                "regularly sampled data, but got neither."
            )
        return as_time_index(rate=rate, start=start, n=int(n or 0), time_units=units)
    if rate is not None or start is not None:
        raise MemphysValueError(
            "Invalid value for `rate`: expected `rate`/`start` only without `t` (the times "
            f"are then start + i / rate), but got t and rate={rate!r}, start={start!r}."
        )
    if isinstance(t, TsIndex):
        return as_time_index(np.asarray(t))  # already in seconds
    tt = _as_times_input(t)
    if isinstance(tt, np.ndarray) and tt.ndim != 1:
        if tt.ndim == 2 and 1 in tt.shape:
            tt = tt.reshape(-1)
        else:
            raise TimeIndexError(
                f"Invalid value for `t`: expected 1-D timestamps, but got shape {tt.shape}."
            )
    return as_time_index(tt, time_units=units)


def check_support(time_support: Any) -> IntervalSet | None:
    """``time_support`` if it is None or an IntervalSet, else a clear error."""
    if time_support is None or isinstance(time_support, IntervalSet):
        return time_support
    raise ArgumentTypeError(
        "time_support should be an IntervalSet: expected an IntervalSet, but got "
        f"{type(time_support).__name__}."
    )


def _sec(x: Any, units: str) -> float:
    """A time in ``units`` as seconds (rounded to 9 decimals from ms/us, as pynapple)."""
    return float(TsIndex.format_timestamps(np.array([float(x)]), units)[0])


# --- rows of a data source ----------------------------------------------------------------
def budget() -> int:
    """The memory budget in bytes."""
    return int(get_config("memory_budget"))


def row_nbytes(d: Any) -> int:
    """Bytes of one row (axis 0) of ``d``."""
    shape = tuple(getattr(d, "shape", ()))
    return int(np.prod(shape[1:], dtype=np.int64)) * int(np.dtype(d.dtype).itemsize)


def is_in_memory(d: Any) -> bool:
    """True for a plain in-memory numpy array (not a memmap, not a lazy source)."""
    return isinstance(d, np.ndarray) and not isinstance(d, np.memmap)


def adapter(d: Any) -> LazyArray:
    """The contiguous-read adapter of a data source."""
    return as_lazy(d)


def read_rows(d: Any, start: int, stop: int) -> np.ndarray:
    """Rows ``[start, stop)`` of ``d`` as a numpy array (one contiguous read)."""
    if isinstance(d, np.ndarray):
        return np.asarray(d[start:stop])
    return np.asarray(adapter(d).read(start, stop))


def budget_error(what: str, nbytes: int, d: Any) -> Exception:
    return MemoryBudgetError(
        f"{what} would load {nbytes} bytes of {type(d).__name__} data into memory, over "
        f"the memory budget ({budget()} bytes). Process it in chunks with "
        "`map_chunks(..., out=...)`, restrict it to shorter epochs first, or raise the "
        "budget with memphys.set_config(memory_budget=...)."
    )


def take_ranges(d: Any, i0: np.ndarray, i1: np.ndarray) -> Any:
    """Rows of the ranges ``[i0[k], i1[k])`` of ``d``, concatenated.

    In memory (one contiguous read per range) when the result fits the memory budget or
    ``d`` is already in memory; otherwise a lazy :class:`~memphys.arrays.views.RowRangesView`.
    """
    keep = i1 > i0
    s, e = i0[keep], i1[keep]
    total = int((e - s).sum())
    shape = tuple(d.shape)
    if total == 0:
        if isinstance(d, np.ndarray):
            return np.array(d[0:0])
        return np.empty((0, *shape[1:]), dtype=d.dtype)
    if is_in_memory(d) or total * row_nbytes(d) <= budget():
        parts = [read_rows(d, int(a), int(b)) for a, b in zip(s, e, strict=True)]
        out = parts[0].copy() if len(parts) == 1 else np.concatenate(parts, axis=0)
        return out if not isinstance(out, np.memmap) else np.array(out)
    return row_view(adapter(d), s, e)


def index_ranges(ti: TimeIndex, i0: np.ndarray, i1: np.ndarray) -> TimeIndex:
    """The time index of the rows ``[i0[k], i1[k])``: a slice for one range, else explicit."""
    keep = i1 > i0
    s, e = i0[keep], i1[keep]
    if s.size == 0:
        return ti[0:0]
    if s.size == 1:
        return ti[int(s[0]) : int(e[0])]
    vals = np.concatenate([ti._read(int(a), int(b)) for a, b in zip(s, e, strict=True)])
    vals.flags.writeable = False
    return ExplicitTimeIndex._from_parts(vals, None, "s", 0, vals.size, None, True)


# --- output construction ------------------------------------------------------------------
def _ndim(values: Any) -> int:
    return len(getattr(values, "shape", ()))


def _initialize_tsd_output(
    obj: Any,
    values: Any,
    time_index: Any = None,
    time_support: Any = None,
    drop_metadata: bool = False,
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """Wrap ``values`` in the time series class matching its dimensions, if it fits.

    ``values`` with as many rows as ``time_index`` (``obj``'s index by default) become a
    time series of the class registered for their number of dimensions
    (:func:`~memphys.core._kinds.series_class`) on that index (trusted: not re-validated,
    not clipped); no values give one without values; anything else is returned unchanged.
    2-D values from an object of the 2-D class with as many columns keep its columns and
    metadata unless ``drop_metadata``.
    """
    kwargs = dict(kwargs or {})
    ti = obj._ti if time_index is None else time_index
    support = obj.time_support if time_support is None else time_support
    if values is None:
        if not isinstance(ti, TimeIndex):
            ti = make_time_index(ti)
        return series_class(0)._from_trusted(ti, support)
    if not (isinstance(values, np.ndarray | LazyArray) or is_array_like(values)):
        return values
    if _ndim(values) == 0:
        return values
    if not isinstance(ti, TimeIndex):
        ti = make_time_index(ti)
    if len(ti) != values.shape[0]:
        return values
    nd = _ndim(values)
    cls = series_class(nd)
    if nd == 2 and not drop_metadata:
        cols = kwargs.get("columns")
        meta = kwargs.get("metadata")
        if isinstance(obj, cls) and values.shape[1] == obj.shape[1]:
            cols = obj.columns if cols is None else cols
            meta = obj._metadata_dict() if meta is None else meta
        kwargs["columns"], kwargs["metadata"] = cols, meta
    elif nd != 2:
        kwargs.pop("columns", None)
        kwargs.pop("metadata", None)
    return cls._from_trusted(ti, support, values, **kwargs)


class _Base(abc.ABC):
    """Times and time support of a time series, with pynapple's lookups.

    Not instantiated directly: see :class:`~memphys.core.ts.Ts` and
    :class:`~memphys.core.tsd.Tsd`.
    """

    _initialized = False
    _ti: TimeIndex
    time_support: IntervalSet
    """The epochs on which the object is defined (an :class:`IntervalSet`)."""
    rate: float
    """Number of samples divided by the total duration of the time support (Hz)."""
    nap_class: str

    def save(self, filename: Any, **kwargs: Any) -> Any:
        """Save to ``filename``; the format follows its suffix.

        - ``.npz`` (or any other suffix, replaced by ``.npz`` as pynapple does): pynapple's
          keys (``t``, ``d``, ``start``, ...), readable by pynapple.
        - ``.zarr``: a Zarr v3 store (Blosc zstd + bit-shuffle by default) written through
          the engine; ``kwargs`` are those of :func:`memphys.io.zarr.save_zarr`
          (``compressor``, ``filters``, ``shrink_integers``, ``report``, job kwargs such
          as ``n_jobs``).
        - ``.npy`` or ``.dat``/``.bin``/``.raw``: the values only (no times), streamed;
          ``kwargs``: ``dtype`` and job kwargs.

        Lazy data is streamed block by block; the output is written under a temporary name
        and renamed when complete. Read it back with ``memphys.load_file``.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import memphys as nap
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
        >>> nap.Tsd(t=[0.0, 1.0, 2.0], d=[4.0, 5.0, 6.0]).save(path)
        >>> nap.load_file(path).values
        array([4., 5., 6.])
        """
        return save_object(self, filename, **kwargs)

    def __init__(
        self,
        t: Any,
        time_units: str = "s",
        time_support: Any = None,
        *,
        rate: float | None = None,
        start: float | None = None,
    ) -> None:
        ti = make_time_index(t, time_units, rate=rate, start=start, n=None)
        self._setup(ti, check_support(time_support), None, clip=True)

    # --- construction ---------------------------------------------------------------------
    def _setup(
        self, ti: TimeIndex, support: IntervalSet | None, data: Any, clip: bool = True
    ) -> Any:
        """Set the index, support and rate; drop rows outside ``support`` if ``clip``.

        Returns the (possibly clipped) data.
        """
        n = len(ti)
        if clip and support is not None and n:
            i0, i1 = ti.epoch_positions(support.start, support.end)
            covers = len(support) == 1 and int(i0[0]) == 0 and int(i1[0]) == n
            if not covers:
                if data is not None:
                    data = take_ranges(data, i0, i1)
                ti = index_ranges(ti, i0, i1)
                n = len(ti)
        object.__setattr__(self, "_ti", ti)
        if support is None:
            if n:
                # a single timestamp spans no time: the support is dropped with pynapple's
                # warning ("Some epochs have no duration")
                support = IntervalSet(start=ti.start_time, end=ti.end_time)
            else:
                support = IntervalSet(start=[], end=[])
        total = np.float64(np.sum(support.end - support.start))
        rate: float
        if n:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = float(np.float64(n) / total)
        elif len(support) and total > 0:
            rate = 0.0
        else:
            rate, support = np.nan, IntervalSet(start=[], end=[])
        object.__setattr__(self, "time_support", support)
        object.__setattr__(self, "rate", rate)
        return data

    @abc.abstractmethod
    def _define_instance(
        self, time_index: Any, time_support: Any, values: Any = None, **kwargs: Any
    ) -> Any:
        """A new object of the right class on ``time_index`` (trusted, not clipped)."""

    # --- attributes -------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_initialized", False):
            raise MemphysRuntimeError(
                f"Changing directly attributes is not permitted for {self.nap_class}."
            )
        object.__setattr__(self, name, value)

    @property
    def time_index(self) -> TimeIndex:
        """The :class:`~memphys.core.time_index.TimeIndex` (regular or explicit)."""
        return self._ti

    @property
    def index(self) -> TsIndex:
        """The times as a :class:`TsIndex` (float64 seconds, computed when asked)."""
        return TsIndex._from_validated(self._ti.values)

    @property
    def t(self) -> np.ndarray:
        """The times in seconds as a float64 array (computed when asked)."""
        return self._ti.values

    def times(self, units: str = "s") -> np.ndarray:
        """The times in ``units`` (``"s"``, ``"ms"`` or ``"us"``).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.Ts(t=[0.5, 1.0]).times("ms")
        array([ 500., 1000.])
        """
        return self._ti.in_units(units)

    def start_time(self, units: str = "s") -> Any:
        """Time of the first sample in ``units``, or None when empty."""
        if not len(self._ti):
            return None
        return in_units_array(self._ti._read(0, 1), check_time_units(units))[0]

    def end_time(self, units: str = "s") -> Any:
        """Time of the last sample in ``units``, or None when empty."""
        n = len(self._ti)
        if not n:
            return None
        return in_units_array(self._ti._read(n - 1, n), check_time_units(units))[0]

    @property
    def start(self) -> Any:
        """Time of the first sample (seconds)."""
        return self.start_time()

    @property
    def end(self) -> Any:
        """Time of the last sample (seconds)."""
        return self.end_time()

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self._ti),)

    def __len__(self) -> int:
        return len(self._ti)

    def __str__(self) -> str:
        return self.__repr__()

    # --- lookups ----------------------------------------------------------------------------
    def _positions_of(self, iset: Any) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(iset, IntervalSet):
            raise pynapple_error(
                MemphysTypeError, "Argument should be IntervalSet", found_type(iset)
            )
        return self._ti.epoch_positions(iset.start, iset.end)

    def _rows(self, i0: np.ndarray, i1: np.ndarray) -> Any:
        """Data of the row ranges (None for Ts)."""
        return None

    def restrict(self, iset: IntervalSet) -> Any:
        """The samples inside the epochs of ``iset`` (both ends included).

        The result's time support is ``iset``. Rows are located by searching the time index
        (no scan over the data); a lazy source is read with one contiguous read per epoch
        when the result fits the memory budget, and otherwise stays lazy (a view of those
        row ranges).

        Parameters
        ----------
        iset : IntervalSet

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ts = nap.Ts(t=np.arange(10.0))
        >>> ts.restrict(nap.IntervalSet(2.5, 5)).t
        array([3., 4., 5.])
        """
        i0, i1 = self._positions_of(iset)
        ti = index_ranges(self._ti, i0, i1)
        return self._define_instance(ti, iset, values=self._rows(i0, i1))

    def in_interval(self, iset: IntervalSet) -> Any:
        """A boolean Tsd: True where the time is inside an epoch of ``iset``.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> nap.Ts(t=np.arange(5.0)).in_interval(nap.IntervalSet(1, 2)).values
        array([False,  True,  True, False, False])
        """
        i0, i1 = self._positions_of(iset)
        mask = np.zeros(len(self._ti), dtype=bool)
        for a, b in zip(i0.tolist(), i1.tolist(), strict=True):
            mask[a:b] = True
        return _initialize_tsd_output(self, mask, self._ti, self.time_support)

    def get_slice(self, start: Any, end: Any = None, time_unit: str = "s") -> slice:
        """Positional slice of the samples from ``start`` to ``end`` (both included).

        With ``end=None``, the slice of the one sample closest to ``start``.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ts = nap.Ts(t=np.arange(10.0))
        >>> ts.get_slice(2, 4), ts.get_slice(2.6)
        (slice(np.int64(2), np.int64(5), None), slice(np.int64(3), np.int64(4), None))
        """
        mode = "closest_t" if end is None else "restrict"
        return self._get_slice(start, end=end, mode=mode, n_points=None, time_unit=time_unit)

    def _get_slice(
        self,
        start: Any,
        end: Any = None,
        mode: str = "closest_t",
        n_points: int | None = None,
        time_unit: str = "s",
    ) -> slice:
        """pynapple's positional lookup, with modes ``before_t``, ``after_t``,
        ``closest_t`` and ``restrict`` (O(1) or O(log n) reads of the index).

        The bounds are numpy integers, as pynapple returns them."""
        return _np_slice(self._slice_bounds(start, end, mode, n_points, time_unit))

    def _slice_bounds(
        self, start: Any, end: Any, mode: str, n_points: int | None, time_unit: str
    ) -> slice:
        if not isinstance(start, Number):
            raise MemphysValueError(
                f"'start' must be an int or a float. Type {type(start)} provided instead!"
            )
        if n_points is not None and not isinstance(n_points, int):
            raise MemphysTypeError(
                f"'n_points' must be of type int or None. Type {type(n_points)} provided instead!"
            )
        if end is None and n_points:
            raise MemphysValueError("'n_points' can be used only when 'end' is specified!")
        if mode not in ("before_t", "after_t", "closest_t", "restrict"):
            raise MemphysValueError(
                "'mode' only accepts 'before_t', 'after_t', 'closest_t' or 'restrict'."
            )
        if mode == "restrict" and n_points:
            raise MemphysValueError(
                "Fixing the number of time points is incompatible with 'restrict' mode."
            )
        units = check_time_units(time_unit)
        s = _sec(start, units)
        if end is not None and not isinstance(end, Number):
            raise MemphysValueError(
                f"'end' must be an int or a float. Type {type(end)} provided instead!"
            )
        ti = self._ti
        n = len(ti)
        if n == 0:
            return slice(0, 0)

        def at(i: int) -> float:
            return float(ti._read(i % n, i % n + 1)[0])

        i_s = int(ti.searchsorted(s, side="left"))
        if i_s == n and mode != "restrict":
            i_s -= 1
        if mode == "before_t":
            i_s -= int(at(i_s) > s)
        elif mode == "closest_t":
            i_s -= int(at(i_s) - s > abs(at(i_s - 1) - s)) if i_s > 0 else 0
        if end is None:
            if i_s < 0:
                return slice(0, 0)
            if i_s == n - 1 and mode == "after_t":
                return slice(i_s, i_s)
            return slice(i_s, i_s + 1)
        i_s = max(0, i_s)
        e = _sec(end, units)
        if s > e:
            raise pynapple_error(
                MemphysValueError,
                "'start' should not precede 'end'.",
                f"start={start!r}, end={end!r}",
            )
        i_e = int(ti.searchsorted(e, side="left"))
        add = 0
        if i_e == n:
            i_e -= 1
            add = 1
        if mode == "before_t":
            i_e -= int(at(i_e) > e) - int(i_e == 0)
        elif mode == "closest_t":
            i_e -= int(at(i_e) - e > abs(at(i_e - 1) - e)) if i_e > 0 else 0
        elif mode == "after_t" and i_e == n - 1:
            i_e += add
        elif mode == "restrict":
            i_e += int(at(i_e) <= e)
        step = None
        if n_points:
            total = i_e - i_s
            if total > n_points:
                step = total // n_points
                i_e -= total % n_points
        return slice(i_s, i_e, step)

    def get(self, start: Any, end: Any = None, time_units: str = "s") -> Any:
        """The sample closest to ``start``, or the samples from ``start`` to ``end``.

        One contiguous read of the data.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ts = nap.Ts(t=np.arange(10.0))
        >>> ts.get(2, 4).t
        array([2., 3., 4.])
        """
        sl = self.get_slice(start, end, time_units)
        if end is None:
            return self[sl.start]
        return self[sl]

    @abc.abstractmethod
    def __getitem__(self, key: Any) -> Any: ...

    def find_support(self, min_gap: Any, time_units: str = "s") -> IntervalSet:
        """Epochs of the data: a new epoch starts after each gap longer than ``min_gap``.

        Each epoch ends 1 microsecond after its last sample (as pynapple). Runs over the
        times in blocks.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ts = nap.Ts(t=np.r_[0:3, 10:12].astype(float))
        >>> ts.find_support(1.0).values
        array([[ 0.      ,  2.000001],
               [10.      , 11.000001]])
        """
        if not isinstance(min_gap, Number):
            raise ArgumentTypeError("min_gap should be a float or int")
        gap = _sec(min_gap, check_time_units(time_units))
        ti = self._ti
        n = len(ti)
        if n == 0:
            return IntervalSet(start=[], end=[])
        starts = [np.array([ti._read(0, 1)[0]])]
        ends = []
        for a in range(0, n - 1, BLOCK):
            b = min(a + BLOCK + 1, n)
            x = ti._read(a, b)
            cut = np.flatnonzero(np.diff(x) > gap)
            ends.append(x[cut] + 1e-6)
            starts.append(x[cut + 1])
        ends.append(np.array([ti._read(n - 1, n)[0] + 1e-6]))
        return IntervalSet(start=np.concatenate(starts), end=np.concatenate(ends))

    def time_diff(self, align: str = "center", epochs: Any = None) -> Any:
        """Differences between consecutive times within each epoch, as a Tsd.

        Parameters
        ----------
        align : {"start", "center", "end"}
            Where each difference is placed between its two times.
        epochs : IntervalSet, optional
            Defaults to the time support.

        Examples
        --------
        >>> import memphys as nap
        >>> nap.Ts(t=[0.0, 1.0, 3.0]).time_diff(align="start").values
        array([1., 2.])
        """
        if align not in ("start", "center", "end"):
            raise pynapple_error(
                MemphysRuntimeError, "align should be 'start', 'center' or 'end'", describe(align)
            )
        if epochs is None:
            epochs = self.time_support
        elif not isinstance(epochs, IntervalSet):
            raise pynapple_error(
                MemphysTypeError,
                "epochs should be an object of type IntervalSet",
                found_type(epochs),
            )
        alpha = {"start": 0.0, "center": 0.5, "end": 1.0}[align]
        i0, i1 = self._ti.epoch_positions(epochs.start, epochs.end)
        new_t, new_d = [], []
        for a, b in zip(i0.tolist(), i1.tolist(), strict=True):
            if b - a > 1:
                x = self._ti._read(a, b)
                diff = np.diff(x)
                new_d.append(diff)
                new_t.append(x[:-1] + alpha * diff)
        t = np.concatenate(new_t) if new_t else np.zeros(0)
        d = np.concatenate(new_d) if new_d else np.zeros(0)
        ti = ExplicitTimeIndex._from_parts(t, None, "s", 0, t.size, None, True)
        return _initialize_tsd_output(self, d, ti, epochs)
