"""Sinks: where the per-block results of a chunked run go.

A :class:`Sink` lives in the main process. Before the run it is opened with the plan; its
:meth:`Sink.worker` handle (small and picklable) runs in the workers and turns each block's
output into a *payload*; the main process then receives the payloads in block order
through :meth:`Sink.consume`, and :meth:`Sink.finalize` returns the result. If the run
fails or is interrupted, :meth:`Sink.abort` removes (or marks incomplete) what was written.

- :class:`ArraySink` gathers into an in-memory array (refusing results larger than the
  memory budget unless told otherwise).
- :class:`NpySink` writes a ``.npy`` file through a memmap, under ``<name>.partial`` until
  every block is written, then renames it atomically.
- :class:`ZarrSink` writes a zarr v3 array whose chunks are aligned with the blocks, so that
  parallel writers never share a chunk. A new store is written under ``<name>.partial`` and
  renamed when complete; in every case the array carries an attribute
  ``memphys_complete`` (False while writing, True once complete) checked by
  :func:`is_complete`.
- :class:`CollectSink` keeps arbitrary per-block results in a list (no trimming).
- Reducers (:mod:`memphys.engine.reducers`) are sinks too.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy
>>> from memphys.engine import run_blocks, plan_blocks, ArraySink
>>> x = as_lazy(np.arange(10.0))
>>> run_blocks(lambda d, b: d * 2, x, plan_blocks(10, 4), ArraySink(), progress_bar=False)
array([ 0.,  2.,  4.,  6.,  8., 10., 12., 14., 16., 18.])
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import logging
import os
from typing import Any

import numpy as np

from memphys.config import get_config
from memphys.engine.locks import output_lock
from memphys.engine.plan import Block, Plan
from memphys.engine.records import verify_record, write_record
from memphys.engine.targets import check_replaceable, remove_path, replace_path
from memphys.errors import (
    IncompleteWriteError,
    MemoryBudgetError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
    ShapeMismatchError,
)

__all__ = [
    "SinkContext",
    "Sink",
    "SinkWorker",
    "ArraySink",
    "NpySink",
    "ZarrSink",
    "CollectSink",
    "is_complete",
    "check_complete",
    "with_checksum",
    "PARTIAL_SUFFIX",
    "COMPLETE_ATTR",
]

logger = logging.getLogger("memphys.engine")

#: Suffix of files and stores being written.
PARTIAL_SUFFIX = ".partial"

#: Attribute of zarr arrays written by memphys: False while writing, True once complete.
COMPLETE_ATTR = "memphys_complete"


@dataclasses.dataclass(frozen=True)
class SinkContext:
    """What a sink learns when a run starts.

    Attributes
    ----------
    plan : Plan
        The blocks of the run.
    executor : str
        ``"serial"``, ``"thread"``, ``"process"`` or ``"dask"``.
    trailing_shape : tuple of int or None
        Shape of one sample of the function's output (all axes but time), if known.
    dtype : numpy.dtype or None
        Dtype of the function's output, if known.
    """

    plan: Plan
    executor: str = "serial"
    trailing_shape: tuple[int, ...] | None = None
    dtype: np.dtype[Any] | None = None

    @property
    def shares_memory(self) -> bool:
        """True when workers share this process's memory (serial and thread executors)."""
        return self.executor in ("serial", "thread")


class SinkWorker:
    """The part of a sink that runs in workers: ``process(block, output) -> payload``.

    ``trims`` tells the engine whether the function's output is time-aligned and must have
    its halos trimmed before :meth:`process` (True for arrays and reducers).
    """

    trims: bool = True

    def process(self, block: Block, output: Any) -> Any:
        return output


class Sink(abc.ABC):
    """Base class of sinks (see the module docstring for the life cycle)."""

    def open(self, ctx: SinkContext) -> None:  # noqa: B027 - optional hook
        """Prepare for a run (allocate, create files)."""

    @abc.abstractmethod
    def worker(self) -> SinkWorker:
        """The picklable handle that workers use."""

    @abc.abstractmethod
    def consume(self, block: Block, payload: Any) -> None:
        """Receive a block's payload; called in block order in the main process."""

    @abc.abstractmethod
    def finalize(self) -> Any:
        """Complete the output and return the run's result."""

    def abort(self) -> None:  # noqa: B027 - optional hook
        """Undo or mark incomplete whatever was written (the run failed)."""


