"""Lazy array adapters: one small protocol over numpy, memmap, ``.npy``, zarr, h5py, dask.

See :mod:`memphys.arrays.base` for the protocol. :func:`as_lazy` wraps any supported
source; :func:`from_recipe` rebuilds an adapter (in another process, say) from the
JSON-able dict returned by ``adapter.recipe()``.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy
>>> as_lazy(np.zeros((4, 2)))
<NumpyArray shape=(4, 2) dtype=float64>
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from memphys.arrays.base import (
    ChannelSelection,
    LazyArray,
    from_recipe,
    normalize_channels,
    register_adapter,
)
from memphys.arrays.dask_array import DaskArray
from memphys.arrays.duck_array import DuckArray
from memphys.arrays.hdf5_array import HDF5Array
from memphys.arrays.neo_array import ColumnSelectArray, NeoArray, ScaledArray
from memphys.arrays.numpy_array import MemmapArray, NpyFileArray, NumpyArray
from memphys.arrays.views import RowRangesView, RowSliceView
from memphys.arrays.zarr_array import ZarrArray
from memphys.errors import MemphysTypeError

__all__ = [
    "LazyArray",
    "ChannelSelection",
    "NumpyArray",
    "MemmapArray",
    "NpyFileArray",
    "DuckArray",
    "ZarrArray",
    "HDF5Array",
    "DaskArray",
    "NeoArray",
    "ColumnSelectArray",
    "ScaledArray",
    "RowSliceView",
    "RowRangesView",
    "as_lazy",
    "from_recipe",
    "is_lazy_source",
    "normalize_channels",
    "register_adapter",
]


def _module_name(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_lazy_source(obj: Any) -> bool:
    """True for sources whose bytes are not (all) in memory: memmap, zarr, h5py, dask, adapters.

    >>> is_lazy_source(np.zeros(3))
    False
    """
    if isinstance(obj, LazyArray):
        return not isinstance(obj, NumpyArray) or isinstance(obj, MemmapArray)
    if isinstance(obj, np.memmap):
        return True
    return _module_name(obj) in ("zarr", "h5py", "dask")


def as_lazy(obj: Any) -> LazyArray:
    """Wrap ``obj`` in the matching :class:`LazyArray` adapter.

    Accepts a :class:`LazyArray` (returned as is), a ``np.memmap``, a numpy array, a path to
    a ``.npy`` file, a zarr array, an h5py dataset, a dask array, or any array-like with
    ``shape``, ``dtype`` and ``__getitem__`` (wrapped as :class:`DuckArray`).

    Raises
    ------
    memphys.errors.MemphysTypeError
        If ``obj`` is none of these.
    """
    if isinstance(obj, LazyArray):
        return obj
    if isinstance(obj, np.memmap):
        return MemmapArray.from_memmap(obj)
    if isinstance(obj, np.ndarray):
        return NumpyArray(obj)
    if isinstance(obj, str | os.PathLike):
        path = os.fspath(obj)
        if path.endswith(".npy"):
            return NpyFileArray(path)
        raise MemphysTypeError(
            f"Invalid value for `source`: expected a path to a .npy file, but got {path!r}. "
            "Use memphys.load_file for other formats."
        )
    mod = _module_name(obj)
    if mod == "zarr":
        return ZarrArray(obj)
    if mod == "h5py":
        return HDF5Array(obj)
    if mod == "dask":
        return DaskArray(obj)
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and hasattr(obj, "__getitem__"):
        return DuckArray(obj)
    raise MemphysTypeError(
        "Invalid type for `source`: expected a numpy array, memmap, .npy path, zarr array, "
        f"h5py dataset, dask array or array-like with shape/dtype/__getitem__, but got "
        f"{type(obj).__name__}."
    )
