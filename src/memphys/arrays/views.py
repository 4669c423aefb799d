"""Derived lazy views: rows or columns of a parent adapter, read on demand.

:class:`RowSliceView` is one contiguous row range ``[start, stop)`` of a parent
:class:`~memphys.arrays.LazyArray`; :class:`RowRangesView` is the concatenation of several
contiguous row ranges (what ``restrict`` keeps of a lazy time series over several epochs);
:class:`ColumnView` is a selection of columns (axis 1), one column dropping the axis (what
``frame[:, 0]`` and ``frame.loc[["a", "b"]]`` keep of a lazy TsdFrame).
All are themselves lazy arrays: a read maps to contiguous reads of the parent (one per
range touched), never to a point selection, and a recipe is the parent's recipe plus the
ranges, so a view is rebuilt in another process without its bytes.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy
>>> from memphys.arrays.views import RowRangesView, RowSliceView
>>> parent = as_lazy(np.arange(20).reshape(10, 2))
>>> v = RowRangesView(parent, [1, 6], [3, 8])
>>> v.shape
(4, 2)
>>> v.read(1, 3)
array([[ 4,  5],
       [12, 13]])
>>> RowSliceView(parent, 8, 10)[:, 1]
array([17, 19])
>>> ColumnView(parent, 1).read(0, 3)
array([1, 3, 5])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.arrays.base import LazyArray, from_recipe, register_adapter
from memphys.errors import MemphysTypeError, ShapeMismatchError, SourceError

__all__ = ["ColumnView", "RowRangesView", "RowSliceView", "row_view"]


def _as_bounds(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise value_error(name, "a 1-D sequence of integer row positions", values)
    return arr.astype(np.int64)


@register_adapter
class RowRangesView(LazyArray):
    """The concatenation of row ranges ``[starts[k], stops[k])`` of a parent lazy array.

    Parameters
    ----------
    source : LazyArray
        The parent adapter.
    starts, stops : sequence of int
        Row ranges of the parent (``0 <= start <= stop <= len(source)``), in the order in
        which they are concatenated. Empty ranges are dropped.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> v = RowRangesView(as_lazy(np.arange(10.0)), [0, 5], [2, 9])
    >>> v[:]
    array([0., 1., 5., 6., 7., 8.])
    >>> v.recipe()["starts"], v.recipe()["stops"]
    ([0, 5], [2, 9])
    """

    kind = "row_ranges"
    _single = False

    def __init__(self, source: LazyArray, starts: Any, stops: Any) -> None:
        if not isinstance(source, LazyArray):
            from memphys.arrays import as_lazy

            source = as_lazy(source)
        s = _as_bounds("starts", starts)
        e = _as_bounds("stops", stops)
        if s.shape != e.shape:
            raise ShapeMismatchError(
                f"Invalid value for `stops`: expected {s.size} values (one per start), but "
                f"got {e.size}."
            )
        n = source.shape[0]
        bad = (s < 0) | (e > n) | (e < s)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise value_error(
                "starts",
                f"ranges with 0 <= start <= stop <= {n}",
                f"[{int(s[k])}, {int(e[k])}) at position {k}",
            )
        keep = e > s
        # a view of a view reads its parent's parent directly (a single range stays single)
        if isinstance(source, RowRangesView) and (
            not self._single or isinstance(source, RowSliceView)
        ):
            s, e, source = _compose(source, s[keep], e[keep])
            keep = e > s
        self._source = source
        self._starts = s[keep]
        self._stops = e[keep]
        self._offsets = np.concatenate([[0], np.cumsum(self._stops - self._starts)])
        self.shape = (int(self._offsets[-1]), *source.shape[1:])
        self.dtype = source.dtype

    @property
    def source(self) -> LazyArray:
        """The parent adapter."""
        return self._source

    @property
    def ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """``(starts, stops)`` of the parent rows, as int64 arrays."""
        return self._starts.copy(), self._stops.copy()

    @property
    def chunks(self) -> tuple[int, ...] | None:
        return self._source.chunks

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        ch = None if self.ndim < 2 else channels
        if stop <= start:
            return self._source.read(0, 0, ch)
        off = self._offsets
        k0 = int(np.searchsorted(off, start, side="right")) - 1
        k1 = int(np.searchsorted(off, stop, side="left"))
        parts = []
        for k in range(k0, k1):
            a = max(start, int(off[k])) - int(off[k]) + int(self._starts[k])
            b = min(stop, int(off[k + 1])) - int(off[k]) + int(self._starts[k])
            if b > a:
                parts.append(self._source.read(a, b, ch))
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts, axis=0)

    def recipe(self) -> dict[str, Any]:
        """The parent's recipe plus the row ranges."""
        return {
            "kind": self.kind,
            "source": self._source.recipe(),
            "starts": self._starts.tolist(),
            "stops": self._stops.tolist(),
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RowRangesView:
        for key in ("source", "starts", "stops"):
            if key not in recipe:
                raise SourceError(
                    f"Invalid value for `recipe`: expected a {cls.kind!r} recipe with a "
                    f"{key!r} key, but got keys {sorted(recipe)}."
                )
        return cls(from_recipe(recipe["source"]), recipe["starts"], recipe["stops"])

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[Any, ...]]:
        # the parent pickles itself (as its recipe when it has a file behind it)
        return (type(self), (self._source, self._starts, self._stops))

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} shape={self.shape} dtype={self.dtype} "
            f"ranges={self._starts.size} of {self._source!r}>"
        )