# ----------------------------------------------------------------------------- helpers
def check_block_output(
    block: Block,
    output: Any,
    trailing_shape: tuple[int, ...] | None,
    dtype: np.dtype[Any] | None,
) -> np.ndarray:
    """Return ``output`` as an array of ``block.length`` samples, checking shape and dtype."""
    arr = np.asarray(output)
    if arr.ndim == 0 or arr.shape[0] != block.length:
        raise ShapeMismatchError(
            f"Invalid output for {block.describe()}: expected {block.length} samples along "
            f"axis 0, but got shape {arr.shape}."
        )
    if trailing_shape is not None and arr.shape[1:] != tuple(trailing_shape):
        raise ShapeMismatchError(
            f"Invalid output for {block.describe()}: expected samples of shape "
            f"{tuple(trailing_shape)}, but got shape {arr.shape[1:]} (earlier blocks or the "
            "output array fixed it)."
        )
    if dtype is not None and not np.can_cast(arr.dtype, dtype, "same_kind"):
        raise MemphysTypeError(
            f"Invalid output for {block.describe()}: expected values castable to {dtype}, but "
            f"got dtype {arr.dtype}. Pass a matching `dtype=`."
        )
    return arr


def _fmt_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def _check_budget(nbytes: int, what: str, allow_large: bool) -> None:
    budget = int(get_config("memory_budget"))
    if nbytes > budget and not allow_large:
        raise MemoryBudgetError(
            f"The result ({what}, {_fmt_bytes(nbytes)}) does not fit in the memory budget "
            f"({_fmt_bytes(budget)}). Pass `out=` (a '.npy' or '.zarr' path, or an array "
            "to write into) to stream it to disk, or raise the budget with "
            "memphys.set_config(memory_budget=...)."
        )


def _output_shape(plan: Plan, trailing: tuple[int, ...]) -> tuple[int, ...]:
    return (plan.n_samples, *trailing)


# --------------------------------------------------------------------------- ArraySink
class _ArrayWorker(SinkWorker):
    def __init__(self, trailing: tuple[int, ...] | None, dtype: np.dtype[Any] | None) -> None:
        self.trailing = trailing
        self.dtype = dtype

    def process(self, block: Block, output: Any) -> np.ndarray:
        return check_block_output(block, output, self.trailing, self.dtype)


