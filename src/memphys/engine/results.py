"""Where the result of a run goes when the caller gives no ``out=``.

The memory budget bounds the *working* memory of a computation (the blocks in flight and
their temporaries), never the result the caller asked for. A result that fits comfortably
in the memory actually available (at most :data:`RESULT_MEMORY_FRACTION` of
:func:`available_memory`) is gathered in memory, as pynapple returns it. A larger one is
written to a temporary ``.npy`` file and returned as a read-only memmap, with a
:class:`ResultOnDiskWarning` that names ``out=``; the file is removed when the memmap (and
every view of it) is garbage collected, or at exit. Only when the temporary folder lacks
the space too is :class:`~memphys.errors.MemoryBudgetError` raised.

``available_memory()`` reads ``MemAvailable`` from ``/proc/meminfo``; the environment
variable ``MEMPHYS_MEMORY_AVAILABLE`` (bytes, or ``"512M"``, ``"2G"``) overrides it, for
tests and for machines whose memory is limited otherwise (containers).

Examples
--------
>>> import numpy as np
>>> from memphys.engine.results import result_sink
>>> sink, kind = result_sink(None, 10, (2,), np.float32)
>>> kind, type(sink).__name__
('memory', 'ArraySink')
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import weakref
from typing import Any

import numpy as np

from memphys.engine.sinks import ArraySink, NpySink, Sink, ZarrSink
from memphys.errors import (
    MemoryBudgetError,
    MemphysTypeError,
    MemphysValueError,
    ResultOnDiskWarning,
)

__all__ = [
    "RESULT_MEMORY_FRACTION",
    "ResultOnDiskWarning",
    "available_memory",
    "empty_result",
    "open_result",
    "result_fits_in_memory",
    "result_sink",
]

#: A result is kept in memory when it takes at most this fraction of the available memory.
RESULT_MEMORY_FRACTION = 0.5

#: Environment variable overriding :func:`available_memory` (bytes or "512M", "2G" ...).
MEMORY_AVAILABLE_ENV = "MEMPHYS_MEMORY_AVAILABLE"

_TEMP_PREFIX = "memphys-result-"


def available_memory() -> int:
    """Bytes of memory available to new allocations (``MemAvailable`` of the kernel).

    ``MEMPHYS_MEMORY_AVAILABLE`` overrides it. Where ``/proc/meminfo`` does not exist, the
    physical memory (``os.sysconf``) is taken.

    >>> available_memory() > 0
    True
    """
    from memphys.config import parse_memory

    env = os.environ.get(MEMORY_AVAILABLE_ENV)
    if env:
        return int(parse_memory(env, MEMORY_AVAILABLE_ENV))
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    try:  # pragma: no cover - not Linux
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 2**34


def result_fits_in_memory(nbytes: int) -> bool:
    """True when a result of ``nbytes`` fits comfortably in the available memory.

    >>> result_fits_in_memory(1024)
    True
    """
    return int(nbytes) <= RESULT_MEMORY_FRACTION * available_memory()


def _fmt(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def _temp_result_folder(
    nbytes: int,
    shape: tuple[int, ...],
    dt: np.dtype[Any],
    what: str,
    stacklevel: int,
    *,
    out_hint: bool,
) -> str:
    """A new temporary folder for a result of ``nbytes`` that does not fit in memory, with
    the :class:`ResultOnDiskWarning` (``stacklevel`` counted from this function's caller's
    frame plus one); ``MemoryBudgetError`` when the disk lacks room too. ``out_hint``: the
    caller takes ``out=`` (the messages say so)."""
    folder = tempfile.mkdtemp(prefix=_TEMP_PREFIX)
    free = shutil.disk_usage(folder).free
    if nbytes > free:
        shutil.rmtree(folder, ignore_errors=True)
        raise MemoryBudgetError(
            f"{what.capitalize()} (shape {shape}, dtype {dt}, {_fmt(nbytes)}) fits neither "
            f"in the available memory ({_fmt(available_memory())}) nor in the temporary "
            f"folder {os.path.dirname(folder)!r} ({_fmt(free)} free)."
            + (
                " Pass `out=` a '.npy' or '.zarr' path on a disk with room for it."
                if out_hint
                else ""
            )
        )
    warnings.warn(
        f"{what.capitalize()} ({_fmt(nbytes)}) does not fit comfortably in the available "
        f"memory ({_fmt(available_memory())}): it is written to a temporary file in "
        f"{folder!r}, removed when the result is garbage collected."
        + (
            " Pass `out=` (a '.npy' or '.zarr' path) to choose where it goes and keep it."
            if out_hint
            else ""
        ),
        ResultOnDiskWarning,
        stacklevel=stacklevel,
    )
    return folder


def result_sink(
    out: Any,
    n_samples: int,
    trailing: tuple[int, ...],
    dtype: Any,
    *,
    overwrite: bool = True,
    what: str = "the result",
    stacklevel: int = 4,
) -> tuple[Sink, str]:
    """The sink for ``out`` and its kind (``"memory"``, ``"temp"``, ``"npy"``, ``"zarr"``,
    ``"array"`` or ``"zarr-array"``).

    ``out=None`` follows the rule of the module docstring: in memory, else a temporary
    ``.npy`` (kind ``"temp"``; read it back with :func:`open_result`).

    Raises
    ------
    memphys.errors.MemoryBudgetError
        If the result neither fits the available memory nor the temporary folder.
    """
    dt = np.dtype(dtype)
    shape = (int(n_samples), *tuple(int(s) for s in trailing))
    if out is None:
        nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        if result_fits_in_memory(nbytes):
            return ArraySink(shape[1:], dt, allow_large=True), "memory"
        folder = _temp_result_folder(nbytes, shape, dt, what, stacklevel + 1, out_hint=True)
        path = os.path.join(folder, "result.npy")
        return NpySink(path, shape[1:], dt), "temp"
    if isinstance(out, str | os.PathLike):
        path = os.fspath(out)
        if path.endswith(".npy"):
            return NpySink(path, shape[1:], dt, overwrite=overwrite), "npy"
        if path.rstrip("/").endswith(".zarr"):
            return ZarrSink(path, shape[1:], dt, overwrite=overwrite), "zarr"
        raise MemphysValueError(
            f"Invalid value for `out`: expected a path ending in '.npy' or '.zarr', but got "
            f"{path!r}."
        )
    if isinstance(out, np.ndarray):
        return ArraySink(out=out), "array"
    if type(out).__module__.split(".")[0] == "zarr":
        return ZarrSink(out), "zarr-array"
    raise MemphysTypeError(
        "Invalid type for `out`: expected None, a '.npy' or '.zarr' path, a numpy array or a "
        f"zarr array, but got {type(out).__name__}."
    )


def empty_result(
    shape: tuple[int, ...],
    dtype: Any,
    *,
    fill: Any = None,
    what: str = "the result",
    stacklevel: int = 3,
) -> np.ndarray:
    """A writable array of ``shape`` for a result that is filled piece by piece.

    The rule of the module docstring: a numpy array when it fits the available memory,
    otherwise a memmap of a temporary ``.npy`` file (with a :class:`ResultOnDiskWarning`),
    removed when the memmap and every view of it are gone. ``fill`` initialises it.

    Examples
    --------
    >>> a = empty_result((3, 2), np.float64, fill=np.nan)
    >>> type(a).__name__, a.shape, bool(np.isnan(a).all())
    ('ndarray', (3, 2), True)
    """
    dt = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if result_fits_in_memory(nbytes):
        return np.full(shape, fill, dtype=dt) if fill is not None else np.empty(shape, dt)
    folder = _temp_result_folder(nbytes, shape, dt, what, stacklevel + 1, out_hint=False)
    arr = np.lib.format.open_memmap(
        os.path.join(folder, "result.npy"), mode="w+", dtype=dt, shape=shape
    )
    weakref.finalize(arr, _remove, folder)
    if fill is not None:
        flat = arr.reshape(-1)
        step = max(1, (64 << 20) // dt.itemsize)
        for i in range(0, flat.size, step):
            flat[i : i + step] = fill
    return arr


def _remove(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def open_result(result: Any, kind: str) -> Any:
    """The value to hand back for a run's ``result`` written to a sink of ``kind``.

    A ``.npy`` path is opened as a read-only memmap; a temporary one is removed when that
    memmap and all its views are gone (:func:`weakref.finalize`, also at exit).
    """
    if kind not in ("npy", "temp"):
        return result
    arr = np.load(result, mmap_mode="r")
    if kind == "temp":
        weakref.finalize(arr, _remove, os.path.dirname(os.fspath(result)))
    return arr
