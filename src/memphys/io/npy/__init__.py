"""``.npy`` files: one array, memory-mapped to read and streamed to write.

:func:`load_npy` (what ``load_file("x.npy")`` calls) maps the file at its header offset,
as a time series with ``rate=``; :func:`save_npy` (what ``obj.save("x.npy")`` calls) streams
the values through the engine. Both live in :mod:`memphys.io.npy.array`.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> from memphys.io.npy import load_npy
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
>>> np.save(path, np.arange(4.0))
>>> load_npy(path, rate=2.0).t
array([0. , 0.5, 1. , 1.5])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = {"load_npy": ".array", "save_npy": ".array"}

__all__ = ["NPYReader", "save", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class NPYReader(Reader):
    """``.npy`` files: a read-only memmap, or a time series over it with ``rate=``."""

    name = "npy"
    extensions = (".npy",)
    description = "numpy .npy arrays, memory-mapped (a time series with rate=)"
    url = "https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html"

    def open(
        self,
        path: Path,
        lazy_loading: bool | None = None,
        *,
        rate: float | None = None,
        start: float = 0.0,
        columns: Any = None,
    ) -> Any:
        from memphys.io.npy.array import load_npy  # imports memphys.core

        return load_npy(path, lazy_loading, rate=rate, start=start, columns=columns)


def save(obj: Any, filename: Any, **kwargs: Any) -> None:
    """``obj.save("x.npy", **kwargs)``: the values only, streamed (see ``save_npy``)."""
    from memphys.io.npy.array import save_npy  # imports memphys.core

    save_npy(obj, filename, **kwargs)
