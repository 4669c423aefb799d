"""Where the waveform pass writes waveforms, block after block, in spike order.

A store has ``open(shape, dtype)``, ``write(row, block)`` (rows ``[row, row + len(block))``,
called in increasing row order from the main process), ``finalize()`` (returns the array)
and ``abort()``:

- :class:`MemoryStore`: an in-memory array. If the waveforms would not fit comfortably in
  the memory available (more than half of ``MemAvailable``), they go to a temporary
  ``.npy`` file instead, with a warning, and come back memory-mapped (removed with the
  array's last reference);
- :class:`NpyStore`: a ``.npy`` file written through a memory map under
  ``<name>.partial`` and renamed when complete (SpikeInterface's binary-folder layout);
- :class:`ZarrStore`: a zarr format-2 array in a local store (SpikeInterface's zarr layout,
  ``chunks=(rows, samples, channels)`` of about 10 MB); full chunks are encoded and written
  as soon as their rows arrive, so only one chunk of rows is buffered.

Examples
--------
>>> import numpy as np
>>> s = MemoryStore()
>>> s.open((3, 2, 1), np.float32)
>>> s.write(0, np.ones((2, 2, 1))); s.write(2, np.zeros((1, 2, 1)))
>>> s.finalize()[:, 0, 0]
array([1., 1., 0.], dtype=float32)
"""

from __future__ import annotations

import os
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import ExtractorWarning

__all__ = [
    "analyzer_compressor",
    "MemoryStore",
    "NpyStore",
    "ZarrStore",
    "mem_available",
    "take_rows",
    "row_blocks",
    "materialize",
]

#: SpikeInterface's target size of a waveforms zarr chunk.
ZARR_CHUNK_BYTES = 10 * 1024 * 1024


def analyzer_compressor() -> Any:
    """The default codec of analyzer arrays in zarr stores: Blosc zstd level 2 with *byte*
    shuffle in 1 MiB blocks. On float32 waveforms it writes a third less than
    SpikeInterface's default (zstd level 5, bit shuffle: 55.6 vs 82.2 MB for the benchmark's
    25,000 waveforms) at about the same speed (``docs/benchmarks.md``)."""
    from numcodecs import Blosc

    return Blosc(cname="zstd", clevel=2, shuffle=Blosc.SHUFFLE, blocksize=2**20)


def mem_available() -> int:
    """``MemAvailable`` of this machine in bytes (a large number if unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 50


class MemoryStore:
    """Waveforms in memory (or in a temporary file when they would not fit)."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None
        self._npy: NpyStore | None = None
        self._shm: Any = None

    def open(self, shape: tuple[int, ...], dtype: Any) -> None:
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes > mem_available() // 2:
            tmp = tempfile.mkdtemp(prefix="memphys-waveforms-")
            path = os.path.join(tmp, "waveforms.npy")
            warnings.warn(
                f"The waveforms ({nbytes / 1e9:.1f} GB) do not fit comfortably in memory: they "
                f"are written to the temporary file {path} and memory-mapped. Use an analyzer "
                "with format='binary_folder' or 'zarr' to keep them.",
                ExtractorWarning,
                stacklevel=4,
            )
            self._npy = NpyStore(path, temporary_dir=tmp)
            self._npy.open(shape, dtype)
            return
        self.array = np.empty(shape, dtype=dtype) if nbytes else np.zeros(shape, dtype=dtype)

    def target(self, shares_memory: bool) -> Any:
        """What workers may write into directly: this array (workers sharing this
        process's memory), or a shared-memory buffer for worker processes
        (``("shm", name, shape, dtype)``; copied into the array at :meth:`finalize`), or
        None (workers send their blocks)."""
        if self._npy is not None:
            return self._npy.target(shares_memory)
        assert self.array is not None
        if shares_memory:
            return self.array
        if self.array.nbytes == 0:
            return None
        try:
            from multiprocessing.shared_memory import SharedMemory

            self._shm = SharedMemory(create=True, size=self.array.nbytes)
        except OSError:  # /dev/shm too small: workers send their blocks instead
            return None
        return ("shm", self._shm.name, self.array.shape, self.array.dtype.str)

    def _release_shm(self, copy: bool) -> None:
        shm = getattr(self, "_shm", None)
        if shm is None:
            return
        if copy and self.array is not None:
            src = np.ndarray(self.array.shape, dtype=self.array.dtype, buffer=shm.buf)
            self.array[...] = src
            del src
        self._shm = None
        shm.close()
        shm.unlink()

    def write(self, row: int, block: np.ndarray) -> None:
        if self._npy is not None:
            self._npy.write(row, block)
            return
        assert self.array is not None
        self.array[row : row + len(block)] = block

    def finalize(self) -> np.ndarray:
        if self._npy is not None:
            return self._npy.finalize()
        self._release_shm(copy=True)
        assert self.array is not None
        return self.array

    def abort(self) -> None:
        if self._npy is not None:
            self._npy.abort()
        self._release_shm(copy=False)
        self.array = None


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


