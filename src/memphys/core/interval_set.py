"""``IntervalSet``: a sorted set of non-overlapping time intervals, with metadata.

Same names and behaviour as pynapple's ``IntervalSet``; the interval algebra is vectorised
numpy (see :mod:`memphys.core._interval_algebra`), so intersecting two sets of a million
intervals takes a fraction of a second.

Differences from pynapple (listed in ``docs/compat.md``): an interval with ``end < start``
and a NaN bound are errors (:class:`~memphys.errors.IntervalError`) instead of being dropped
with a warning.

Examples
--------
>>> import memphys as nap
>>> ep = nap.IntervalSet(start=[0, 10, 20], end=[5, 12, 33])
>>> ep
  index    start    end
      0        0      5
      1       10     12
      2       20     33
shape: (3, 2), time unit: sec.
>>> ep.intersect(nap.IntervalSet(4, 11))
  index    start    end
      0        4      5
      1       10     11
shape: (2, 2), time unit: sec.
>>> nap.IntervalSet(start=[0, 10], end=[20, 5])
Traceback (most recent call last):
...
memphys.errors.IntervalError: Invalid value for `end`: expected end >= start for every interval, ...
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterator, Sequence
from numbers import Number
from typing import Any, overload

import numpy as np
import pandas as pd
from numpy.lib.mixins import NDArrayOperatorsMixin
from numpy.typing import NDArray

from memphys._validation import describe, found_type, pynapple_error
from memphys.config import get_config
from memphys.core import _interval_algebra as ia
from memphys.core._interval_input import (
    PRECISION,
    IntervalSetLoc,
    as_bounds,
    as_float,
    check_bounds,
    format_times,
    is_array_like,
    return_times,
)
from memphys.core._interval_repr import interval_table
from memphys.core._kinds import series_class
from memphys.core.metadata import _MetadataMixin, _np_key
from memphys.core.time_units import check_time_units
from memphys.errors import (
    ConversionWarning,
    IntervalSetWarning,
    MemphysDeprecationWarning,
    MemphysOSError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
    MetadataWarning,
    ShapeMismatchError,
)
from memphys.registry import save_object

__all__ = ["IntervalSet"]

_IMMUTABLE = "IntervalSet is immutable. Starts and ends have been already sorted."
_INSTANCE_ATTRS = frozenset(
    {"values", "index", "columns", "nap_class", "metadata_index", "_metadata"}
    | {"_initialized", "_class_attributes"}
)


@functools.cache
def _attribute_names(cls: type) -> frozenset[str]:
    """Names metadata must not shadow: the class's attributes and the instance's own."""
    return frozenset(dir(cls)) | _INSTANCE_ATTRS


class IntervalSet(NDArrayOperatorsMixin, _MetadataMixin):
    """A set of non-overlapping time intervals ``[start, end]``, sorted, with metadata.

    Immutable, behaves like a ``(n, 2)`` float64 array of seconds (numpy functions receive
    ``values``, with a warning). Overlapping intervals are joined and unsorted bounds sorted,
    with a warning, as pynapple does; metadata is kept when the intervals are unchanged.

    Parameters
    ----------
    start : number, array-like, (n, 2) array, (start, end) pairs, DataFrame or IntervalSet
        Interval starts; or, without ``end``: (start, end) pairs, a DataFrame with columns
        ``start`` and ``end`` (other columns become metadata) or another IntervalSet.
    end : number or array-like, optional
        Interval ends.
    time_units : {'s', 'ms', 'us'}
        Unit of ``start`` and ``end`` (default seconds).
    metadata : dict or pandas.DataFrame, optional
        One value per interval for each metadata column.

    Raises
    ------
    IntervalError
        If a bound is NaN or an end precedes its start.
    ShapeMismatchError
        If ``start`` and ``end`` differ in length.
    MemphysRuntimeError
        If ``start`` or ``end`` is of an unknown type (a RuntimeError, as in pynapple).
    MemphysTypeError
        If the bounds are not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ep = nap.IntervalSet(np.array([[0, 5], [10, 12]]), metadata={"label": ["a", "b"]})
    >>> ep
      index    start    end  label
          0        0      5  a
          1       10     12  b
    shape: (2, 2), time unit: sec.
    >>> ep[:, 0]
    array([ 0., 10.])
    >>> ep.tot_length("ms")
    np.float64(7000.0)
    >>> ep[0, 0] = 1
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysRuntimeError: IntervalSet is immutable. Starts and ends ...
    """

    values: NDArray[np.float64]
    """``(n, 2)`` array of start and end times in seconds (read-only)."""

    index: NDArray[np.int64]
    """Position of each interval, ``0 .. n-1``."""

    columns: NDArray[np.str_]
    """``["start", "end"]``."""

    nap_class: str
    """Class name, as pynapple."""

    def __init__(
        self,
        start: Any,
        end: Any = None,
        time_units: str = "s",
        metadata: Any = None,
    ) -> None:
        self.__dict__["_initialized"] = False
        time_units = check_time_units(time_units)
        from_frame = False
        if isinstance(start, IntervalSet):
            end = start.values[:, 1].copy()
            start = start.values[:, 0].copy()
        elif isinstance(start, pd.DataFrame):
            if "start" not in start.columns or "end" not in start.columns:
                raise MemphysValueError(
                    "Invalid value for `start`: expected a DataFrame with columns 'start' and "
                    f"'end', but got columns {list(start.columns)}."
                )
            frame = start.reset_index(drop=True)
            metadata = frame.drop(columns=["start", "end"])
            start = as_float(frame["start"].to_numpy(), "start")
            end = as_float(frame["end"].to_numpy(), "end")
            from_frame = True
        else:
            if end is None:
                if is_array_like(start) and tuple(start.shape) == (0, 2):
                    start, end = np.array([]), np.array([])
                else:
                    try:
                        pairs = np.array(list(start)).reshape(-1, 2)
                    except (TypeError, ValueError):
                        raise MemphysValueError(
                            "Unable to Interpret the input. Please provide a list of start-end "
                            "pairs."
                        ) from None
                    start, end = pairs[:, 0], pairs[:, 1]
            start = as_float(as_bounds(start, "start"), "start")
            end = as_float(as_bounds(end, "end"), "end")
            if len(start) != len(end):
                raise pynapple_error(
                    ShapeMismatchError,
                    "Starts end ends are not of the same length",
                    f"{len(start)} starts and {len(end)} ends",
                    exact=True,
                )

        start = format_times(start, time_units)
        end = format_times(end, time_units)
        check_bounds(start, end)

        if from_frame and np.any(np.diff(start) < 0):
            warnings.warn(
                "DataFrame is not sorted by start times. Sorting it.",
                IntervalSetWarning,
                stacklevel=2,
            )
            order = np.argsort(start, kind="stable")
            start, end = start[order], end[order]
            metadata = metadata.iloc[order].reset_index(drop=True)

        drop_meta = False
        quiet = bool(get_config("suppress_time_index_sorting_warnings"))
        for name, arr in (("start", start), ("end", end)):
            if not (np.diff(arr) > 0).all():
                if metadata is not None:
                    msg = f"{name} is not sorted. Cannot add metadata to unsorted {name} times. "
                    msg += "Sorting it and dropping metadata."
                else:
                    msg = f"{name} is not sorted. Sorting it."
                if not quiet or metadata is not None:
                    warnings.warn(msg, IntervalSetWarning, stacklevel=2)
                drop_meta = True
        if drop_meta:
            start, end = np.sort(start), np.sort(end)

        start, end, flags = ia.fix_intervals(start, end)
        if flags.any():
            warnings.warn(
                "\n".join(ia.FIX_WARNINGS[i] for i in np.flatnonzero(flags)),
                IntervalSetWarning,
                stacklevel=2,
            )
            if flags[1:].any() and metadata is not None:
                drop_meta = True
                warnings.warn(
                    "epochs have changed, dropping metadata.", MetadataWarning, stacklevel=2
                )

        self._set_values(np.column_stack([start, end]))
        if not drop_meta and metadata is not None and len(metadata):
            self.set_info(metadata)

    def _set_values(self, values: NDArray[np.float64]) -> None:
        values = np.ascontiguousarray(values, dtype=np.float64).reshape(-1, 2)
        values.setflags(write=False)
        self.values = values
        self.index = np.arange(values.shape[0], dtype=np.int64)
        self.columns = np.array(["start", "end"])
        self.nap_class = type(self).__name__
        _MetadataMixin.__init__(self)
        self._class_attributes = _attribute_names(type(self))
        self._initialized = True

    @classmethod
    def _from_valid(cls, values: NDArray[np.float64], metadata: Any = None) -> IntervalSet:
        """Build from bounds already known to be a valid set (no checks, no warnings)."""
        obj = cls.__new__(cls)
        obj.__dict__["_initialized"] = False
        obj._set_values(values)
        if metadata is not None and len(metadata):
            obj.set_info(metadata)
        return obj

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        meta = self.__dict__.get("_metadata")
        return interval_table(self.values, self.index, meta.data if meta is not None else {})

    def __str__(self) -> str:
        return self.__repr__()

    # ------------------------------------------------------------ array protocol
    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __iter__(self) -> Iterator[IntervalSet]:
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> NDArray[Any]:
        if copy is False and (dtype is None or np.dtype(dtype) == np.float64):
            return self.values
        return np.array(self.values, dtype=dtype, copy=True)

    def _conversion_warning(self) -> None:
        if not get_config("suppress_conversion_warnings"):
            warnings.warn("Converting IntervalSet to numpy.array", ConversionWarning, stacklevel=3)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *args: Any, **kwargs: Any) -> Any:
        args = tuple(a.values if isinstance(a, IntervalSet) else a for a in args)
        out = getattr(ufunc, method)(*args, **kwargs)
        self._conversion_warning()
        return out

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        def strip(a: Any) -> Any:
            if isinstance(a, IntervalSet):
                return np.array(a.values)
            if isinstance(a, list | tuple):
                return type(a)(strip(x) for x in a)
            return a

        out = func(*strip(args), **{k: strip(v) for k, v in kwargs.items()})
        self._conversion_warning()
        return out

    @property
    def start(self) -> NDArray[np.float64]:
        """Start of each interval (seconds)."""
        return self.values[:, 0]

    @property
    def end(self) -> NDArray[np.float64]:
        """End of each interval (seconds)."""
        return self.values[:, 1]

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n, 2)``."""
        return tuple(self.values.shape)

    @property
    def ndim(self) -> int:
        """2."""
        return int(self.values.ndim)

    @property
    def size(self) -> int:
        """``2 * n``."""
        return int(self.values.size)

    @property
    def starts(self) -> Any:
        """The starts as a ``Ts`` (deprecated, as in pynapple)."""
        warnings.warn(
            "starts is a deprecated function. It will be removed in future versions",
            category=MemphysDeprecationWarning,
            stacklevel=2,
        )
        return series_class(0)(t=self.values[:, 0])

    @property
    def ends(self) -> Any:
        """The ends as a ``Ts`` (deprecated, as in pynapple)."""
        warnings.warn(
            "ends is a deprecated function. It will be removed in future versions",
            category=MemphysDeprecationWarning,
            stacklevel=2,
        )
        return series_class(0)(t=self.values[:, 1])

    @property
    def loc(self) -> IntervalSetLoc:
        """pandas-like access: ``loc[i]``, ``loc[[i]]``, ``loc["start"]``, ``loc[i, "end"]``."""
        return IntervalSetLoc(self)

    # ---------------------------------------------------- attribute/item access
    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_initialized", False):
            if name in self._class_attributes:
                raise AttributeError(
                    f"Cannot set attribute '{name}'; IntervalSet is immutable. Use "
                    f"'set_info()' to set '{name}' as metadata."
                )
            _MetadataMixin.__setattr__(self, name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        return _MetadataMixin.__getattr__(self, name)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, str) and key not in ("start", "end"):
            _MetadataMixin.__setitem__(self, key, value)
        else:
            raise MemphysRuntimeError(_IMMUTABLE)

    @overload
    def __getitem__(self, key: str | list[str] | tuple[Any, Any]) -> Any: ...
    @overload
    def __getitem__(
        self, key: int | np.integer | slice | np.ndarray | Sequence[int] | Sequence[bool]
    ) -> IntervalSet: ...
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            if key == "start":
                return self.values[:, 0]
            if key == "end":
                return self.values[:, 1]
            if key in self._metadata.data:
                return _MetadataMixin.__getitem__(self, key)
            raise IndexError(
                f"Unknown string argument. Should be in {['start', 'end', *self.metadata_columns]}"
            )
        if isinstance(key, list) and key and all(isinstance(k, str) for k in key):
            return _MetadataMixin.__getitem__(self, key)
        if isinstance(key, tuple):
            if len(key) != 2:
                raise IndexError("too many indices for IntervalSet: IntervalSet is 2-dimensional")
            key = (_np_key(key[0]), _np_key(key[1]))
            out = self.values[key]
            cols = key[1]
            if (
                isinstance(cols, slice)
                and cols.start in (None, 0)
                and (cols.stop is None or cols.stop > 1)
            ):
                return IntervalSet(out)
            return out
        key = _np_key(key)
        out = self.values[key]
        meta = self._metadata.iloc[key].reset_index()
        return IntervalSet(out, metadata=meta)

    # --------------------------------------------------------------- algebra
    def _other(self, a: Any, name: str = "a") -> IntervalSet:
        if not isinstance(a, IntervalSet):
            raise MemphysTypeError(
                f"Invalid type for `{name}`: expected IntervalSet, but got {type(a).__name__}."
            )
        return a

    def intersect(self, a: IntervalSet) -> IntervalSet:
        """Intervals of time in both ``self`` and ``a``.

        Metadata of both sets is kept (columns present in both are dropped).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 30], end=[10, 70])
        >>> ep.intersect(nap.IntervalSet(start=40, end=100)).values
        array([[40., 70.]])
        """
        a = self._other(a)
        s, e, i1, i2 = ia.intersect(self.start, self.end, a.start, a.end)
        m1 = self._metadata.iloc[i1].reset_index()
        m2 = a._metadata.iloc[i2].reset_index()
        both = [c for c in m1.columns if c in m2.columns]
        if both:
            m1.drop(both)
            m2.drop(both)
        m1.join(m2)
        return IntervalSet(s, e, metadata=m1)

    def union(self, a: IntervalSet) -> IntervalSet:
        """Intervals of time in ``self`` or ``a`` (metadata is dropped, with a warning).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 30], end=[10, 70])
        >>> ep.union(nap.IntervalSet(start=40, end=100)).values
        array([[  0.,  10.],
               [ 30., 100.]])
        """
        a = self._other(a)
        if self.metadata_columns:
            warnings.warn(
                "metadata incompatible with union method. dropping metadata from result",
                MetadataWarning,
                stacklevel=2,
            )
        s, e = ia.union(self.start, self.end, a.start, a.end)
        return IntervalSet(s, e)

    def set_diff(self, a: IntervalSet) -> IntervalSet:
        """Intervals of time in ``self`` but not in ``a`` (metadata of ``self`` kept).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 30], end=[10, 70])
        >>> ep.set_diff(nap.IntervalSet(start=40, end=100)).values
        array([[ 0., 10.],
               [30., 40.]])
        """
        a = self._other(a)
        s, e, idx = ia.set_diff(self.start, self.end, a.start, a.end)
        return IntervalSet(s, e, metadata=self._metadata.iloc[idx].reset_index())

    def in_interval(self, tsd: Any) -> NDArray[np.float64]:
        """For each time of ``tsd``, the index of the interval containing it, or NaN.

        Parameters
        ----------
        tsd : Ts, Tsd, TsdFrame or array of times (seconds)

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 30], end=[10, 70])
        >>> ep.in_interval(np.array([5, 20, 50, 100]))
        array([ 0., nan,  1., nan])
        """
        if hasattr(tsd, "t"):
            times = tsd.t
        elif hasattr(tsd, "index") and not isinstance(tsd, np.ndarray):
            times = np.asarray(tsd.index)
        else:
            times = tsd
        times = np.asarray(times, dtype=np.float64).ravel()
        return ia.in_interval(times, self.start, self.end)

    def drop_short_intervals(self, threshold: float, time_units: str = "s") -> IntervalSet:
        """A copy without the intervals lasting ``threshold`` or less.

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 20])
        >>> ep.drop_short_intervals(5000, time_units="ms").values
        array([[10., 20.]])
        """
        thr = format_times(np.array([threshold], dtype=np.float64), check_time_units(time_units))
        keep: np.ndarray = (self.end - self.start) > thr[0]
        return self[keep]

    def drop_long_intervals(self, threshold: float, time_units: str = "s") -> IntervalSet:
        """A copy without the intervals lasting ``threshold`` or more.

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 20])
        >>> ep.drop_long_intervals(10).values
        array([[0., 5.]])
        """
        thr = format_times(np.array([threshold], dtype=np.float64), check_time_units(time_units))
        keep: np.ndarray = (self.end - self.start) < thr[0]
        return self[keep]

    def merge_close_intervals(self, threshold: float, time_units: str = "s") -> IntervalSet:
        """Join consecutive intervals separated by ``threshold`` or less (metadata dropped).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10, 16], end=[5, 15, 20])
        >>> ep.merge_close_intervals(4.0).values
        array([[ 0.,  5.],
               [10., 20.]])
        """
        if self.metadata_columns:
            warnings.warn(
                "metadata incompatible with merge_close_intervals method. dropping metadata "
                "from result",
                MetadataWarning,
                stacklevel=2,
            )
        if len(self) == 0:
            return IntervalSet(start=[], end=[])
        thr = format_times(np.array([threshold], dtype=np.float64), check_time_units(time_units))
        s, e = ia.merge_close(self.start, self.end, float(thr[0]))
        return IntervalSet(start=s, end=e)

    def split(self, interval_size: float, time_units: str = "s") -> IntervalSet:
        """Cut every interval into consecutive pieces of ``interval_size``.

        Intervals not longer than ``interval_size`` and last pieces shorter than it are
        dropped; one microsecond is removed from each end so that pieces do not touch.
        Metadata is repeated for the pieces of an interval.

        Raises
        ------
        MemphysOSError
            If ``interval_size`` is not a number > 0 or ``time_units`` not a string (an
            OSError, as pynapple raises IOError).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.IntervalSet(0, 3.5).split(1).values
        array([[0.      , 0.999999],
               [1.      , 1.999999],
               [2.      , 2.999999]])
        """
        if not isinstance(interval_size, Number):
            raise pynapple_error(
                MemphysOSError,
                "Argument interval_size should of type float or int",
                found_type(interval_size),
            )
        if not interval_size > 0:
            raise pynapple_error(
                MemphysOSError,
                "Argument interval_size should be strictly larger than 0",
                describe(interval_size),
                exact=True,
            )
        if not isinstance(time_units, str):
            raise pynapple_error(
                MemphysOSError,
                "Argument time_units should be of type str",
                found_type(time_units),
                exact=True,
            )
        if len(self) == 0:
            return IntervalSet(start=[], end=[])
        size = format_times(
            np.array([interval_size], dtype=np.float64), check_time_units(time_units)
        )
        s, e, idx = ia.split(self.start, self.end, float(size[0]), PRECISION)
        return IntervalSet(s, e, metadata=self._metadata.iloc[idx].reset_index())

    # ------------------------------------------------------------ properties
    def time_span(self) -> IntervalSet:
        """One interval from the first start to the last end (metadata dropped).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.IntervalSet(start=[0, 10], end=[5, 20]).time_span().values
        array([[ 0., 20.]])
        """
        if self.metadata_columns:
            warnings.warn(
                "metadata incompatible with time_span method. dropping metadata from result",
                MetadataWarning,
                stacklevel=2,
            )
        if len(self) == 0:
            return IntervalSet(start=[], end=[])
        return IntervalSet(self.values[0, 0], self.values[-1, 1])

    def tot_length(self, time_units: str = "s") -> np.float64:
        """Total duration of the intervals, in ``time_units``.

        Examples
        --------
        >>> import memphys as nap
        >>> nap.IntervalSet(start=[0, 10], end=[5, 20]).tot_length()
        np.float64(15.0)
        """
        total = np.sum(self.values[:, 1] - self.values[:, 0])
        return np.float64(return_times(np.array([total]), time_units)[0])

    def get_intervals_center(self, alpha: float = 0.5) -> Any:
        """``start + (end - start) * alpha`` for each interval, as a ``Ts`` (alpha in [0, 1]).

        Raises
        ------
        MemphysRuntimeError
            If ``alpha`` is not a float (a RuntimeError, as in pynapple).
        """
        if not isinstance(alpha, float):
            raise pynapple_error(
                MemphysRuntimeError, "Parameter alpha should be float type", found_type(alpha)
            )
        alpha = float(np.clip(alpha, 0.0, 1.0))
        t = self.start + (self.end - self.start) * alpha
        return series_class(0)(t=t, time_support=self)

    def as_units(self, units: str = "s") -> pd.DataFrame:
        """The bounds as a DataFrame in ``units`` (integers for ``"us"``).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.IntervalSet(0, 1.5).as_units("ms")
            start     end
        0     0.0  1500.0
        """
        data = return_times(self.values.copy(), units)
        if units == "us":
            data = data.astype(np.int64)
        return pd.DataFrame(index=self.index, data=data, columns=self.columns)

    def as_dataframe(self) -> pd.DataFrame:
        """Bounds and metadata as a DataFrame.

        Examples
        --------
        >>> import memphys as nap
        >>> nap.IntervalSet(0, 5, metadata={"label": "a"}).as_dataframe()
           start  end label
        0    0.0  5.0     a
        """
        df = pd.DataFrame(data=np.array(self.values), columns=["start", "end"])
        return pd.concat([df, self._metadata.as_dataframe()], axis=1)

    # ------------------------------------------------------------------- I/O
    def save(self, filename: str | os.PathLike[str]) -> None:
        """Save to ``filename``: ``.npz`` (pynapple's keys ``start``, ``end``, ``type``,
        ``_metadata``; any other suffix is replaced by ``.npz``, as pynapple does) or a
        ``.zarr`` store.

        The file is written to a temporary name and renamed, so an interrupted save never
        leaves a truncated file. Read it back with ``memphys.load_file`` (or
        ``np.load(filename, allow_pickle=True)``).

        Raises
        ------
        MemphysTypeError
            If ``filename`` is not a string or path.
        MemphysRuntimeError
            If ``filename`` is a folder or its folder does not exist (as pynapple).

        Examples
        --------
        >>> import tempfile, pathlib, numpy as np
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 12])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ep.npz"
        >>> ep.save(path)
        >>> with np.load(path, allow_pickle=True) as f:
        ...     list(f.keys()), f["end"]
        (['start', 'end', 'type', '_metadata'], array([ 5., 12.]))
        >>> nap.load_file(path).values
        array([[ 0.,  5.],
               [10., 12.]])
        """
        save_object(self, filename)

    # ------------------------------------------------ metadata (docstrings)
    def set_info(self, metadata: Any = None, **kwargs: Any) -> None:
        """Add metadata columns, one value per interval (see :meth:`_MetadataMixin.set_info`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 12])
        >>> ep.set_info(choice=["left", "right"])
        >>> ep.reward = [1, 0]
        >>> ep
          index    start    end  choice      reward
              0        0      5  left             1
              1       10     12  right            0
        shape: (2, 2), time unit: sec.
        """
        _MetadataMixin.set_info(self, metadata, **kwargs)

    def get_info(self, key: Any) -> Any:
        """Metadata column(s) by name (see :meth:`_MetadataMixin.get_info`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 12], metadata={"l1": [1, 2]})
        >>> ep.get_info("l1")
        0    1
        1    2
        Name: l1, dtype: int64
        """
        return _MetadataMixin.get_info(self, key)

    def drop_info(self, key: Any) -> None:
        """Remove metadata column(s) (see :meth:`_MetadataMixin.drop_info`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 12], metadata={"l1": [1, 2], "l2": [3, 4]})
        >>> ep.drop_info("l1")
        >>> ep.metadata_columns
        ['l2']
        """
        _MetadataMixin.drop_info(self, key)

    def restrict_info(self, key: Any) -> None:
        """Keep only the named metadata column(s) (see :meth:`_MetadataMixin.restrict_info`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(start=[0, 10], end=[5, 12], metadata={"l1": [1, 2], "l2": [3, 4]})
        >>> ep.restrict_info("l2")
        >>> ep.metadata_columns
        ['l2']
        """
        _MetadataMixin.restrict_info(self, key)

    def groupby(self, by: Any, get_group: Any = None) -> Any:
        """Group intervals by metadata value(s) (see :meth:`_MetadataMixin.groupby`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet([[0, 5], [10, 12], [20, 33]], metadata={"l2": ["x", "x", "y"]})
        >>> ep.groupby("l2")
        {'x': array([0, 1]), 'y': array([2])}
        >>> ep.groupby("l2", get_group="y")
          index    start    end  l2
              0       20     33  y
        shape: (1, 2), time unit: sec.
        """
        return _MetadataMixin.groupby(self, by, get_group)

    def groupby_apply(
        self, by: Any, func: Any, input_key: str | None = None, **func_kwargs: Any
    ) -> dict[Any, Any]:
        """Apply ``func`` to each group of intervals (see :meth:`_MetadataMixin.groupby_apply`).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> ep = nap.IntervalSet([[0, 5], [10, 12], [20, 33]], metadata={"l2": ["x", "x", "y"]})
        >>> ep.groupby_apply("l2", lambda x: x.tot_length())
        {'x': np.float64(7.0), 'y': np.float64(13.0)}
        """
        return _MetadataMixin.groupby_apply(self, by, func, input_key, **func_kwargs)
