"""What Tsd, TsdFrame and TsdTensor share: the data, slicing and numpy's protocols.

The data given by the user is kept as ``values`` (an ndarray, a ``np.memmap``, a zarr
array / h5py dataset with ``load_array=False``, or a :class:`~memphys.arrays.LazyArray`);
rows are read through a contiguous-read adapter. A lazy source is never fancy-indexed:
masks and integer positions read the bounding row ranges block by block, and anything
that would load more than the memory budget raises
:class:`~memphys.errors.MemoryBudgetError`.
"""

from __future__ import annotations

import contextlib
import inspect
import numbers
import warnings
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from memphys._validation import found_type, pynapple_error
from memphys.arrays.base import LazyArray
from memphys.arrays.views import ColumnView, RowSliceView
from memphys.core import _tsd_binning, _tsd_engine, _tsd_filters
from memphys.core._time_index_base import TimeIndex
from memphys.core.base_class import (
    _Base,
    _conversion_warning,
    _initialize_tsd_output,
    _unknown_format,
    adapter,
    budget,
    budget_error,
    check_support,
    index_ranges,
    is_array_like,
    is_in_memory,
    make_time_index,
    read_rows,
    row_nbytes,
    take_ranges,
)
from memphys.core.blocks import source_of
from memphys.core.interval_set import IntervalSet
from memphys.errors import (
    ConversionWarning,
    LengthMismatchError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
    TimeIndexError,
)

__all__ = ["_BaseTsd"]


def _as_data(d: Any, load_array: bool) -> Any:
    """The data as kept by a time series (see module docstring)."""
    if isinstance(d, numbers.Number) and not isinstance(d, bool):
        return np.array([d])
    if isinstance(d, list | tuple):
        return np.array(d)
    if isinstance(d, np.ndarray | LazyArray):
        return d
    if load_array:
        if is_array_like(d):
            _conversion_warning(d, "d")
            return np.asarray(d)
        raise _unknown_format("d")
    if not is_array_like(d):
        raise MemphysTypeError(
            "Data should be array-like, i.e. be indexable, iterable and, have attributes "
            "`shape`, `ndim` and, `dtype`)."
        )
    return d


def _bool_tsd_key(key: Any, what: str = "a Tsd") -> Any:
    """A boolean Tsd used as a key, as its values (pynapple's error otherwise)."""
    if isinstance(key, _BaseTsd):
        if not np.issubdtype(key.dtype, np.bool_):
            raise MemphysValueError(f"When indexing with {what}, it must contain boolean values")
        return key.values
    return key


def _is_int(k: Any) -> bool:
    return isinstance(k, numbers.Integral) and not isinstance(k, bool | np.bool_)


def _fancy_columns(rest: tuple[Any, ...]) -> bool:
    """True when the key after the rows selects columns by positions or a mask (numpy
    would copy every row of a memmap for it)."""
    return bool(rest) and not (_is_int(rest[0]) or isinstance(rest[0], slice))


def _lazy_selection(d: Any, a: int, b: int, step: int, rest: tuple[Any, ...]) -> Any:
    """Rows ``[a, b)`` (forwards) and the column key ``rest`` of a lazy source as a lazy
    view (nothing is read), or None when the key is not a row range and columns."""
    if step != 1 or any(not (isinstance(k, slice) and k == slice(None)) for k in rest[1:]):
        return None
    src = source_of(d)
    view: Any = src if (a, b) == (0, int(d.shape[0])) else RowSliceView(src, a, b)
    if rest and not (isinstance(rest[0], slice) and rest[0] == slice(None)):
        if len(d.shape) < 2:
            return None
        view = ColumnView(view, rest[0])
    return view