@register_adapter
class RowSliceView(RowRangesView):
    """Rows ``[start, stop)`` of a parent lazy array (a single contiguous range).

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> v = RowSliceView(as_lazy(np.arange(10)), 3, 6)
    >>> v.shape, v.read()
    ((3,), array([3, 4, 5]))
    """

    kind = "row_slice"
    _single = True

    def __init__(self, source: LazyArray, start: int, stop: int) -> None:
        super().__init__(source, [int(start)], [int(stop)])

    @property
    def start(self) -> int:
        """First parent row."""
        return int(self._starts[0]) if self._starts.size else 0

    @property
    def stop(self) -> int:
        """Parent row after the last one."""
        return int(self._stops[0]) if self._stops.size else 0

    def recipe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self._source.recipe(),
            "start": self.start,
            "stop": self.stop,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RowSliceView:
        for key in ("source", "start", "stop"):
            if key not in recipe:
                raise SourceError(
                    f"Invalid value for `recipe`: expected a {cls.kind!r} recipe with a "
                    f"{key!r} key, but got keys {sorted(recipe)}."
                )
        return cls(from_recipe(recipe["source"]), int(recipe["start"]), int(recipe["stop"]))

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[Any, ...]]:
        return (type(self), (self._source, self.start, self.stop))


def _compose(
    view: RowRangesView, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray, LazyArray]:
    """Ranges of ``view``'s rows expressed as ranges of ``view``'s parent."""
    off = view._offsets
    out_s: list[int] = []
    out_e: list[int] = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        k0 = int(np.searchsorted(off, a, side="right")) - 1
        k1 = int(np.searchsorted(off, b, side="left"))
        for k in range(k0, k1):
            lo = max(a, int(off[k])) - int(off[k]) + int(view._starts[k])
            hi = min(b, int(off[k + 1])) - int(off[k]) + int(view._starts[k])
            if hi > lo:
                if out_e and out_e[-1] == lo:
                    out_e[-1] = hi  # adjacent pieces: one read
                else:
                    out_s.append(lo)
                    out_e.append(hi)
    return (
        np.asarray(out_s, dtype=np.int64),
        np.asarray(out_e, dtype=np.int64),
        view._source,
    )


def row_view(source: LazyArray, starts: Any, stops: Any) -> LazyArray:
    """A :class:`RowSliceView` for one range, else a :class:`RowRangesView`.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> type(row_view(as_lazy(np.arange(5)), [1], [3])).__name__
    'RowSliceView'
    """
    s = _as_bounds("starts", starts)
    e = _as_bounds("stops", stops)
    keep = e > s
    if int(keep.sum()) == 1:
        return RowSliceView(source, int(s[keep][0]), int(e[keep][0]))
    return RowRangesView(source, s, e)