class ArraySink(Sink):
    """Gather the blocks' outputs, in block order, into one in-memory array.

    Parameters
    ----------
    trailing_shape : tuple of int, optional
        Shape of one output sample; by default taken from the first block.
    dtype : dtype_like, optional
        Output dtype; by default the first block's. Later blocks are cast to it
        (``same_kind`` casting only).
    out : numpy.ndarray, optional
        Array to write into (its length must be the plan's number of samples).
    allow_large : bool, default False
        Allocate even when the result exceeds the global ``memory_budget``; otherwise a
        :class:`~memphys.errors.MemoryBudgetError` is raised before anything is computed
        (or at the first block when the shape is inferred).
    """

    def __init__(
        self,
        trailing_shape: tuple[int, ...] | None = None,
        dtype: Any = None,
        out: np.ndarray | None = None,
        allow_large: bool = False,
    ) -> None:
        if out is not None and not isinstance(out, np.ndarray):
            raise MemphysTypeError(
                f"Invalid type for `out`: expected a numpy array, but got {type(out).__name__}."
            )
        if out is not None and not out.flags.writeable:
            raise MemphysValueError("Invalid value for `out`: expected a writeable array.")
        self.trailing = None if trailing_shape is None else tuple(int(s) for s in trailing_shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.array: np.ndarray | None = out
        self._user_out = out is not None
        self.allow_large = allow_large
        self._plan: Plan | None = None
        if out is not None:
            self.trailing = tuple(out.shape[1:])
            self.dtype = out.dtype

    def open(self, ctx: SinkContext) -> None:
        self._plan = ctx.plan
        n = ctx.plan.n_samples
        if self._user_out:
            assert self.array is not None
            if self.array.ndim == 0 or self.array.shape[0] != n:
                raise ShapeMismatchError(
                    f"Invalid value for `out`: expected an array of {n} samples along axis 0, "
                    f"but got shape {self.array.shape}."
                )
            return
        self.array = None
        if self.trailing is None and n == 0:
            self.trailing = ctx.trailing_shape
        if self.dtype is None and n == 0:
            self.dtype = ctx.dtype
        if self.trailing is not None and self.dtype is not None:
            self._allocate(self.trailing, self.dtype)

    def _allocate(self, trailing: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        assert self._plan is not None
        shape = _output_shape(self._plan, trailing)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        _check_budget(nbytes, f"shape {shape}, dtype {dtype}", self.allow_large)
        self.array = np.empty(shape, dtype=dtype)

    def worker(self) -> SinkWorker:
        return _ArrayWorker(self.trailing, self.dtype)

    def consume(self, block: Block, payload: Any) -> None:
        if self.array is None:
            arr = np.asarray(payload)
            self.trailing = tuple(arr.shape[1:]) if self.trailing is None else self.trailing
            self.dtype = arr.dtype if self.dtype is None else self.dtype
            self._allocate(self.trailing, self.dtype)
        assert self.array is not None
        arr = check_block_output(block, payload, self.trailing, self.dtype)
        self.array[block.out_start : block.out_stop] = arr

    def finalize(self) -> np.ndarray:
        if self.array is None:
            trailing = self.trailing or ()
            dtype = self.dtype if self.dtype is not None else np.dtype(np.float64)
            self.array = np.empty((0, *trailing), dtype=dtype)
        return self.array

    def abort(self) -> None:
        if not self._user_out:
            self.array = None


# ----------------------------------------------------------------------------- NpySink
class _NpyWorker(SinkWorker):
    def __init__(
        self, path: str, shape: tuple[int, ...], dtype: np.dtype[Any], offset: int, order: str
    ) -> None:
        self.path = path
        self.shape = shape
        self.dtype = dtype
        self.offset = offset
        self.order = order
        self._mm: np.memmap[Any, Any] | None = None
        self._pid = -1

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_mm"] = None
        state["_pid"] = -1
        return state

    def _map(self) -> np.memmap[Any, Any]:
        if self._mm is None or self._pid != os.getpid():
            self._mm = np.memmap(
                self.path,
                dtype=self.dtype,
                mode="r+",
                offset=self.offset,
                shape=self.shape,
                order="F" if self.order == "F" else "C",
            )
            self._pid = os.getpid()
        return self._mm

    def process(self, block: Block, output: Any) -> None:
        arr = check_block_output(block, output, self.shape[1:], self.dtype)
        if block.length:
            self._map()[block.out_start : block.out_stop] = arr
        return None

    def close(self) -> None:
        if self._mm is not None:
            self._mm.flush()
            self._mm = None


def _replace_path(partial: str, final: str) -> None:
    """Move ``partial`` to ``final``, replacing a previous file or directory there."""
    replace_path(partial, final)


def _remove_path(path: str) -> None:
    remove_path(path)


def _take_lock(stack: contextlib.ExitStack | None, path: str) -> contextlib.ExitStack:
    """Hold the write lock of ``path`` in ``stack`` (a new stack when None)."""
    stack = stack or contextlib.ExitStack()
    stack.enter_context(output_lock(path))
    return stack


class NpySink(Sink):
    """Write the gathered output to a ``.npy`` file, crash-safely.

    The file is created as ``<path>.partial`` (a sparse memmap that workers write their
    blocks into) and renamed to ``path`` only once every block is written, so a file at
    ``path`` is always complete. On failure the partial file is removed; after a hard
    kill it stays under its ``.partial`` name and is never mistaken for a result (the next
    write removes it). The sink holds the write lock of ``path`` from :meth:`open` to the
    end, and replaces only a ``.npy`` file (see :mod:`memphys.engine.targets`).

    Parameters
    ----------
    path : str or os.PathLike
        Destination (conventionally ending in ``.npy``). An existing file is replaced when
        the new one is complete, unless ``overwrite=False``.
    trailing_shape : tuple of int
        Shape of one output sample (all axes but time).
    dtype : dtype_like
        Output dtype.
    overwrite : bool, default True
        Replace an existing file at ``path``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        trailing_shape: tuple[int, ...],
        dtype: Any,
        overwrite: bool = True,
    ) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.partial = self.path + PARTIAL_SUFFIX
        self.trailing = tuple(int(s) for s in trailing_shape)
        self.dtype = np.dtype(dtype)
        self.overwrite = overwrite
        self._worker: _NpyWorker | None = None
        self._lock: contextlib.ExitStack | None = None

    #: What :func:`~memphys.engine.targets.check_replaceable` may replace.
    target_kind = "npy"

    def open(self, ctx: SinkContext) -> None:
        parent = os.path.dirname(self.path)
        if not os.path.isdir(parent):
            raise MemphysFileNotFoundError(
                f"Invalid value for `out`: expected a path in an existing folder, but "
                f"{parent!r} does not exist."
            )
        self._lock = _take_lock(self._lock, self.path)
        try:
            self._open(ctx)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    def _check_target(self) -> None:
        if os.path.lexists(self.path) and not self.overwrite:
            raise MemphysValueError(
                f"Invalid value for `out`: {self.path!r} already exists. Pass overwrite=True "
                "or choose another path."
            )
        check_replaceable(self.path, self.target_kind)

    def _open(self, ctx: SinkContext) -> None:
        self._check_target()
        _remove_path(self.partial)  # stale leftover of a killed run
        shape = _output_shape(ctx.plan, self.trailing)
        if int(np.prod(shape, dtype=np.int64)) == 0:
            with open(self.partial, "wb") as fh:  # a zero-size array cannot be memory-mapped
                np.save(fh, np.empty(shape, dtype=self.dtype), allow_pickle=False)
            self._worker = None
            return
        mm = np.lib.format.open_memmap(self.partial, mode="w+", dtype=self.dtype, shape=shape)
        offset = int(mm.offset)
        order = "F" if (mm.flags.f_contiguous and not mm.flags.c_contiguous) else "C"
        del mm
        self._worker = _NpyWorker(self.partial, shape, self.dtype, offset, order)

    def worker(self) -> SinkWorker:
        if self._worker is None:
            return _ArrayWorker(self.trailing, self.dtype)
        return self._worker

    def consume(self, block: Block, payload: Any) -> None:
        return None

    def finalize(self) -> str:
        try:
            if self._worker is not None:
                self._worker.close()
            _replace_path(self.partial, self.path)
        finally:
            self._release()
        logger.debug("wrote %s", self.path)
        return self.path

    def abort(self) -> None:
        if self._worker is not None:
            self._worker._mm = None
        _remove_path(self.partial)
        self._release()


# ---------------------------------------------------------------------------- ZarrSink
def _default_compressors() -> Any:
    from zarr.codecs import BloscCodec

    return BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle")


def with_checksum(compressors: Any) -> list[Any]:
    """``compressors`` (None, one codec or a list) followed by zarr's ``crc32c`` codec.

    Every chunk of memphys's own Zarr v3 stores ends with the CRC32C of its compressed
    bytes, checked by zarr whenever the chunk is read (see :mod:`memphys.engine.records`).

    >>> [type(c).__name__ for c in with_checksum(None)]
    ['Crc32cCodec']
    """
    from zarr.codecs import Crc32cCodec

    if compressors is None:
        items: list[Any] = []
    elif isinstance(compressors, list | tuple):
        items = list(compressors)
    else:
        items = [compressors]
    if not any(isinstance(c, Crc32cCodec) for c in items):
        items.append(Crc32cCodec())
    return items


def _is_memory_store(arr: Any) -> bool:
    store = getattr(arr, "store", None)
    return type(store).__name__ == "MemoryStore"


class _ZarrWorker(SinkWorker):
    """Writes the chunks a block covers entirely; returns the edge pieces for the main
    process (the only writer of chunks shared by two blocks)."""

    def __init__(
        self,
        array: Any,
        chunk_len: int,
        n: int,
        write_in_worker: bool,
        dtype: Any,
        trailing: tuple[int, ...],
    ) -> None:
        self.array = array
        self.chunk_len = chunk_len
        self.n = n
        self.write_in_worker = write_in_worker
        self.dtype = np.dtype(dtype)
        self.trailing = trailing

    def process(self, block: Block, output: Any) -> list[tuple[int, np.ndarray]] | None:
        arr = check_block_output(block, output, self.trailing, self.dtype)
        s, e = block.out_start, block.out_stop
        if not self.write_in_worker:
            return [(s, arr)]
        c = self.chunk_len
        a = -(-s // c) * c
        b = e if e == self.n else e // c * c
        if a >= b:
            return [(s, arr)]
        self.array[a:b] = arr[a - s : b - s].astype(self.dtype, copy=False)
        pieces = []
        if a > s:
            pieces.append((s, arr[: a - s]))
        if b < e:
            pieces.append((b, arr[b - s :]))
        return pieces or None


class ZarrSink(Sink):
    """Write the gathered output to a zarr array, crash-safely and chunk-aligned.

    Parameters
    ----------
    target : str, os.PathLike or zarr.Array
        A path for a new zarr v3 store (written as ``<path>.partial`` and renamed when
        complete), or an existing zarr array of the right length to write into (marked
        incomplete by its ``memphys_complete`` attribute until the run completes).
    trailing_shape : tuple of int, optional
        Shape of one output sample (required for a new store).
    dtype : dtype_like, optional
        Output dtype (required for a new store).
    chunk_length : int, optional
        Samples per zarr chunk of a new store (default: the plan's block length, so that
        each block writes whole chunks).
    compressors : optional
        zarr v3 compressors; default Blosc zstd level 5 with bitshuffle. A ``crc32c``
        codec is appended: every chunk carries its checksum, checked on read.
    overwrite : bool, default True
        Replace an existing store at ``target`` once the new one is complete (only a store
        memphys wrote, or an empty folder: see :mod:`memphys.engine.targets`).

    Notes
    -----
    A new store is written under the write lock of ``target`` and gets a completeness
    record (:mod:`memphys.engine.records`) before it is renamed into place.

    Workers write the chunks that their block covers entirely; the few samples of chunks
    shared by two blocks (only when blocks are not aligned with the chunks) are written by
    the main process, so no chunk ever has two concurrent writers.
    """

    def __init__(
        self,
        target: Any,
        trailing_shape: tuple[int, ...] | None = None,
        dtype: Any = None,
        chunk_length: int | None = None,
        compressors: Any = "default",
        overwrite: bool = True,
    ) -> None:
        self.path: str | None = None
        self.array: Any = None
        if isinstance(target, str | os.PathLike):
            self.path = os.path.abspath(os.fspath(target))
            if trailing_shape is None or dtype is None:
                raise MemphysValueError(
                    "Invalid arguments for ZarrSink: a new store needs `trailing_shape` and "
                    "`dtype`."
                )
        elif type(target).__module__.split(".")[0] == "zarr" and hasattr(target, "shape"):
            self.array = target
            trailing_shape = tuple(target.shape[1:])
            dtype = target.dtype
        else:
            raise MemphysTypeError(
                "Invalid type for `out`: expected a path or a zarr array, but got "
                f"{type(target).__name__}."
            )
        self.trailing = tuple(int(s) for s in trailing_shape)
        self.dtype = np.dtype(dtype)
        self.chunk_length = chunk_length
        self.compressors = compressors
        self.overwrite = overwrite
        self._worker: _ZarrWorker | None = None
        self._lock: contextlib.ExitStack | None = None

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    @property
    def partial(self) -> str | None:
        return None if self.path is None else self.path + PARTIAL_SUFFIX

    def open(self, ctx: SinkContext) -> None:
        if self.path is not None:
            self._lock = _take_lock(self._lock, self.path)
        try:
            self._open(ctx)
        except BaseException:
            self._release()
            raise

    def _open(self, ctx: SinkContext) -> None:
        import zarr

        n = ctx.plan.n_samples
        shape = (n, *self.trailing)
        if self.path is not None:
            assert self.partial is not None
            if os.path.lexists(self.path) and not self.overwrite:
                raise MemphysValueError(
                    f"Invalid value for `out`: {self.path!r} already exists. Pass "
                    "overwrite=True or choose another path."
                )
            check_replaceable(self.path, "zarr")
            _remove_path(self.partial)
            chunk_len = int(self.chunk_length or max(1, min(ctx.plan.chunk_size, max(n, 1))))
            compressors = (
                _default_compressors() if self.compressors == "default" else self.compressors
            )
            self.array = zarr.create_array(
                store=self.partial,
                shape=shape,
                chunks=(chunk_len, *self.trailing),
                dtype=self.dtype,
                compressors=with_checksum(compressors),
                zarr_format=3,
                overwrite=True,
                attributes={COMPLETE_ATTR: False},
            )
        else:
            if tuple(self.array.shape) != shape:
                raise ShapeMismatchError(
                    f"Invalid value for `out`: expected a zarr array of shape {shape}, but got "
                    f"shape {tuple(self.array.shape)}."
                )
            self.array.attrs[COMPLETE_ATTR] = False
        chunk_len = int(self.array.chunks[0])
        write_in_worker = ctx.shares_memory or not _is_memory_store(self.array)
        self._worker = _ZarrWorker(
            self.array, chunk_len, n, write_in_worker, self.dtype, self.trailing
        )

    def worker(self) -> SinkWorker:
        assert self._worker is not None, "open() the sink first"
        return self._worker

    def consume(self, block: Block, payload: Any) -> None:
        if payload:
            for start, piece in payload:
                self.array[start : start + len(piece)] = np.asarray(piece).astype(
                    self.dtype, copy=False
                )

    def finalize(self) -> Any:
        import zarr

        self.array.attrs[COMPLETE_ATTR] = True
        if self.path is None:
            return self.array
        assert self.partial is not None
        try:
            write_record(self.partial)
            _replace_path(self.partial, self.path)
        finally:
            self._release()
        logger.debug("wrote %s", self.path)
        return zarr.open_array(self.path, mode="r")

    def abort(self) -> None:
        if self.path is not None:
            assert self.partial is not None
            _remove_path(self.partial)
            self._release()
        elif self.array is not None:
            logger.warning(
                "run failed: the zarr array %r is left incomplete (attribute %s=False)",
                self.array,
                COMPLETE_ATTR,
            )


# -------------------------------------------------------------------------- CollectSink
class _CollectWorker(SinkWorker):
    trims = False


class CollectSink(Sink):
    """Keep each block's result, untouched, in a list in block order.

    >>> from memphys.engine import run_blocks, plan_blocks
    >>> from memphys.arrays import as_lazy
    >>> import numpy as np
    >>> run_blocks(lambda d, b: int(d.sum()), as_lazy(np.arange(6)), plan_blocks(6, 3),
    ...            CollectSink(), progress_bar=False)
    [3, 12]
    """

    def __init__(self) -> None:
        self.results: list[Any] = []

    def open(self, ctx: SinkContext) -> None:
        self.results = []

    def worker(self) -> SinkWorker:
        return _CollectWorker()

    def consume(self, block: Block, payload: Any) -> None:
        self.results.append(payload)

    def finalize(self) -> list[Any]:
        return self.results

    def abort(self) -> None:
        self.results = []


# -------------------------------------------------------------------- completion checks
def _zarr_complete_attr(obj: Any) -> Any:
    attrs = getattr(obj, "attrs", None)
    return None if attrs is None else attrs.get(COMPLETE_ATTR)


def is_complete(target: Any) -> bool:
    """True if ``target`` (a path or a zarr array) holds a completely written result.

    A ``.npy`` path is complete when the file exists (memphys writes it under
    ``<path>.partial`` and renames it at the end). A zarr store with a completeness record
    is complete when it agrees with it (:func:`~memphys.engine.records.verify_record`); a
    zarr store or array without one when its ``memphys_complete`` attribute is not False
    (stores not written by memphys have no such attribute and count as complete).

    Examples
    --------
    >>> import os, tempfile
    >>> is_complete(os.path.join(tempfile.mkdtemp(), "missing.npy"))
    False
    """
    if not isinstance(target, str | os.PathLike):
        return _zarr_complete_attr(target) is not False
    path = os.fspath(target)
    if os.path.isfile(path):
        return True
    if os.path.isdir(path):
        import zarr

        from memphys.errors import MemphysError

        try:
            verify_record(path, warn=False)
        except MemphysError:
            return False
        try:
            node = zarr.open(path, mode="r")
        except Exception:  # not a zarr store: a plain folder is not a result
            return False
        return _zarr_complete_attr(node) is not False
    return False


def check_complete(target: Any) -> None:
    """Raise unless ``target`` is completely written (see :func:`is_complete`).

    Raises
    ------
    memphys.errors.IncompleteWriteError
        If the write was interrupted (a ``.partial`` leftover, or a zarr array marked
        incomplete).
    memphys.errors.MemphysFileNotFoundError
        If nothing exists at ``target``.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> open(os.path.join(d, "x.npy.partial"), "wb").close()
    >>> check_complete(os.path.join(d, "x.npy"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.IncompleteWriteError: ...x.npy was not completely written: ...
    """
    if isinstance(target, str | os.PathLike) and os.path.isdir(target):
        verify_record(target, warn=False)  # raises naming what is missing or damaged
    if is_complete(target):
        return
    if not isinstance(target, str | os.PathLike):
        raise IncompleteWriteError(
            f"{target!r} was not completely written: its attribute {COMPLETE_ATTR!r} is "
            "False (the run that wrote it failed or was interrupted). Run it again."
        )
    path = os.fspath(target)
    partial = path + PARTIAL_SUFFIX
    if os.path.exists(partial):
        raise IncompleteWriteError(
            f"{path} was not completely written: an interrupted run left {partial}. Run it "
            "again (the leftover is replaced)."
        )
    if os.path.exists(path):
        raise IncompleteWriteError(
            f"{path} was not completely written: its attribute {COMPLETE_ATTR!r} is False "
            "(the run that wrote it failed or was interrupted). Run it again."
        )
    raise MemphysFileNotFoundError(
        f"Invalid value for `target`: expected an existing result, but {path!r} does not exist."
    )
