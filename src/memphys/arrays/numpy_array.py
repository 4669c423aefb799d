"""Adapters over numpy data: in-memory arrays, raw binary memmaps and ``.npy`` files.

:class:`NumpyArray` wraps an array already in memory. :class:`MemmapArray` maps a raw
binary file (path, dtype, shape, offset, order) and :class:`NpyFileArray` a ``.npy`` file;
both open the map lazily in each process and pickle as their recipe, a few hundred bytes
whatever the size of the file.

Examples
--------
>>> import numpy as np, os, pickle, tempfile
>>> from memphys.arrays import MemmapArray
>>> path = os.path.join(tempfile.mkdtemp(), "raw.dat")
>>> np.arange(12, dtype="int16").tofile(path)
>>> a = MemmapArray(path, dtype="int16", shape=(6, 2))
>>> a.read(4, 6, channels=[1])
array([[ 9],
       [11]], dtype=int16)
>>> len(pickle.dumps(a)) < 1000
True
"""

from __future__ import annotations

import mmap
import numbers
import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.lib.format as npformat

from memphys.arrays._select import decode_payload, encode_payload
from memphys.arrays.base import LazyArray, register_adapter
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
    SourceError,
)

__all__ = ["NumpyArray", "MemmapArray", "NpyFileArray"]


def _recipe_value(recipe: dict[str, Any], key: str) -> Any:
    if key not in recipe:
        raise SourceError(
            f"Invalid value for `recipe`: expected a {recipe.get('kind')!r} recipe with a "
            f"{key!r} key, but got keys {sorted(recipe)}."
        )
    return recipe[key]


def _as_dtype(name: str, value: Any) -> np.dtype[Any]:
    try:
        dtype: np.dtype[Any] = np.dtype(value)
    except TypeError as exc:
        raise MemphysTypeError(
            f"Invalid value for `{name}`: expected a numpy dtype, but got {value!r}."
        ) from exc
    if dtype.hasobject:
        raise MemphysTypeError(
            f"Invalid value for `{name}`: expected a dtype without Python objects, but got "
            f"{dtype}. Object arrays cannot be memory-mapped."
        )
    return dtype


def _as_shape(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral):
        value = (value,)
    if not isinstance(value, Sequence) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= 0 for v in value
    ):
        raise MemphysValueError(
            f"Invalid value for `{name}`: expected a tuple of non-negative integers, "
            f"but got {value!r}."
        )
    shape = tuple(int(v) for v in value)
    if len(shape) == 0:
        raise MemphysValueError(
            f"Invalid value for `{name}`: expected at least one dimension (axis 0 is time), "
            "but got ()."
        )
    return shape


def _read_ndarray(
    data: np.ndarray, start: int, stop: int, channels: slice | np.ndarray, copy: bool
) -> np.ndarray:
    """Rows ``[start, stop)`` and ``channels``: a copy if ``copy``, else a read-only view."""
    rows = data[start:stop]
    if data.ndim >= 2:
        if not isinstance(channels, slice):
            # integer positions: numpy gathers into a new array
            return rows[:, channels].view(np.ndarray)
        rows = rows[:, channels]
    if copy:
        return np.array(rows, copy=True, subok=False)
    view = rows.view(np.ndarray)
    view.flags.writeable = False
    return view


