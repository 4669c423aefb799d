"""Adapter over an HDF5 dataset (h5py), reopened lazily in every process.

The h5py file handle is never pickled: the recipe is the absolute file path and the
dataset name, and each process keeps one read-only handle per file, keyed by
``(path, pid)`` so that forked workers open their own.

Examples
--------
>>> import numpy as np, os, tempfile, h5py, pickle
>>> from memphys.arrays import as_lazy
>>> path = os.path.join(tempfile.mkdtemp(), "x.h5")
>>> with h5py.File(path, "w") as f:
...     _ = f.create_dataset("lfp", data=np.arange(12.0).reshape(6, 2), chunks=(3, 2))
>>> a = HDF5Array(path, "lfp")
>>> a.chunks, a.read(0, 2, channels=[1, 0])
((3, 2), array([[1., 0.],
       [3., 2.]]))
>>> pickle.loads(pickle.dumps(a))[5]
array([10., 11.])
>>> a.close()
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.arrays._select import read_sliced
from memphys.arrays.base import LazyArray, register_adapter
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    SourceError,
)

__all__ = ["HDF5Array"]

if TYPE_CHECKING:  # pragma: no cover
    import h5py

# h5py is imported by the functions that need it: the module registers its adapter when
# memphys.arrays is imported, without importing h5py.


class _HandleCache:
    """Read-only h5py file handles of this process, keyed by ``(path, pid)``.

    A forked child inherits the parent's entries but never uses them (its pid differs), so
    it opens its own handle on first read.
    """

    def __init__(self) -> None:
        self._files: dict[tuple[str, int], h5py.File] = {}
        self._lock = threading.Lock()

    def get(self, path: str) -> h5py.File:
        key = (path, os.getpid())
        with self._lock:
            f = self._files.get(key)
            if f is None or not f.id.valid:
                f = _open_file(path)
                self._files[key] = f
            return f

    def close(self, path: str) -> None:
        with self._lock:
            f = self._files.pop((path, os.getpid()), None)
        if f is not None and f.id.valid:
            f.close()


_HANDLES = _HandleCache()


def _open_file(path: str) -> h5py.File:
    if not os.path.isfile(path):
        raise MemphysFileNotFoundError(
            f"Invalid value for `path`: expected an existing HDF5 file, but got {path!r} "
            "(no such file)."
        )
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise FileFormatError(
            f"File {path!r} could not be opened as HDF5: expected an HDF5 file, but h5py "
            f"reported: {exc}."
        ) from exc


def _get_dataset(f: h5py.File, name: str) -> h5py.Dataset:
    import h5py

    obj = f.get(name)
    if not isinstance(obj, h5py.Dataset):
        found = "nothing" if obj is None else f"a {type(obj).__name__}"
        raise SourceError(
            f"Invalid value for `name`: expected a dataset in {f.filename!r}, but found "
            f"{found} at {name!r}."
        )
    return obj


@register_adapter
class HDF5Array(LazyArray):
    """Adapter over an ``h5py.Dataset``, read with hyperslab (slice) selections only.

    Parameters
    ----------
    source : h5py.Dataset or str or os.PathLike
        An open dataset, or the path of an HDF5 file (then ``name`` is required).
    name : str, optional
        Dataset name inside the file, when ``source`` is a path.

    Notes
    -----
    In the process that created it from an open dataset, the adapter reads through that
    dataset; anywhere else (after pickling, or in a forked child) it opens the file
    read-only once per process. An integer channel selection reads the bounding channel
    slice and selects in memory (h5py point selection is 10-20x slower than a slice).

    Examples
    --------
    >>> import numpy as np, os, tempfile, h5py
    >>> path = os.path.join(tempfile.mkdtemp(), "y.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("g/d", data=np.arange(4))
    >>> f = h5py.File(path, "r")
    >>> a = HDF5Array(f["g/d"])
    >>> a.recipe()["name"], a[::-2]
    ('/g/d', array([3, 1]))
    >>> f.close()
    """

    kind = "hdf5"

    def __init__(self, source: Any, name: str | None = None) -> None:
        import h5py

        self._ds: h5py.Dataset | None
        if isinstance(source, h5py.Dataset):
            ds = source
            if ds.name is None:
                raise SourceError(
                    "Invalid value for `source`: expected a named dataset, but got an "
                    "anonymous one."
                )
            self.path = os.path.abspath(ds.file.filename)
            self.name = ds.name
            self._driver = ds.file.driver
        elif isinstance(source, str | os.PathLike):
            if not isinstance(name, str):
                raise MemphysTypeError(
                    f"Invalid type for `name`: expected the dataset name (str) when `source` "
                    f"is a path, but got {type(name).__name__}."
                )
            self.path = os.path.abspath(os.fspath(source))
            self.name = name
            ds = _get_dataset(_HANDLES.get(self.path), name)
            self.name = ds.name or name
            self._driver = ds.file.driver
        else:
            raise MemphysTypeError(
                f"Invalid type for `source`: expected an h5py.Dataset or a file path, but got "
                f"{type(source).__name__}."
            )
        if ds.shape is None or len(ds.shape) == 0:
            raise SourceError(
                f"Invalid value for `source`: expected a dataset with at least one dimension "
                f"(axis 0 is time), but {self.name!r} in {self.path!r} is scalar or empty."
            )
        self._ds = ds
        self._pid = os.getpid()
        self.shape = tuple(int(s) for s in ds.shape)
        self.dtype = np.dtype(ds.dtype)
        self._chunks = tuple(int(c) for c in ds.chunks) if ds.chunks else None

    def _dataset(self) -> h5py.Dataset:
        ds = self._ds
        if ds is not None and self._pid == os.getpid() and ds.id.valid:
            return ds
        ds = _get_dataset(_HANDLES.get(self.path), self.name)
        self._ds = ds
        self._pid = os.getpid()
        return ds

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The dataset's HDF5 chunk shape, or None for a contiguous dataset."""
        return self._chunks

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        return read_sliced(self._dataset().__getitem__, self.ndim, start, stop, channels)

    def close(self) -> None:
        """Close this process's cached handle on the file (a later read reopens it).

        A dataset passed in by the user is not closed; the adapter just stops using it.
        """
        self._ds = None
        _HANDLES.close(self.path)

    def recipe(self) -> dict[str, Any]:
        """Absolute file path and dataset name; SourceError for in-memory files."""
        if self._driver in ("core", "fileobj"):
            raise SourceError(
                f"Cannot build a recipe for dataset {self.name!r}: expected an HDF5 file on "
                f"disk, but its file uses the {self._driver!r} driver (in memory or a Python "
                "file object), which another process cannot reopen. Write it to a file."
            )
        return {"kind": self.kind, "path": self.path, "name": self.name}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> HDF5Array:
        path, name = recipe.get("path"), recipe.get("name")
        if not isinstance(path, str) or not isinstance(name, str):
            raise SourceError(
                "Invalid value for `recipe`: expected 'path' and 'name' strings, but got "
                f"path={path!r}, name={name!r}."
            )
        return cls(path, name)

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[dict[str, Any]]]:
        # the recipe, never the h5py handle (which cannot be pickled)
        return (HDF5Array.from_recipe, (self.recipe(),))

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} shape={self.shape} dtype={self.dtype} "
            f"path={self.path!r} name={self.name!r}>"
        )