class NpyStore:
    """Waveforms in a ``.npy`` file (``<path>.partial`` until complete)."""

    def __init__(self, path: str | os.PathLike[str], temporary_dir: str | None = None) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.temporary_dir = temporary_dir
        self._mm: np.memmap[Any, Any] | None = None
        self._shape: tuple[int, ...] = ()
        self._dtype = np.dtype(np.float32)

    def open(self, shape: tuple[int, ...], dtype: Any) -> None:
        self._shape = tuple(int(s) for s in shape)
        self._dtype = np.dtype(dtype)
        if self.partial.exists():
            self.partial.unlink()
        if int(np.prod(self._shape, dtype=np.int64)) == 0:
            np.save(self.partial, np.zeros(self._shape, dtype=self._dtype), allow_pickle=False)
            # np.save appends ".npy" when missing
            saved = Path(str(self.partial) + ".npy")
            if saved.exists():
                os.replace(saved, self.partial)
            self._mm = None
            return
        self._mm = np.lib.format.open_memmap(
            self.partial, mode="w+", dtype=self._dtype, shape=self._shape
        )

    def target(self, shares_memory: bool) -> Any:
        """The memory map (workers sharing this process's memory) or how worker processes
        map the partial file themselves: ``(path, offset, shape, dtype)``."""
        if self._mm is None:
            return None
        if shares_memory:
            return self._mm
        return ("file", str(self.partial), int(self._mm.offset), self._shape, self._dtype.str)

    def write(self, row: int, block: np.ndarray) -> None:
        if self._mm is not None:
            self._mm[row : row + len(block)] = block

    def finalize(self) -> np.ndarray:
        if self._mm is not None:
            self._mm.flush()
            self._mm = None
        os.replace(self.partial, self.path)
        arr = np.load(self.path, mmap_mode="r")
        if self.temporary_dir is not None:
            weakref.finalize(arr, _remove_tree, self.temporary_dir)
        return arr

    def abort(self) -> None:
        self._mm = None
        if self.partial.exists():
            self.partial.unlink()
        if self.temporary_dir is not None:
            _remove_tree(self.temporary_dir)


class ZarrStore:
    """Waveforms in a zarr format-2 array ``name`` of ``group`` (a local store)."""

    def __init__(
        self,
        group: Any,
        name: str = "waveforms",
        compressor: Any = "default",
        chunk_bytes: int = ZARR_CHUNK_BYTES,
    ) -> None:
        self.group = group
        self.name = name
        self.compressor = compressor
        self.chunk_bytes = int(chunk_bytes)
        self.array: Any = None
        self._files: Any = None
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self._next_row = 0
        self._rows_per_chunk = 1

    def target(self, shares_memory: bool) -> Any:
        """Zarr chunks are encoded here, in order: workers send their blocks."""
        return None

    def open(self, shape: tuple[int, ...], dtype: Any) -> None:
        from memphys.ephys.zarrextractors import _ChunkFiles

        dtype = np.dtype(dtype)
        row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize)
        self._rows_per_chunk = max(1, self.chunk_bytes // row_bytes)
        compressor = analyzer_compressor() if self.compressor == "default" else self.compressor
        if self.name in self.group:
            del self.group[self.name]
        self.array = self.group.create_array(
            name=self.name,
            shape=tuple(int(s) for s in shape),
            chunks=(self._rows_per_chunk, *[max(1, int(s)) for s in shape[1:]]),
            dtype=dtype,
            compressors=compressor,
            fill_value=0,
        )
        self._files = _ChunkFiles(self.array) if _ChunkFiles.usable(self.array) else None

    def _flush(self, final: bool) -> None:
        if not self._buffer:
            return
        data = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        n_full = (len(data) // self._rows_per_chunk) * self._rows_per_chunk
        n_write = len(data) if final else n_full
        c = self._rows_per_chunk
        for lo in range(0, n_write, c):
            piece = data[lo : min(lo + c, n_write)]
            if self._files is not None:  # one chunk file per call
                self._files.write(self._next_row, piece)
            else:
                self.array[self._next_row : self._next_row + len(piece)] = piece
            self._next_row += len(piece)
        rest = data[n_write:]
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)

    def write(self, row: int, block: np.ndarray) -> None:
        if row != self._next_row + self._buffered:
            raise ValueError("ZarrStore.write: rows must arrive in order")
        self._buffer.append(np.asarray(block))
        self._buffered += len(block)
        if self._buffered >= self._rows_per_chunk:
            self._flush(final=False)

    def finalize(self) -> Any:
        self._flush(final=True)
        return self.array

    def abort(self) -> None:
        self._buffer = []
        if self.array is not None and self.name in self.group:
            del self.group[self.name]


# ------------------------------------------------------------- reading rows back
_ROW_BLOCK_BYTES = 16 * 1024 * 1024


def materialize(arr: Any) -> np.ndarray:
    """An in-memory copy of an array, memmap or zarr array."""
    return np.array(arr[...] if not isinstance(arr, np.ndarray) else arr, copy=True)


def take_rows(arr: Any, rows: Any) -> np.ndarray:
    """Rows ``rows`` (positions in any order, or a boolean mask) of an array, memmap or
    zarr array; on-disk arrays are read in blocks of about 16 MiB, in increasing order."""
    rows = np.asarray(rows)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    if isinstance(arr, np.ndarray):
        return np.asarray(arr[rows])
    out = np.empty((rows.size, *arr.shape[1:]), dtype=arr.dtype)
    if rows.size == 0:
        return out
    order = np.argsort(rows, kind="stable")
    srows = rows[order]
    row_bytes = max(1, int(np.prod(arr.shape[1:])) * np.dtype(arr.dtype).itemsize)
    step = max(1, _ROW_BLOCK_BYTES // row_bytes)
    k = 0
    while k < srows.size:
        lo = int(srows[k])
        hi = min(lo + step, int(arr.shape[0]))
        j = max(int(np.searchsorted(srows, hi, side="left")), k + 1)
        block = np.asarray(arr[lo:hi])
        out[order[k:j]] = block[srows[k:j] - lo]
        k = j
    return out


def row_blocks(arr: Any) -> Any:
    """``(first_row, block)`` of an array read in blocks of about 16 MiB."""
    row_bytes = max(1, int(np.prod(arr.shape[1:])) * np.dtype(arr.dtype).itemsize)
    step = max(1, _ROW_BLOCK_BYTES // row_bytes)
    for a in range(0, int(arr.shape[0]), step):
        yield a, np.asarray(arr[a : a + step])