@register_adapter
class NumpyArray(LazyArray):
    """Adapter over an in-memory numpy array.

    Reads return read-only views (no copy) for slice selections. A recipe embeds the data
    only when it is small (at most 1 MiB); pickling always works and sends the array.

    Parameters
    ----------
    data : array_like
        The array, with at least one dimension (axis 0 is time).

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import NumpyArray, from_recipe
    >>> a = NumpyArray(np.arange(6.0).reshape(3, 2))
    >>> a[::-1, 0]
    array([4., 2., 0.])
    >>> from_recipe(a.recipe()).read(1, 2)
    array([[2., 3.]])
    """

    kind = "numpy"

    def __init__(self, data: Any) -> None:
        arr = np.asarray(data)
        if arr.ndim == 0:
            raise MemphysValueError(
                "Invalid value for `data`: expected an array with at least one dimension, "
                "but got a 0-d array."
            )
        self._data = arr
        self.shape = tuple(int(s) for s in arr.shape)
        self.dtype = arr.dtype

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        return _read_ndarray(self._data, start, stop, channels, copy=False)

    def recipe(self) -> dict[str, Any]:
        """Embed the data (base64) when it is at most 1 MiB, else raise SourceError.

        An in-memory array has no file to reopen, so a large one cannot be rebuilt in
        another process from a recipe; save it (``np.save``) and wrap the file instead.
        """
        if self.dtype.hasobject or self.dtype.fields is not None:
            raise SourceError(
                f"Cannot build a recipe for an in-memory array of dtype {self.dtype}: expected "
                "a plain numeric dtype to embed. Pickle the adapter instead."
            )
        payload = encode_payload(
            np.ascontiguousarray(self._data).tobytes(),
            f"an in-memory array of shape {self.shape} (it cannot be reopened in another process)",
        )
        return {
            "kind": self.kind,
            "dtype": self.dtype.str,
            "shape": list(self.shape),
            "payload": payload,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> NumpyArray:
        dtype = _as_dtype("recipe['dtype']", _recipe_value(recipe, "dtype"))
        shape = _as_shape("recipe['shape']", _recipe_value(recipe, "shape"))
        raw = decode_payload(recipe)
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if len(raw) != expected:
            raise SourceError(
                f"Invalid value for `recipe['payload']`: expected {expected} bytes for shape "
                f"{shape} and dtype {dtype}, but got {len(raw)} bytes."
            )
        return cls(np.frombuffer(raw, dtype=dtype).reshape(shape).copy())

    def __reduce__(self) -> tuple[Callable[..., NumpyArray], tuple[np.ndarray]]:  # type: ignore[override]
        # the user holds the array itself: pickle it, whatever its size
        return (NumpyArray, (self._data,))


@register_adapter
class MemmapArray(LazyArray):
    """Adapter over a raw binary file, memory-mapped read-only and lazily in each process.

    Reads copy out of the map, so results do not keep the file mapped. Pickling sends the
    recipe (path, dtype, shape, offset, order), never the bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    dtype : dtype_like
        Element type (byte order included, e.g. ``"<i2"``).
    shape : tuple of int
        Array shape; axis 0 is time.
    offset : int, default 0
        Byte offset of the first element in the file.
    order : {"C", "F"}, default "C"
        Memory layout of the data in the file.

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If ``path`` does not exist.
    memphys.errors.FileFormatError
        If ``offset`` is past the end of the file or the file is too small for ``shape``.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "raw.dat")
    >>> np.arange(8, dtype="<f4").tofile(path)
    >>> a = MemmapArray(path, dtype="<f4", shape=(4, 2))
    >>> a[1:3]
    array([[2., 3.],
           [4., 5.]], dtype=float32)
    >>> sorted(a.recipe())
    ['dtype', 'kind', 'offset', 'order', 'path', 'shape']
    """

    kind = "memmap"

    path: str
    offset: int
    order: Literal["C", "F"]
    _mm: np.ndarray | None
    _pid: int

    def __init__(
        self,
        path: str | os.PathLike[str],
        dtype: Any,
        shape: Sequence[int] | int,
        offset: int = 0,
        order: str = "C",
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise MemphysTypeError(
                f"Invalid type for `path`: expected str or os.PathLike, but got "
                f"{type(path).__name__}."
            )
        self.path = os.path.abspath(os.fspath(path))
        self.dtype = _as_dtype("dtype", dtype)
        self.shape = _as_shape("shape", shape)
        if not isinstance(offset, numbers.Integral) or isinstance(offset, bool) or offset < 0:
            raise MemphysValueError(
                f"Invalid value for `offset`: expected a non-negative integer, but got {offset!r}."
            )
        self.offset = int(offset)
        if order not in ("C", "F"):
            raise MemphysValueError(
                f"Invalid value for `order`: allowed values are 'C', 'F', but got {order!r}."
            )
        self.order = "C" if order == "C" else "F"
        self._check_file()
        self._mm = None
        self._pid = -1

    def _check_file(self) -> None:
        if not os.path.isfile(self.path):
            raise MemphysFileNotFoundError(
                f"Invalid value for `path`: expected an existing file, but got {self.path!r} "
                "(no such file)."
            )
        size = os.path.getsize(self.path)
        if self.offset > size:
            raise FileFormatError(
                f"Invalid value for `offset`: expected at most the size of {self.path!r} "
                f"({size} bytes), but got {self.offset} (past the end of the file)."
            )
        expected = self.offset + self.nbytes
        if expected > size:
            raise FileFormatError(
                f"File {self.path!r} is too small for shape {self.shape} and dtype "
                f"{self.dtype} at offset {self.offset}: expected at least {expected} bytes, "
                f"but found {size} bytes. Check `shape`, `dtype` and `offset`."
            )

    def _map(self) -> np.ndarray:
        pid = os.getpid()
        if self._mm is None or self._pid != pid:
            if self.size == 0:
                self._mm = np.empty(self.shape, dtype=self.dtype, order=self.order)
            else:
                self._mm = np.memmap(
                    self.path,
                    dtype=self.dtype,
                    mode="r",
                    offset=self.offset,
                    shape=self.shape,
                    order=self.order,
                )
            self._pid = pid
        return self._mm

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        return _read_ndarray(self._map(), start, stop, channels, copy=True)

    def close(self) -> None:
        """Drop this process's map (it is reopened by the next read)."""
        self._mm = None
        self._pid = -1

    def recipe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "dtype": self.dtype.str,
            "shape": list(self.shape),
            "offset": self.offset,
            "order": self.order,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> MemmapArray:
        return cls(
            _recipe_value(recipe, "path"),
            dtype=_recipe_value(recipe, "dtype"),
            shape=_recipe_value(recipe, "shape"),
            offset=recipe.get("offset", 0),
            order=recipe.get("order", "C"),
        )

    @classmethod
    def from_memmap(cls, mm: np.memmap[Any, Any]) -> MemmapArray:
        """Describe an existing ``np.memmap`` (or a contiguous view of one) as a MemmapArray.

        The file offset of a view is recovered from its data pointer relative to the start
        of the underlying ``mmap``. A view that is not contiguous in the file (for example
        ``mm[:, 1:3]`` of a C-ordered map) cannot be described by a recipe: wrap the full
        memmap and select channels with ``read(..., channels=...)`` instead.

        Note that a ``mode="c"`` (copy-on-write) memmap is described by its file: changes
        made in memory are not seen by adapters rebuilt elsewhere.

        Examples
        --------
        >>> import numpy as np, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "raw.dat")
        >>> np.arange(20, dtype="int32").tofile(path)
        >>> mm = np.memmap(path, dtype="int32", mode="r", shape=(10, 2))
        >>> a = MemmapArray.from_memmap(mm[3:5])
        >>> a.offset, a.shape
        (24, (2, 2))
        >>> a.read()
        array([[6, 7],
               [8, 9]], dtype=int32)
        """
        if not isinstance(mm, np.memmap):
            raise MemphysTypeError(
                f"Invalid type for `mm`: expected numpy.memmap, but got {type(mm).__name__}."
            )
        filename = getattr(mm, "filename", None)
        if filename is None:
            raise SourceError(
                "Invalid value for `mm`: expected a memmap backed by a file, but got an "
                "anonymous memmap (no filename)."
            )
        if mm.ndim == 0:
            raise SourceError(
                "Invalid value for `mm`: expected a memmap with at least one dimension, "
                "but got a 0-d memmap."
            )
        if mm.flags.c_contiguous:
            order = "C"
        elif mm.flags.f_contiguous:
            order = "F"
        else:
            raise SourceError(
                f"Invalid value for `mm`: expected a memmap contiguous in {filename!r}, but got "
                f"a strided view with strides {mm.strides}. Wrap the full memmap and select "
                "rows/channels with `read(start, stop, channels)` instead."
            )
        base_map = getattr(mm, "_mmap", None)
        if base_map is None:
            raise SourceError(
                f"Invalid value for `mm`: cannot locate the view of {filename!r} in the file "
                "(the memmap holds no mmap object). Open the file with "
                "MemmapArray(path, dtype, shape, offset) instead."
            )
        base_offset = int(mm.offset)
        map_start = base_offset - base_offset % mmap.ALLOCATIONGRANULARITY
        if mm.size == 0:
            offset = base_offset
        else:
            base_ptr = np.frombuffer(base_map, dtype=np.uint8, count=1).ctypes.data
            offset = map_start + (mm.ctypes.data - base_ptr)
        out = MemmapArray(filename, dtype=mm.dtype, shape=mm.shape, offset=offset, order=order)
        out._mm = mm.view(np.ndarray)
        out._pid = os.getpid()
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shape={self.shape} dtype={self.dtype} path={self.path!r}>"


def _read_npy_header(path: str) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Return ``(shape, fortran_order, dtype, data_offset)`` of the ``.npy`` file at ``path``."""
    if not os.path.isfile(path):
        raise MemphysFileNotFoundError(
            f"Invalid value for `path`: expected an existing .npy file, but got {path!r} "
            "(no such file)."
        )
    with open(path, "rb") as fh:
        try:
            version = npformat.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npformat.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = npformat.read_array_header_2_0(fh)
            else:
                # version 3.0 (utf-8 field names): no public reader, same layout as 2.0
                shape, fortran, dtype = npformat._read_array_header(fh, version)  # type: ignore[attr-defined]
        except (ValueError, OSError, SyntaxError, EOFError) as exc:
            raise FileFormatError(
                f"File {path!r} is not a valid .npy file: expected the numpy magic string and "
                f"header, but found {exc}."
            ) from exc
        offset = fh.tell()
    return tuple(int(s) for s in shape), bool(fortran), np.dtype(dtype), offset


@register_adapter
class NpyFileArray(MemmapArray):
    """Adapter over a ``.npy`` file, memory-mapped read-only at its header offset.

    The header (version, shape, order, dtype) is read with :mod:`numpy.lib.format`;
    Fortran-ordered files are supported. The recipe is the path and the file size (a file
    rewritten since the recipe was made is refused on rebuild).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npy`` file.

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If ``path`` does not exist.
    memphys.errors.FileFormatError
        If the file is not a ``.npy`` file, holds Python objects, or is truncated.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> np.save(path, np.arange(6).reshape(3, 2))
    >>> a = NpyFileArray(path)
    >>> a.shape, a[2]
    ((3, 2), array([4, 5]))
    """

    kind = "npy"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, str | os.PathLike):
            raise MemphysTypeError(
                f"Invalid type for `path`: expected str or os.PathLike, but got "
                f"{type(path).__name__}."
            )
        full = os.path.abspath(os.fspath(path))
        shape, fortran, dtype, offset = _read_npy_header(full)
        if dtype.hasobject:
            raise FileFormatError(
                f"File {full!r} holds an object array (dtype {dtype}): expected a numeric "
                "dtype. Object arrays are pickled inside .npy files and cannot be "
                "memory-mapped; convert the data to a numeric dtype."
            )
        if len(shape) == 0:
            raise FileFormatError(
                f"File {full!r} holds a 0-d array: expected at least one dimension (axis 0 "
                "is time)."
            )
        super().__init__(
            full, dtype=dtype, shape=shape, offset=offset, order="F" if fortran else "C"
        )
        self.file_size = os.path.getsize(full)

    def recipe(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "size": self.file_size}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> NpyFileArray:
        out = cls(_recipe_value(recipe, "path"))
        size = recipe.get("size")
        if size is not None and size != out.file_size:
            raise SourceError(
                f"File {out.path!r} changed since the recipe was made: expected {size} bytes, "
                f"but found {out.file_size} bytes."
            )
        return out