def _column_positions(columns: Any, n: int) -> tuple[np.ndarray, bool]:
    """``columns`` (an int, a slice, integer positions or a boolean mask) as int64
    positions in ``range(n)``, and whether it was one integer (the axis is dropped)."""
    import numbers

    if isinstance(columns, numbers.Integral) and not isinstance(columns, bool | np.bool_):
        j = int(columns)
        if not -n <= j < n:
            raise IndexError(f"index {j} is out of bounds for axis 1 with size {n}")
        return np.array([j % n], dtype=np.int64), True
    if isinstance(columns, slice):
        return np.arange(n, dtype=np.int64)[columns], False
    idx = np.asarray(columns)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise IndexError(
                f"boolean index did not match indexed array along axis 1; size of axis is {n} "
                f"but size of corresponding boolean axis is {idx.size}"
            )
        return np.flatnonzero(idx).astype(np.int64), False
    if idx.ndim != 1 or not (np.issubdtype(idx.dtype, np.integer) or idx.size == 0):
        raise MemphysTypeError(
            f"Invalid value for `columns`: expected an integer, a slice, or a 1-D sequence of "
            f"integer positions or booleans, but got {columns!r}."
        )
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"index out of bounds for axis 1 with size {n}")
    return np.where(idx < 0, idx + n, idx), False


def _as_read_selection(pos: np.ndarray) -> slice | np.ndarray:
    """A contiguous increasing run as a slice (one contiguous read), else the positions."""
    if pos.size and np.all(np.diff(pos) == 1):
        return slice(int(pos[0]), int(pos[-1]) + 1, 1)
    return pos


@register_adapter
class ColumnView(LazyArray):
    """Columns (axis 1) of a parent lazy array, read on demand.

    Parameters
    ----------
    source : LazyArray
        The parent (at least 2-D).
    columns : int, slice, sequence of int or boolean mask
        The parent's columns, in order. One integer drops axis 1 (a 2-D parent gives a
        1-D view, as ``array[:, 0]``).

    A read of rows ``[start, stop)`` is one read of the parent with the corresponding
    channel selection (the parent reads the bounding range of a scattered selection and
    selects in memory: never a point selection). The recipe is the parent's plus the
    positions, so a view is rebuilt in another process without its bytes.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> v = ColumnView(as_lazy(np.arange(12).reshape(3, 4)), [3, 1])
    >>> v.shape, v.read(1, 3)
    ((3, 2), array([[ 7,  5],
           [11,  9]]))
    >>> ColumnView(v, 0)[:]
    array([ 3,  7, 11])
    """

    kind = "columns"
    _source: LazyArray
    _positions: np.ndarray
    _squeeze: bool

    def __init__(self, source: LazyArray, columns: Any) -> None:
        if not isinstance(source, LazyArray):
            from memphys.arrays import as_lazy

            source = as_lazy(source)
        if source.ndim < 2:
            raise ShapeMismatchError(
                f"Invalid value for `source`: expected an array of 2 or more dimensions to "
                f"select columns from, but got shape {source.shape}."
            )
        pos, squeeze = _column_positions(columns, int(source.shape[1]))
        if isinstance(source, ColumnView) and not source._squeeze:
            pos, source = source._positions[pos], source._source  # a view of a view
        self._source = source
        self._positions = pos
        self._squeeze = squeeze
        rest = tuple(source.shape[2:])
        n = int(source.shape[0])
        self.shape = (n, *rest) if squeeze else (n, int(pos.size), *rest)
        self.dtype = source.dtype

    @property
    def source(self) -> LazyArray:
        """The parent adapter."""
        return self._source

    @property
    def columns(self) -> np.ndarray | int:
        """The parent's column positions (an int when the axis is dropped)."""
        return int(self._positions[0]) if self._squeeze else self._positions.copy()

    @property
    def chunks(self) -> tuple[int, ...] | None:
        return self._source.chunks

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        if self._squeeze:
            j = int(self._positions[0])
            block = self._source.read(start, stop, slice(j, j + 1, 1))
            return block[:, 0]
        sel = _as_read_selection(self._positions[channels])
        return self._source.read(start, stop, sel)

    def recipe(self) -> dict[str, Any]:
        """The parent's recipe plus the column positions."""
        cols: Any = int(self._positions[0]) if self._squeeze else self._positions.tolist()
        return {"kind": self.kind, "source": self._source.recipe(), "columns": cols}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ColumnView:
        for key in ("source", "columns"):
            if key not in recipe:
                raise SourceError(
                    f"Invalid value for `recipe`: expected a {cls.kind!r} recipe with a "
                    f"{key!r} key, but got keys {sorted(recipe)}."
                )
        cols = recipe["columns"]
        return cls(from_recipe(recipe["source"]), cols if isinstance(cols, int) else list(cols))

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[Any, ...]]:
        cols: Any = int(self._positions[0]) if self._squeeze else self._positions
        return (type(self), (self._source, cols))

    def close(self) -> None:
        self._source.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} shape={self.shape} dtype={self.dtype} "
            f"columns={self.columns!r} of {self._source!r}>"
        )
