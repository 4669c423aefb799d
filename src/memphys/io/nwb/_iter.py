"""hdmf chunk iterators that stream memphys data into an NWB file block by block.

hdmf writes an :class:`~hdmf.data_utils.AbstractDataChunkIterator` one
:class:`~hdmf.data_utils.DataChunk` at a time into a dataset it creates with the
iterator's ``recommended_data_shape``, ``recommended_chunk_shape``, ``maxshape`` and
``dtype``; wrapped in ``H5DataIO(iterator, compression=...)`` each HDF5 chunk is
compressed as it is written. Only one block is in memory at a time.

- :class:`LazyDataIterator` pulls blocks from any lazy source (memmap, ``.npy``, zarr,
  HDF5, the values of a ``Tsd``/``TsdFrame``/``TsdTensor``) through the engine's
  :func:`~memphys.engine.iter_chunks`, optionally through a per-block ``transform`` read
  with a halo (as :func:`~memphys.engine.map_chunks` does). Blocks are whole multiples of
  the HDF5 chunk length, so no compressed chunk is ever written twice.
- :class:`TimestampIterator` streams the float64 times of an explicit time index.

Examples
--------
>>> import numpy as np
>>> from memphys.io.nwb._iter import LazyDataIterator
>>> it = LazyDataIterator(np.arange(10, dtype="int16").reshape(5, 2), chunk_rows=2, chunk_size=2)
>>> it.recommended_chunk_shape(), it.maxshape, it.dtype
((2, 2), (5, 2), dtype('int16'))
>>> [(c.selection[0].start, c.data.shape) for c in it]
[(0, (2, 2)), (2, (2, 2)), (4, (1, 2))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from hdmf.data_utils import AbstractDataChunkIterator, DataChunk

from memphys.arrays import as_lazy
from memphys.engine import chunk_size_from_job_kwargs, iter_chunks, resolve_job_kwargs
from memphys.errors import MemphysValueError

__all__ = ["LazyDataIterator", "TimestampIterator", "default_chunk_rows"]

#: Target size of one HDF5 chunk (uncompressed), bytes.
CHUNK_BYTES = 1024**2


def default_chunk_rows(n_rows: int, row_nbytes: int, target: int = CHUNK_BYTES) -> int:
    """Rows per HDF5 chunk: about ``target`` bytes, at least 1, at most ``n_rows``.

    >>> default_chunk_rows(10**6, 64)
    16384
    """
    rows = max(1, target // max(1, row_nbytes))
    return int(max(1, min(rows, n_rows)))


class _RowIterator(AbstractDataChunkIterator):
    """Common part: a known shape and dtype, blocks along axis 0 as DataChunks."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype, chunk_rows: int) -> None:
        self._shape = tuple(int(s) for s in shape)
        self._dtype = np.dtype(dtype)
        self._chunk_rows = int(chunk_rows)
        self._blocks: Iterator[tuple[int, int, np.ndarray]] | None = None

    def _iter_blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        raise NotImplementedError

    def __iter__(self) -> _RowIterator:
        return self

    def __next__(self) -> DataChunk:
        if self._blocks is None:
            self._blocks = self._iter_blocks()
        start, stop, data = next(self._blocks)
        data = np.asarray(data)
        expected = (stop - start, *self._shape[1:])
        if data.shape != expected:
            raise MemphysValueError(
                f"A block of rows [{start}, {stop}) has shape {data.shape}, but the dataset "
                f"being written expects {expected}."
            )
        if data.dtype != self._dtype:
            data = data.astype(self._dtype)
        selection = (slice(start, stop), *(slice(0, s) for s in self._shape[1:]))
        return DataChunk(data=data, selection=selection)

    def recommended_chunk_shape(self) -> tuple[int, ...]:
        return (self._chunk_rows, *self._shape[1:])

    def recommended_data_shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def maxshape(self) -> tuple[int, ...]:
        return self._shape