class _BaseTsd(_Base, NDArrayOperatorsMixin):
    """Data along a time index (shared by Tsd, TsdFrame and TsdTensor)."""

    values: Any
    """The data: an ndarray, a memmap, or the lazy source given with ``load_array=False``."""

    def __init__(
        self,
        t: Any,
        d: Any,
        time_units: str = "s",
        time_support: Any = None,
        load_array: bool = True,
        *,
        rate: float | None = None,
        start: float | None = None,
    ) -> None:
        support = check_support(time_support)
        data = _as_data(d, load_array)
        n = int(data.shape[0]) if len(getattr(data, "shape", ())) else 0
        ti = make_time_index(t, time_units, rate=rate, start=start, n=n)
        if len(ti) != n:
            raise LengthMismatchError(
                f"Length of values {n} does not match length of index {len(ti)}: expected "
                f"one row of `d` per timestamp in `t`, but got {n} rows for {len(ti)} "
                "timestamps."
            )
        self._set_data(self._setup(ti, support, data, clip=True))

    def _set_data(self, data: Any) -> None:
        object.__setattr__(self, "values", data)
        object.__setattr__(self, "dtype", np.dtype(data.dtype))

    @classmethod
    def _from_trusted(
        cls, ti: TimeIndex, support: IntervalSet | None, values: Any, **kwargs: Any
    ) -> Any:
        """Build without validating the times nor clipping to the support."""
        obj = cls.__new__(cls)
        obj._init_trusted(ti, support, values, **kwargs)
        return obj

    def _init_trusted(
        self, ti: TimeIndex, support: IntervalSet | None, values: Any, **kwargs: Any
    ) -> None:
        self._set_data(self._setup(ti, support, values, clip=False))
        self._finish(**kwargs)

    def _finish(self, **kwargs: Any) -> None:
        object.__setattr__(self, "nap_class", type(self).__name__)
        object.__setattr__(self, "_initialized", True)

    def _define_instance(
        self, time_index: Any, time_support: Any, values: Any = None, **kwargs: Any
    ) -> Any:
        return _initialize_tsd_output(
            self, values, time_index=time_index, time_support=time_support, kwargs=kwargs
        )

    # --- properties -----------------------------------------------------------------------
    @property
    def d(self) -> Any:
        """The data (same object as ``values``)."""
        return self.values

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.values.shape)

    @property
    def ndim(self) -> int:
        return len(self.values.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.values.shape, dtype=np.int64))

    @property
    def is_lazy(self) -> bool:
        """True when the data is not (all) in memory: memmap, zarr, HDF5, dask, view."""
        return not is_in_memory(self.values)

    def as_array(self) -> Any:
        """The data (``values``)."""
        return self.values

    def data(self) -> Any:
        """The data (``values``)."""
        return self.values

    def to_numpy(self) -> np.ndarray:
        """The data as a numpy array (read whole for a lazy source, within the budget)."""
        return self._materialize("to_numpy()")

    def _materialize(self, what: str = "this operation") -> np.ndarray:
        """All the data as a numpy array, refusing lazy sources larger than the budget."""
        d = self.values
        if isinstance(d, np.ndarray) and is_in_memory(d):
            return d
        nbytes = len(self) * row_nbytes(d)
        if nbytes > budget():
            raise budget_error(what, nbytes, d)
        return read_rows(d, 0, len(self))

    def _read_block(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)`` as numpy (one contiguous read)."""
        return read_rows(self.values, start, stop)

    def _rows(self, i0: np.ndarray, i1: np.ndarray) -> Any:
        return take_ranges(self.values, i0, i1)

    # --- pickling ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """A memmap is pickled as its file description (recipe), never as its bytes."""
        state = dict(self.__dict__)
        d = state.get("values")
        if isinstance(d, np.memmap) and getattr(d, "filename", None):
            # a strided view has no recipe: its bytes are pickled then
            with contextlib.suppress(Exception):
                state["values"] = ("__memmap__", adapter(d).recipe(), d.mode)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        d = state.get("values")
        if isinstance(d, tuple) and len(d) == 3 and d[0] == "__memmap__":
            rec, mode = d[1], d[2]
            state["values"] = np.memmap(
                rec["path"],
                dtype=np.dtype(rec["dtype"]),
                mode="r+" if mode == "w+" else mode,
                offset=int(rec["offset"]),
                shape=tuple(rec["shape"]),
                order=rec["order"],
            )
        self.__dict__.update(state)

    # --- numpy protocols ------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        d = self.values
        arr = np.asarray(d) if is_in_memory(d) else read_rows(d, 0, len(self))
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *args: Any, **kwargs: Any) -> Any:
        if method != "__call__":
            return NotImplemented
        n_obj = 0
        new_args = []
        for a in args:
            if isinstance(a, type(self)):
                new_args.append(a._materialize(f"np.{ufunc.__name__}"))
                n_obj += 1
            else:
                new_args.append(a)
        if n_obj > 1:
            return NotImplemented
        out = ufunc(*new_args, **kwargs)
        return _initialize_tsd_output(self, out)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _array_function(self, func, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        """numpy functions as methods: ``tsd.mean()`` is ``np.mean(tsd)``."""
        if not name.startswith("_") and hasattr(np, name):
            func = getattr(np, name)

            def method(*args: Any, **kwargs: Any) -> Any:
                return func(self, *args, **kwargs)

            return method
        raise AttributeError(f"Time series object does not have the attribute {name}")

    # --- indexing -------------------------------------------------------------------------
    def _select(self, key: Any) -> tuple[Any, Any]:
        """``(data selection, time selection)`` for a numpy-style key.

        The time selection is a :class:`TimeIndex` (rows kept), a float (a single row) or
        None (the key did not select along time in a way that keeps an index).
        """
        k0 = key[0] if isinstance(key, tuple) and key else key
        if isinstance(key, tuple) and not key:
            k0 = slice(None)
        if k0 is Ellipsis or k0 is None:
            rows: Any = slice(None)
        else:
            rows = k0
        rest = key[1:] if isinstance(key, tuple) else ()
        if k0 is Ellipsis or k0 is None:
            rest_key: Any = key
        else:
            rest_key = (slice(None), *rest) if not _is_int(rows) else (0, *rest)
        ti = self._ti
        n = len(ti)
        d = self.values
        # the rows, as int / slice / positions
        if _is_int(rows):
            i = int(rows)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
            i %= n
            if isinstance(d, np.ndarray):
                return d[key], float(ti._read(i, i + 1)[0])
            return self._read_block(i, i + 1)[rest_key], float(ti._read(i, i + 1)[0])
        if isinstance(rows, slice):
            a, b, step = rows.indices(n)
            if step < 0:
                raise TimeIndexError(
                    f"Invalid value for `key`: a slice with a negative step ({rows!r}) would "
                    "put the times in decreasing order, and a time series keeps its times "
                    "sorted. For the values in that order use `x.values[::-1]` (a numpy "
                    "array), or `nap.Tsd(t=x.t, d=x.values[::-1])` to put them on the "
                    "series's own times."
                )
            t_sel = ti[rows]
            if isinstance(d, np.ndarray) and not (
                isinstance(d, np.memmap) and _fancy_columns(rest)
            ):
                return d[key], t_sel  # numpy's own view (lazy for a memmap)
            if step < 0:
                a, b = b + 1, a + 1
            b = max(a, b)
            nbytes = len(range(a, b)) * row_nbytes(d)
            if nbytes > budget():
                view = _lazy_selection(d, a, b, step, rest)
                if view is not None:
                    return view, t_sel
                raise budget_error("this selection", nbytes, d)
            block = self._read_block(a, b)
            block = block[::-1] if step < 0 else block
            if abs(step) > 1:
                block = block[:: abs(step)]
            return block[rest_key], t_sel
        # masks and integer positions
        sel = np.asarray(rows)
        if sel.dtype == bool:
            if sel.ndim > 1 and sel.shape == tuple(self.shape) and not rest:
                return np.asarray(self._materialize("a boolean mask"))[sel], None
            if sel.shape[:1] != (n,):
                got = sel.shape[0] if sel.ndim else 0
                raise IndexError(
                    f"boolean index did not match indexed array along axis 0; size of axis is "
                    f"{n} but size of corresponding boolean axis is {got}"
                )
            pos = np.flatnonzero(sel)
        elif sel.size == 0 or np.issubdtype(sel.dtype, np.integer):
            pos = sel.astype(np.int64).reshape(-1) if sel.ndim <= 1 else sel.astype(np.int64)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                "integer or boolean arrays are valid indices"
            )
        if pos.ndim > 1:
            return np.asarray(self._materialize("this selection"))[key], None
        if pos.size and (pos.min() < -n or pos.max() >= n):
            raise IndexError(f"index out of bounds for axis 0 with size {n}")
        pos = np.where(pos < 0, pos + n, pos)
        if pos.size and not bool(np.all(np.diff(pos) >= 0)):
            raise TimeIndexError(
                "Invalid value for `key`: expected positions in increasing order (a time "
                "series keeps its times sorted), but got unsorted positions (a permutation, "
                "e.g. from np.argsort, or a reversal). For the rows in time order use "
                "`x[np.sort(idx)]`; for the values in that order use `x.values[idx]` (a numpy "
                "array), or `nap.Tsd(t=x.t, d=x.values[idx])` to put them on the series's own "
                "times."
            )
        t_sel = ti[pos]
        if isinstance(d, np.ndarray) and not isinstance(d, np.memmap):
            return d[(pos, *rest)] if rest else d[pos], t_sel
        nbytes = pos.size * row_nbytes(d)
        if nbytes > budget():
            raise budget_error("this selection", nbytes, d)
        block = self._gather(pos)
        return block[(slice(None), *rest)] if rest else block, t_sel

    def _gather(self, pos: np.ndarray) -> np.ndarray:
        """Rows at sorted positions ``pos``, reading bounding ranges block by block."""
        d = self.values
        rb = max(row_nbytes(d), 1)
        span = max(1, budget() // (4 * rb))
        out = np.empty((pos.size, *tuple(d.shape)[1:]), dtype=d.dtype)
        i = 0
        while i < pos.size:
            a = int(pos[i])
            j = int(np.searchsorted(pos, a + span, side="left"))
            b = int(pos[j - 1]) + 1
            block = self._read_block(a, b)
            out[i:j] = block[pos[i:j] - a]
            i = j
        return out

    def _wrap(self, out: Any, t_sel: Any, **kwargs: Any) -> Any:
        if isinstance(t_sel, TimeIndex):
            return _initialize_tsd_output(self, out, time_index=t_sel, kwargs=kwargs)
        return out

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            key = tuple(_bool_tsd_key(k) for k in key)
        else:
            key = _bool_tsd_key(key)
        if isinstance(key, str):
            raise IndexError(f"{type(self).__name__} has no key {key!r} (only positions).")
        out, t_sel = self._select(key)
        return self._wrap(out, t_sel)

    def __setitem__(self, key: Any, value: Any) -> None:
        """Write into in-memory (or writable memmap) data; lazy sources refuse writes."""
        key = _bool_tsd_key(key)
        d = self.values
        if not isinstance(d, np.ndarray):
            raise MemphysTypeError(
                f"Cannot write into {type(d).__name__} data: this time series reads a lazy "
                "source. Load it first (tsd.copy()), or write the source itself."
            )
        if not d.flags.writeable:
            raise MemphysValueError(
                "Cannot write into read-only data (a memmap opened with mode='r'?). Open the "
                "file with mode='r+' to write into it, or work on tsd.copy()."
            )
        if isinstance(key, str):
            columns = getattr(self, "columns", None)
            if columns is None:
                raise IndexError(f"{type(self).__name__} has no columns.")
            key = (slice(None), int(columns.get_indexer([key])[0]))
        d[key] = value

    def __iter__(self) -> Any:
        n = len(self)
        rb = max(row_nbytes(self.values), 1)
        step = max(1, min(n, budget() // (4 * rb)))
        for a in range(0, n, step):
            yield from self._read_block(a, min(a + step, n))

    # --- data methods (implemented in _tsd_binning, _tsd_filters, _tsd_engine) --------------
    count = _tsd_binning.count
    value_from = _tsd_binning.value_from
    bin_average = _tsd_binning.bin_average
    interpolate = _tsd_binning.interpolate
    to_trial_tensor = _tsd_binning.to_trial_tensor
    convolve = _tsd_filters.convolve
    smooth = _tsd_filters.smooth
    derivative = _tsd_filters.derivative
    decimate = _tsd_filters.decimate
    iter_chunks = _tsd_engine.iter_chunks
    map_chunks = _tsd_engine.map_chunks

    def copy(self) -> Any:
        """A copy with its own in-memory data (a lazy source is read, within the budget).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> a = nap.Tsd(t=np.arange(3.0), d=np.zeros(3))
        >>> b = a.copy()
        >>> b[0] = 1
        >>> a.values, b.values
        (array([0., 0., 0.]), array([1., 0., 0.]))
        """
        data = np.array(self._materialize("copy()"), copy=True)
        return self._define_instance(self._ti, self.time_support, values=data)

    def dropna(self, update_time_support: bool = True) -> Any:
        """Drop the rows containing a NaN.

        Parameters
        ----------
        update_time_support : bool
            If True, the new time support is made of the runs of rows without NaN (an
            epoch of a single sample is 1 microsecond long).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> tsd = nap.Tsd(t=np.arange(5.0), d=[0, np.nan, 2, 3, np.nan])
        >>> out = tsd.dropna()
        >>> out.t
        array([0., 2., 3.])
        >>> out.time_support.values.tolist()
        [[0.0, 1e-06], [2.0, 3.0]]
        """
        if not isinstance(update_time_support, bool):
            raise pynapple_error(
                MemphysTypeError,
                "Argument update_time_support should be of type bool",
                found_type(update_time_support),
            )
        n = len(self)
        nan = np.zeros(n, dtype=bool)
        rb = max(row_nbytes(self.values), 1)
        step = max(1, budget() // (4 * rb))
        for a in range(0, n, step):
            b = min(a + step, n)
            block = self._read_block(a, b)
            if np.issubdtype(block.dtype, np.inexact):
                nan[a:b] = np.isnan(block).reshape(b - a, -1).any(axis=1)
        if not nan.any():
            data = (
                self.values
                if is_in_memory(self.values)
                else take_ranges(self.values, np.array([0]), np.array([n]))
            )
            return _initialize_tsd_output(self, data, self._ti, self.time_support)
        good = np.concatenate([[False], ~nan, [False]]).astype(np.int8)
        edges = np.diff(good)
        i0 = np.flatnonzero(edges == 1)
        i1 = np.flatnonzero(edges == -1)
        ti = index_ranges(self._ti, i0, i1)
        data = take_ranges(self.values, i0, i1)
        if update_time_support:
            if i0.size:
                starts = self._ti.take(i0)
                ends = self._ti.take(i1 - 1)
                ends = np.where(ends == starts, ends + 1e-6, ends)
                support = IntervalSet(starts, ends)
            else:
                support = IntervalSet([], [])
        else:
            support = self.time_support
        return _initialize_tsd_output(self, data, ti, support)


# --- numpy functions ----------------------------------------------------------------------
def _unwrap(x: Any, what: str) -> Any:
    if isinstance(x, _BaseTsd):
        return x._materialize(what)
    if isinstance(x, list | tuple) and any(isinstance(v, _BaseTsd) for v in x):
        return type(x)(_unwrap(v, what) for v in x)
    return x


_REFUSED = {np.sort, np.lexsort, np.sort_complex, np.partition, np.argpartition}
_NOT_IMPLEMENTED = {np.take, np.take_along_axis, np.extract, np.compress, np.choose, np.select}
_NOT_IMPLEMENTED |= {np.delete}
_SPLITS = {np.split, np.array_split, np.dsplit, np.hsplit, np.vsplit}
_STACKS = {np.concatenate, np.vstack, np.hstack, np.dstack, np.column_stack, np.stack}
_KEEPS_TIME = {np.squeeze, np.unwrap, np.copy, np.cumsum, np.nancumsum, np.cumprod}
_KEEPS_TIME |= {np.nancumprod}


def _array_function(obj: _BaseTsd, func: Any, args: Any, kwargs: Any) -> Any:
    if func in _REFUSED or func in _NOT_IMPLEMENTED:
        return NotImplemented
    if getattr(func, "__module__", "").startswith("numpy.fft"):
        return NotImplemented
    if func in _SPLITS:
        return _split(obj, func, *args, **kwargs)
    if func in _STACKS:
        return _concatenate(func, *args, **kwargs)
    what = f"np.{func.__name__}"
    new_args = [_unwrap(a, what) for a in args]
    new_kwargs = {k: _unwrap(v, what) for k, v in kwargs.items()}
    out = func._implementation(*new_args, **new_kwargs)
    if _moves_time_axis(func, new_args, new_kwargs):
        return out
    if hasattr(out, "shape") and tuple(out.shape) == obj.shape:
        return _initialize_tsd_output(obj, out)
    try:
        return _initialize_tsd_output(obj, out, drop_metadata=True)
    except Exception:
        return out


def _moves_time_axis(func: Any, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """True if ``func`` reduces, permutes or reverses axis 0 (the result loses its times)."""
    if func is np.flipud:
        return True
    if func in _KEEPS_TIME:
        return False
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return False
    bound.apply_defaults()
    a = bound.arguments
    first = (
        args[0] if args else next((a[k] for k in ("a", "arr", "array", "x", "m") if k in a), None)
    )
    ndim = getattr(first, "ndim", None)
    if ndim is None:
        return False

    def hits0(ax: Any, nd: int) -> bool:
        if ax is None:
            return True
        axes = ax if isinstance(ax, tuple | list) else (ax,)
        return any(_is_int(v) and int(v) % max(nd, 1) == 0 for v in axes)

    if "axis" in a:
        if func is np.expand_dims:
            ax = a["axis"]
            axes = ax if isinstance(ax, tuple | list) else (ax,)
            if any(int(v) % (ndim + len(axes)) == 0 for v in axes):
                return True
        elif hits0(a["axis"], ndim):
            return True
    if func is np.rollaxis and a.get("start", 0) == 0:
        return True
    if func is np.rot90 and 0 in tuple(a.get("axes", (0, 1))):
        return True
    if "axes" in a and func is not np.rot90:
        axes = a["axes"]
        if axes is None:
            return True
        if isinstance(axes, tuple | list) and 0 in axes and list(axes).index(0) != 0:
            return True
    for name in ("source", "destination"):
        v = a.get(name)
        if v is not None and hits0(v, ndim):
            return True
    return a.get("axis1") == 0 or a.get("axis2") == 0


def _split(obj: _BaseTsd, func: Any, ary: Any, indices_or_sections: Any, axis: int = 0) -> Any:
    values = obj._materialize(f"np.{func.__name__}")
    if func in (np.split, np.array_split, np.vsplit) and axis == 0:
        pieces = func._implementation(values, indices_or_sections)
        out, a = [], 0
        for p in pieces:
            b = a + p.shape[0]
            out.append(_initialize_tsd_output(obj, p, time_index=obj._ti[a:b]))
            a = b
        return out
    if func in (np.dsplit, np.hsplit):
        return [
            _initialize_tsd_output(obj, p)
            for p in func._implementation(values, indices_or_sections)
        ]
    return func._implementation(values, indices_or_sections, axis)


def _times_equal(arrays: list[np.ndarray]) -> bool:
    first = arrays[0]
    return all(
        x.shape == first.shape and np.allclose(first, x, rtol=0, atol=1e-9) for x in arrays[1:]
    )


def _concatenate(func: Any, *args: Any, **kwargs: Any) -> Any:
    if func is np.concatenate and "axis" not in kwargs and len(args) >= 2:
        kwargs["axis"] = args[1] if _is_int(args[1]) else 0
    items = list(args[0])
    series = [x for x in items if isinstance(x, _BaseTsd)]
    arrays = [
        x._materialize(f"np.{func.__name__}") if isinstance(x, _BaseTsd) else x for x in items
    ]
    out = func._implementation(arrays, **kwargs)
    cls = type(series[-1])
    columns = [x.columns for x in series if getattr(x, "columns", None) is not None]
    if out.shape[0] > np.shape(arrays[0])[0]:  # stacked along time
        if len(series) != len(items):
            return out
        times = np.concatenate([x.t for x in series])
        if np.any(np.diff(times) <= 0):
            raise MemphysRuntimeError(
                "The order of the time series indexes should be strictly increasing and non "
                "overlapping."
            )
        support = series[0].time_support
        for x in series[1:]:
            support = support.union(x.time_support)
        extra = {"columns": columns[0]} if columns else {}
        return cls(t=times, d=out, time_support=support, **extra)
    if len(series) == 1:
        return _initialize_tsd_output(series[0], out)
    t_equal = _times_equal([x.t for x in series])
    s_equal = _times_equal([x.time_support.values for x in series])
    if t_equal and s_equal:
        extra = {}
        if columns:
            cols = np.hstack([np.asarray(c) for c in columns])
            if out.ndim == 2 and len(cols) == out.shape[1]:
                extra = {"columns": cols}
        return _initialize_tsd_output(series[0], out, drop_metadata=True, kwargs=extra)
    if not t_equal and not s_equal:
        msg = "Time indexes and time supports are not all equals up to pynapple precision."
    elif not t_equal:
        msg = "Time indexes are not all equals up to pynapple precision."
    else:
        msg = "Time supports are not all equals up to pynapple precision."
    warnings.warn(msg + " Returning numpy array!", ConversionWarning, stacklevel=4)
    return out
