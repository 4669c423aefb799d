"""Zarr v3 stores: memphys's own compressed format for data larger than memory.

:func:`save_zarr` (what ``obj.save("x.zarr", **kwargs)`` calls) streams a time series or an
IntervalSet into a store through the engine, crash-safely; :func:`load_zarr` (what
``load_file("x.zarr")`` calls) opens it lazily, or any zarr array or group (format 2 or 3).
Both live in :mod:`memphys.io.zarr.store`, with the layout of a store.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> import memphys as nap
>>> from memphys.io.zarr import load_zarr, save_zarr
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.zarr"
>>> save_zarr(nap.Tsd(t=None, d=np.arange(5.0), rate=10.0), path)
>>> load_zarr(path).values[:]
array([0., 1., 2., 3., 4.])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = dict.fromkeys(
    (
        "FORMAT_VERSION",
        "SaveReport",
        "load_zarr",
        "resolve_codecs",
        "save_zarr",
        "smallest_integer_dtype",
    ),
    ".store",
)

__all__ = ["ZarrReader", "save", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class ZarrReader(Reader):
    """``.zarr`` stores (folders): a memphys object lazily, or any zarr array or group."""

    name = "zarr"
    extensions = (".zarr",)
    description = "Zarr stores (v2, v3): memphys objects lazily, or bare arrays and groups"
    url = "https://zarr.readthedocs.io"

    def open(
        self,
        path: Path,
        lazy_loading: bool | None = None,
        *,
        rate: float | None = None,
        start: float = 0.0,
        columns: Any = None,
    ) -> Any:
        from memphys.io.zarr.store import load_zarr  # imports zarr and memphys.core

        return load_zarr(path, lazy_loading, rate=rate, start=start, columns=columns)


def save(obj: Any, filename: Any, **kwargs: Any) -> Any:
    """``obj.save("x.zarr", **kwargs)``: see ``save_zarr`` (returns its report, if asked)."""
    from memphys.io.zarr.store import save_zarr  # imports zarr and memphys.core

    return save_zarr(obj, filename, **kwargs)