class LazyDataIterator(_RowIterator):
    """Stream a lazy array (optionally transformed per block) into an HDF5 dataset.

    Parameters
    ----------
    source : array-like
        Anything :func:`memphys.arrays.as_lazy` accepts: a numpy array or memmap, a
        ``.npy`` path, a zarr or HDF5 array, a LazyArray.
    transform : callable, optional
        ``transform(block) -> array`` applied to each block read with its halo; the result
        has the same number of rows as its input and the halo rows are trimmed after.
    halo : int or (int, int)
        Rows read before and after each block for ``transform``.
    dtype : dtype, optional
        dtype of the written data (required with a ``transform`` that changes it).
    trailing : tuple of int, optional
        Trailing shape of the transform's output (default: the source's).
    chunk_rows : int, optional
        Rows per HDF5 chunk; default about 1 MiB per chunk.
    **job_kwargs
        ``chunk_size``, ``chunk_duration``, ``chunk_memory``, ``progress_bar``, ... sizing
        the blocks read (rounded to whole chunks).

    Examples
    --------
    >>> it = LazyDataIterator(np.ones((6, 2)), transform=lambda d: d * 2, dtype="float32",
    ...                       chunk_rows=4, chunk_size=4)
    >>> [c.data.sum() for c in it]
    [np.float32(16.0), np.float32(8.0)]
    """

    def __init__(
        self,
        source: Any,
        *,
        transform: Callable[[np.ndarray], Any] | None = None,
        halo: int | tuple[int, int] = 0,
        dtype: Any = None,
        trailing: tuple[int, ...] | None = None,
        chunk_rows: int | None = None,
        sampling_rate: float | None = None,
        **job_kwargs: Any,
    ) -> None:
        src = as_lazy(source)
        n = int(src.shape[0])
        trail = tuple(int(s) for s in (src.shape[1:] if trailing is None else trailing))
        out_dtype = np.dtype(src.dtype if dtype is None else dtype)
        row_nbytes = int(np.prod(trail, dtype=np.int64)) * out_dtype.itemsize
        if chunk_rows is not None:
            rows = int(chunk_rows)
        else:
            rows = default_chunk_rows(n, row_nbytes)
            if job_kwargs.get("chunk_size") is not None:  # blocks smaller than 1 MiB
                rows = min(rows, int(job_kwargs["chunk_size"]))
        super().__init__((n, *trail), out_dtype, max(1, min(rows, max(n, 1))))
        self._src = src
        self._transform = transform
        self._halo = halo
        self._sampling_rate = sampling_rate
        self._job_kwargs = job_kwargs

    def _block_rows(self) -> int:
        in_row = int(np.prod(self._src.shape[1:], dtype=np.int64)) * self._src.dtype.itemsize
        factor = 2.0 + (self._dtype.itemsize / max(1, self._src.dtype.itemsize))
        job = resolve_job_kwargs(**self._job_kwargs)
        size = chunk_size_from_job_kwargs(
            max(1, in_row),
            self._sampling_rate,
            factor=factor if self._transform is not None else 1.0,
            halo=self._halo,
            align_to=self._chunk_rows,
            job=job,
        )
        return max(self._chunk_rows, (size // self._chunk_rows) * self._chunk_rows)

    def _iter_blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        if self._shape[0] == 0:
            return
        kw = {k: v for k, v in self._job_kwargs.items() if k == "progress_bar"}
        for block, data in iter_chunks(
            self._src, self._block_rows(), self._halo, sampling_rate=self._sampling_rate, **kw
        ):
            out = data if self._transform is None else self._transform(data)
            yield block.start, block.stop, block.trim(np.asarray(out))


class TimestampIterator(_RowIterator):
    """Stream the float64 seconds of a memphys time index (regular or explicit).

    Examples
    --------
    >>> from memphys.core.time_index import as_time_index
    >>> it = TimestampIterator(as_time_index(np.array([0.0, 0.5, 2.0])), chunk_rows=1,
    ...                        block_chunks=2)
    >>> [c.data.tolist() for c in it]
    [[0.0, 0.5], [2.0]]
    """

    def __init__(
        self, time_index: Any, chunk_rows: int | None = None, block_chunks: int = 4
    ) -> None:
        n = len(time_index)
        rows = default_chunk_rows(n, 8, 2 * CHUNK_BYTES) if chunk_rows is None else chunk_rows
        super().__init__((n,), np.dtype("float64"), max(1, min(int(rows), max(n, 1))))
        self._ti = time_index
        self._block_chunks = max(1, int(block_chunks))

    def _iter_blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        n = self._shape[0]
        step = self._chunk_rows * self._block_chunks
        for a in range(0, n, step):
            b = min(n, a + step)
            yield a, b, np.asarray(self._ti[a:b].values, dtype=np.float64)
