"""Adapter over a dask array, computed block by block with the synchronous scheduler.

The recipe embeds the dask array itself, pickled with cloudpickle and base64-encoded.
That is small when the graph is built from lazy sources (zarr arrays, memphys adapters
such as ``da.from_array(MemmapArray(...))``, which pickle as their recipes): file-backed
``np.memmap`` objects found in the graph are pickled as their
:class:`~memphys.arrays.MemmapArray` recipe, not as their bytes. A graph that holds large
in-memory numpy chunks makes a recipe as large as those chunks; note that
``da.from_array(np.memmap(...))`` copies the memmap into memory (dask calls ``x.copy()``),
so wrap the memmap in :class:`~memphys.arrays.MemmapArray` before handing it to dask.

Examples
--------
>>> import numpy as np, dask.array as da
>>> from memphys.arrays import as_lazy, from_recipe
>>> a = as_lazy(da.arange(12, chunks=4).reshape(6, 2))
>>> a.chunks
(2, 2)
>>> from_recipe(a.recipe()).read(4, 6, channels=[1])
array([[ 9],
       [11]])
"""

from __future__ import annotations

import functools
import io
import math
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.arrays._select import decode_payload, read_sliced
from memphys.arrays.base import LazyArray, register_adapter
from memphys.arrays.numpy_array import MemmapArray
from memphys.errors import MemphysTypeError, SourceError

__all__ = ["DaskArray"]

if TYPE_CHECKING:  # pragma: no cover
    import dask.array as da

# dask and cloudpickle are imported by the functions that need them: the module registers
# its adapter when memphys.arrays is imported, without importing dask (an optional
# dependency).


def _memmap_from_recipe(recipe: dict[str, Any]) -> np.memmap[Any, Any] | np.ndarray:
    """Reopen a memmap described by a :class:`MemmapArray` recipe (read-only)."""
    a = MemmapArray.from_recipe(recipe)
    if a.size == 0:
        return np.empty(a.shape, dtype=a.dtype)
    return np.memmap(
        a.path,
        dtype=a.dtype,
        mode="r",
        offset=a.offset,
        shape=a.shape,
        order=a.order,
    )


def _memmap_reducer(obj: Any) -> Any:
    """A file-backed memmap as its recipe (NotImplemented for anything else)."""
    if isinstance(obj, np.memmap) and getattr(obj, "filename", None) is not None:
        try:
            recipe = MemmapArray.from_memmap(obj).recipe()
        except SourceError:
            pass
        else:
            return (_memmap_from_recipe, (recipe,))
    return NotImplemented


@functools.cache
def _pickler_class() -> type:
    """cloudpickle's pickler, with file-backed memmaps sent as their recipe, not their bytes."""
    import cloudpickle

    class _RecipePickler(cloudpickle.CloudPickler):  # type: ignore[misc]  # untyped library
        def reducer_override(self, obj: Any) -> Any:
            reduced = _memmap_reducer(obj)
            return super().reducer_override(obj) if reduced is NotImplemented else reduced

    return _RecipePickler


def _dumps(obj: Any) -> bytes:
    buf = io.BytesIO()
    _pickler_class()(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _first_chunks(chunks: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | None:
    out = []
    for axis in chunks:
        if len(axis) == 0:
            out.append(0)
            continue
        first = axis[0]
        if any(c != first for c in axis[:-1]) or axis[-1] > first:
            return None
        out.append(int(first))
    return tuple(out)


@register_adapter
class DaskArray(LazyArray):
    """Adapter over a ``dask.array.Array``.

    A read computes ``arr[start:stop, channels]`` with the synchronous scheduler (the
    chunked engine parallelises across blocks itself). Integer channel selections are
    taken as the bounding slice, then selected in memory.

    Parameters
    ----------
    arr : dask.array.Array
        A dask array of known shape, with at least one dimension.

    Notes
    -----
    ``recipe()`` is ``{"kind": "dask", "payload": <base64 cloudpickle>}``: JSON-able, but
    it holds a pickle, so rebuild it only from trusted sources.

    Examples
    --------
    >>> import dask.array as da
    >>> a = DaskArray(da.ones((5, 3), chunks=(2, 3)))
    >>> a.read(0, 1)
    array([[1., 1., 1.]])
    """

    kind = "dask"

    def __init__(self, arr: Any) -> None:
        import dask.array as da

        if not isinstance(arr, da.Array):
            raise MemphysTypeError(
                f"Invalid type for `arr`: expected a dask.array.Array, but got "
                f"{type(arr).__name__}."
            )
        if arr.ndim == 0 or any(isinstance(s, float) and math.isnan(s) for s in arr.shape):
            raise SourceError(
                f"Invalid value for `arr`: expected a dask array of known shape with at least "
                f"one dimension, but got shape {arr.shape}. Call `arr.compute_chunk_sizes()` "
                "first."
            )
        self._arr = arr
        self.shape = tuple(int(s) for s in arr.shape)
        self.dtype = np.dtype(arr.dtype)

    @property
    def array(self) -> da.Array:
        """The wrapped dask array."""
        return self._arr

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The first chunk size along each axis, or None if the chunking is irregular."""
        return _first_chunks(self._arr.chunks)

    def _compute(self, key: tuple[slice, ...]) -> np.ndarray:
        import dask

        with dask.config.set(scheduler="synchronous"):
            return np.asarray(self._arr[key].compute())

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        return read_sliced(self._compute, self.ndim, start, stop, channels)

    def recipe(self) -> dict[str, Any]:
        """The dask array, cloudpickled and base64-encoded (memmaps as their recipes)."""
        import base64

        try:
            data = _dumps(self._arr)
        except Exception as exc:
            raise SourceError(
                f"Cannot build a recipe for a dask array: pickling its graph failed ({exc})."
            ) from exc
        return {"kind": self.kind, "payload": base64.b64encode(data).decode("ascii")}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> DaskArray:
        raw = decode_payload(recipe)
        try:
            arr = pickle.loads(raw)
        except Exception as exc:
            raise SourceError(
                f"Cannot rebuild a dask array from its recipe: unpickling failed ({exc})."
            ) from exc
        return cls(arr)

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[dict[str, Any]]]:
        return (DaskArray.from_recipe, (self.recipe(),))
