"""Adapter over a zarr array (zarr-python >= 3; format-2 and format-3 stores).

Reads use basic slices only: an integer channel selection reads the bounding channel
slice and selects in memory, never zarr's point (``oindex``/``vindex``) selection.

Examples
--------
>>> import numpy as np, os, tempfile, zarr
>>> from memphys.arrays import as_lazy, from_recipe
>>> store = os.path.join(tempfile.mkdtemp(), "x.zarr")
>>> z = zarr.create_array(store=store, shape=(6, 2), chunks=(3, 2), dtype="int16")
>>> z[:] = np.arange(12).reshape(6, 2)
>>> a = as_lazy(z)
>>> a.chunks
(3, 2)
>>> from_recipe(a.recipe()).read(4, 6)
array([[ 8,  9],
       [10, 11]], dtype=int16)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.arrays._select import read_sliced
from memphys.arrays.base import LazyArray, register_adapter
from memphys.errors import (
    CorruptStoreError,
    MemphysError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    SourceError,
)

__all__ = ["ZarrArray"]


if TYPE_CHECKING:  # pragma: no cover
    import zarr

# zarr is imported by the functions that need it: the module registers its adapter when
# memphys.arrays is imported, without importing zarr.


def _open(store: str, path: str, zarr_format: int | None) -> zarr.Array[Any]:
    import zarr

    if not os.path.exists(store):
        raise MemphysFileNotFoundError(
            f"Invalid value for `store`: expected an existing zarr store, but got {store!r} "
            "(no such directory)."
        )
    try:
        arr = zarr.open_array(store, path=path, mode="r", zarr_format=zarr_format)  # type: ignore[arg-type]
    except Exception as exc:  # zarr raises several types for a missing/invalid array
        raise SourceError(
            f"Cannot open zarr array {path!r} in store {store!r}: expected an existing array "
            f"(format {zarr_format or 'any'}), but opening failed ({type(exc).__name__}: {exc})."
        ) from exc
    return arr


@register_adapter
class ZarrArray(LazyArray):
    """Adapter over a ``zarr.Array``.

    Parameters
    ----------
    source : zarr.Array or str or os.PathLike
        An open zarr array, or the path of a local store (opened read-only).
    path : str, default ""
        Path of the array inside the store, when ``source`` is a store path.

    Notes
    -----
    The recipe names a local store (directory), the array path inside it and the zarr
    format. Arrays in memory (``MemoryStore``) or in remote stores have no recipe; such an
    adapter still pickles, by pickling the zarr array itself.

    Examples
    --------
    >>> import numpy as np, os, tempfile, zarr
    >>> store = os.path.join(tempfile.mkdtemp(), "g.zarr")
    >>> g = zarr.open_group(store, mode="w", zarr_format=2)
    >>> z = g.create_array("lfp", shape=(4, 3), chunks=(2, 3), dtype="float32")
    >>> z[:] = 1.5
    >>> a = ZarrArray(store, path="lfp")
    >>> a.recipe()["zarr_format"], a[0, ::2]
    (2, array([1.5, 1.5], dtype=float32))
    """

    kind = "zarr"

    def __init__(self, source: Any, path: str = "") -> None:
        if isinstance(source, str | os.PathLike):
            source = _open(os.fspath(source), path, None)
        import zarr

        if not isinstance(source, zarr.Array):
            raise MemphysTypeError(
                f"Invalid type for `source`: expected a zarr.Array or a store path, but got "
                f"{type(source).__name__}."
            )
        if source.ndim == 0:
            raise SourceError(
                "Invalid value for `source`: expected a zarr array with at least one "
                "dimension (axis 0 is time), but got a 0-d array."
            )
        self._arr = source
        self.shape = tuple(int(s) for s in source.shape)
        self.dtype = np.dtype(source.dtype)

    @property
    def array(self) -> zarr.Array[Any]:
        """The wrapped ``zarr.Array``."""
        return self._arr

    @property
    def chunks(self) -> tuple[int, ...]:
        """The read chunk shape (the inner chunk of a sharded array)."""
        return tuple(int(c) for c in self._arr.chunks)

    @property
    def write_chunks(self) -> tuple[int, ...]:
        """The write unit: the shard shape of a sharded array, else :attr:`chunks`."""
        shards = self._arr.shards
        return tuple(int(c) for c in shards) if shards is not None else self.chunks

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        try:
            return read_sliced(self._arr.__getitem__, self.ndim, start, stop, channels)
        except MemphysError:
            raise
        except Exception as exc:  # a chunk's checksum, blosc, reshape, JSON errors of zarr
            found = f"{type(exc).__name__}: {str(exc).rstrip('.')}"
            raise CorruptStoreError(
                f"Cannot read rows [{start}, {stop}) of the zarr array {self._arr.path!r} in "
                f"store {str(self._arr.store)!r}: {found}. The store is damaged (or was changed "
                "while being read); write it again."
            ) from exc

    def recipe(self) -> dict[str, Any]:
        """Local store path, array path and zarr format; SourceError for other stores."""
        store = self._arr.store
        import zarr.storage

        if isinstance(store, zarr.storage.LocalStore):
            root = os.path.abspath(os.fspath(store.root))
        else:
            raise SourceError(
                f"Cannot build a recipe for a zarr array in a {type(store).__name__}: expected "
                "a local directory store, which another process can reopen. An in-memory "
                "store cannot be rebuilt from a recipe; write the array to a directory store "
                "(zarr.create_array(store='path.zarr', ...)). Pickling the adapter still "
                "works and sends the zarr array itself."
            )
        return {
            "kind": self.kind,
            "store": root,
            "path": self._arr.path,
            "zarr_format": int(self._arr.metadata.zarr_format),
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ZarrArray:
        store = recipe.get("store")
        if not isinstance(store, str):
            raise SourceError(
                f"Invalid value for `recipe['store']`: expected a store path, but got {store!r}."
            )
        fmt = recipe.get("zarr_format")
        return cls(_open(store, str(recipe.get("path", "")), fmt))

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[Any]]:
        try:
            return (ZarrArray.from_recipe, (self.recipe(),))
        except SourceError:
            # no recipe (memory or remote store): pickle the zarr array itself
            return (ZarrArray, (self._arr,))

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} shape={self.shape} dtype={self.dtype} "
            f"chunks={self.chunks} store={self._arr.store}>"
        )
