"""Shared plumbing of the writers: a time series' data as an engine source, streamed to a sink.

:func:`data_source` turns the values of a time series (ndarray, memmap, strided view of a
memmap, zarr, HDF5, lazy adapter) into a lazy adapter plus a channel selection, so that
process workers reopen the file from a recipe instead of receiving its bytes (a column
view of a memory-mapped recording is read as that column of the whole file).
:func:`stream` runs the engine over it into a sink, casting blocks to the output dtype.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np

from memphys.arrays import MemmapArray, NumpyArray, as_lazy
from memphys.arrays.base import LazyArray
from memphys.engine.plan import Block, Plan
from memphys.engine.primitives import _plan_for
from memphys.engine.run import run_blocks
from memphys.errors import SourceError

__all__ = ["CastBlock", "data_source", "plan_for", "stream"]


def _memmap_file_offset(mm: np.memmap[Any, Any]) -> int | None:
    """File offset of the first element of a memmap view, or None if unknown."""
    base_map = getattr(mm, "_mmap", None)
    if base_map is None or getattr(mm, "filename", None) is None:
        return None
    base_offset = int(mm.offset)
    map_start = base_offset - base_offset % mmap.ALLOCATIONGRANULARITY
    base_ptr = np.frombuffer(base_map, dtype=np.uint8, count=1).ctypes.data
    return map_start + (mm.ctypes.data - base_ptr)


def _strided_memmap(mm: np.memmap[Any, Any]) -> tuple[LazyArray, Any, bool] | None:
    """A strided memmap view ``full[r0:r1, c0:c1:cs]`` (or one column) as the rows of the
    whole frame plus a channel slice; None if it is not such a view."""
    if mm.ndim not in (1, 2) or mm.size == 0:
        return None
    item = mm.dtype.itemsize
    row = int(mm.strides[0])
    if row <= 0 or row % item:
        return None
    offset = _memmap_file_offset(mm)
    if offset is None:
        return None
    n_full = row // item
    col0 = 0  # the view starts at column col0 of a row of n_full columns; find the row start
    base = mm.base
    while base is not None and not (isinstance(base, np.memmap) and base.ndim == 2):
        base = getattr(base, "base", None)
    if isinstance(base, np.memmap) and base.flags.c_contiguous:
        base_off = _memmap_file_offset(base)
        if base_off is None:
            return None
        col0 = ((offset - base_off) % row) // item
    step = 1 if mm.ndim == 1 else int(mm.strides[1]) // item
    if mm.ndim == 2 and (int(mm.strides[1]) % item or step <= 0):
        return None
    n_sel = 1 if mm.ndim == 1 else mm.shape[1]
    if col0 + (n_sel - 1) * step >= n_full:
        return None
    filename = mm.filename
    if filename is None:
        return None
    try:
        full = MemmapArray(
            filename, dtype=mm.dtype, shape=(mm.shape[0], n_full), offset=offset - col0 * item
        )
    except Exception:
        return None
    return full, slice(col0, col0 + (n_sel - 1) * step + 1, step), mm.ndim == 1


def data_source(values: Any) -> tuple[LazyArray, Any, bool]:
    """``(adapter, channels, squeeze)`` to read ``values`` block by block.

    ``channels`` is a selection to pass to reads (None for all); ``squeeze`` tells that
    the 2-D reads must lose their channel axis (a 1-D column of a 2-D file).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "raw.dat")
    >>> np.arange(12, dtype="int16").tofile(path)
    >>> mm = np.memmap(path, dtype="int16", mode="r", shape=(4, 3))
    >>> src, channels, squeeze = data_source(mm[:, 1])
    >>> src.shape, channels, squeeze
    ((4, 3), slice(1, 2, 1), True)
    """
    if isinstance(values, np.memmap) and not (
        values.flags.c_contiguous or values.flags.f_contiguous
    ):
        found = _strided_memmap(values)
        if found is not None:
            return found
        return NumpyArray(values), None, False
    try:
        src = as_lazy(values)
    except SourceError:
        return NumpyArray(values), None, False
    return src, None, False


class CastBlock:
    """Per-block function: cast to ``dtype`` (after the range check done by the caller) and
    drop the channel axis of a squeezed column read. Picklable."""

    def __init__(self, dtype: Any, squeeze: bool) -> None:
        self.dtype = np.dtype(dtype)
        self.squeeze = squeeze

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        if self.squeeze:
            data = data[:, 0]
        return np.ascontiguousarray(data).astype(self.dtype, copy=False)


def plan_for(src: LazyArray, channels: Any, job: Any, align: int | None = None) -> Plan:
    """The engine's plan for a copy of ``src`` (working memory ~2x the input block)."""
    return _plan_for(src, job, 0, channels, None, 2.0, align)


def stream(
    src: LazyArray,
    channels: Any,
    squeeze: bool,
    plan: Plan,
    sink: Any,
    dtype: Any,
    job: Any,
    desc: str,
) -> Any:
    """Run the copy of ``src`` (cast to ``dtype``) through the engine into ``sink``."""
    return run_blocks(
        CastBlock(dtype, squeeze), src, plan, sink, channels=channels, desc=desc, job=job
    )
