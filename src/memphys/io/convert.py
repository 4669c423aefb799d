"""Convert a recording from any format ``load_file`` reads to Zarr, ``.npy``, raw or ``.npz``.

The copy streams through the engine with a progress bar, into a file or store written
under a temporary name and renamed when complete; the returned
:class:`~memphys.io.zarr.store.SaveReport` gives sizes, ratio and throughput. The
``memphys convert`` command is a thin layer over :func:`convert`.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import ChunkSizeWarning, MemphysValueError
from memphys.io.binary.raw import save_binary
from memphys.io.interface import load_file
from memphys.io.npy.array import save_npy
from memphys.io.zarr.store import SaveReport, _disk_bytes, save_zarr

__all__ = ["MIN_CHUNK_BYTES", "convert"]

#: The smallest block (and Zarr chunk) a conversion writes, in bytes of data: one
#: file-system block. A Zarr chunk is a file: smaller chunks cost more disk than they hold
#: (1-sample chunks turned a 640 kB recording into a 157 MB store).
MIN_CHUNK_BYTES = 4096


def _row_nbytes(obj: Any) -> tuple[int, int]:
    values = getattr(obj, "values", None)
    shape = tuple(int(s) for s in getattr(values, "shape", ()))
    if not shape:
        return 0, 0
    itemsize = np.dtype(getattr(values, "dtype", "float64")).itemsize
    return shape[0], int(np.prod(shape[1:], dtype=np.int64)) * itemsize


def _rate_of(obj: Any) -> float | None:
    index = getattr(obj, "time_index", None)
    rate = getattr(index, "rate", None) if getattr(index, "is_regular", False) else None
    return float(rate) if rate else None


def _chunk_floor(obj: Any, job_kwargs: dict[str, Any]) -> None:
    """Raise a requested block length below :data:`MIN_CHUNK_BYTES` to it, with a warning."""
    from memphys.engine.job_kwargs import parse_duration

    n, row = _row_nbytes(obj)
    if not n or not row or n * row <= MIN_CHUNK_BYTES:
        return
    rows: int | None = None
    asked = ""
    if job_kwargs.get("chunk_size") is not None:
        rows, asked = int(job_kwargs["chunk_size"]), f"chunk_size={job_kwargs['chunk_size']}"
    elif job_kwargs.get("chunk_duration") is not None and _rate_of(obj):
        seconds = parse_duration(job_kwargs["chunk_duration"])
        rows = max(1, round(seconds * (_rate_of(obj) or 0.0)))
        asked = f"chunk_duration={job_kwargs['chunk_duration']!r}"
    if rows is None or rows * row >= MIN_CHUNK_BYTES:
        return
    floor = -(-MIN_CHUNK_BYTES // row)
    warnings.warn(
        f"{asked} gives blocks of {rows} samples ({rows * row} bytes), below memphys's "
        f"floor of {MIN_CHUNK_BYTES} bytes (one file-system block per chunk): using "
        f"chunk_size={floor} instead.",
        ChunkSizeWarning,
        stacklevel=3,
    )
    job_kwargs.pop("chunk_duration", None)
    job_kwargs["chunk_size"] = floor


def _same_file(src: Any, dst: Path) -> bool:
    if not isinstance(src, str | os.PathLike):
        return False
    try:
        return os.path.samefile(src, dst)
    except OSError:
        return os.path.abspath(os.fspath(src)) == os.path.abspath(dst)


def convert(
    src: Any,
    dst: str | os.PathLike[str],
    *,
    compressor: Any = "default",
    filters: Any = None,
    level: int = 5,
    shrink_integers: bool = False,
    overwrite: bool = True,
    load_kwargs: dict[str, Any] | None = None,
    progress_bar: bool | None = True,
    **job_kwargs: Any,
) -> SaveReport:
    """Convert a recording (a file ``load_file`` reads, or an object) to ``dst``.

    The output format follows ``dst``'s suffix: ``.zarr`` (compressed with ``compressor``
    and ``filters``), ``.npy``, ``.dat``/``.bin``/``.raw`` (raw binary) or ``.npz``. The
    copy streams through the engine with a progress bar; the output is written under a
    temporary name and renamed when complete.

    Parameters
    ----------
    src : str, path-like or time series
        E.g. ``"rec.dat"`` (with ``load_kwargs={"n_channels": 64, "sampling_rate": 3e4}``
        unless a Neuroscope ``.xml`` sits beside it), ``"x.npy"`` (with
        ``load_kwargs={"rate": ...}``), ``"x.npz"``, ``"x.zarr"``.
    dst : str or path-like
        Never ``src`` itself.
    compressor, filters, level, shrink_integers
        For ``.zarr`` outputs only (an error for other outputs); see :func:`save_zarr`.
    overwrite : bool, default True
        Replace an existing ``dst`` (only an output memphys may replace: see
        :mod:`memphys.engine.targets`).
    load_kwargs : dict, optional
        Keyword arguments for ``load_file(src, ...)``.
    progress_bar : bool or None, default True
    **job_kwargs
        ``n_jobs``, ``chunk_size`` ... A ``chunk_size`` or ``chunk_duration`` giving blocks
        smaller than :data:`MIN_CHUNK_BYTES` is raised to it with a
        :class:`~memphys.errors.ChunkSizeWarning`.

    Returns
    -------
    SaveReport
        Sizes, compression ratio and throughput (``print(report)``).

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.arange(4000, dtype="int16").tofile(folder / "rec.dat")
    >>> r = convert(folder / "rec.dat", folder / "rec.zarr", progress_bar=False,
    ...             load_kwargs={"n_channels": 4, "sampling_rate": 1000.0})
    >>> r.shape, r.ratio > 1
    ((1000, 4), True)
    """
    out = Path(dst)
    suffix = out.suffix.lower()
    if _same_file(src, out):
        raise MemphysValueError(
            f"Invalid value for `dst`: {str(out)!r} is the input being converted; write to "
            "another path."
        )
    if suffix != ".zarr":
        given = [
            name
            for name, value, default in (
                ("compressor", compressor, "default"),
                ("filters", filters, None),
                ("level", level, 5),
                ("shrink_integers", shrink_integers, False),
            )
            if not (value is default or value == default)
        ]
        if given:
            raise MemphysValueError(
                f"Invalid value for `{given[0]}`: compression options apply to '.zarr' "
                f"outputs only, but `dst` is {str(out)!r} (a {suffix or 'suffix-less'} file is "
                "written uncompressed)."
            )
    if isinstance(src, str | os.PathLike):
        obj = load_file(src, **(load_kwargs or {}))
    else:
        if load_kwargs:
            raise MemphysValueError(
                "Invalid value for `load_kwargs`: expected them only with a path `src`, but "
                "got an object."
            )
        obj = src
    if isinstance(obj, np.ndarray) or type(obj).__module__.split(".")[0] == "zarr":
        raise MemphysValueError(
            f"Invalid value for `src`: {src!r} holds a bare array without times; pass "
            "load_kwargs={'rate': ...} to read it as a time series."
        )
    job_kwargs["progress_bar"] = progress_bar
    _chunk_floor(obj, job_kwargs)
    if suffix == ".zarr":
        rep = save_zarr(
            obj,
            out,
            compressor=compressor,
            filters=filters,
            level=level,
            shrink_integers=shrink_integers,
            report=True,
            overwrite=overwrite,
            **job_kwargs,
        )
        assert rep is not None
        return rep
    t0 = time.perf_counter()
    if suffix == ".npy":
        save_npy(obj, out, overwrite=overwrite, **job_kwargs)
    elif suffix in (".dat", ".bin", ".raw", ".eeg", ".lfp"):
        save_binary(obj, out, overwrite=overwrite, **job_kwargs)
    elif suffix == ".npz":
        obj.save(out)
    else:
        raise MemphysValueError(
            f"Invalid value for `dst`: expected a path ending in '.zarr', '.npy', '.dat', "
            f"'.bin', '.raw' or '.npz', but got {str(out)!r}."
        )
    seconds = time.perf_counter() - t0
    values = getattr(obj, "values", None)
    shape = tuple(int(s) for s in getattr(values, "shape", ()))
    dtype = np.dtype(getattr(values, "dtype", "float64"))
    return SaveReport(
        path=out,
        kind=type(obj).__name__,
        shape=shape,
        dtype=str(dtype),
        stored_dtype=str(dtype),
        nbytes=int(np.prod(shape, dtype=np.int64)) * dtype.itemsize,
        stored_bytes=_disk_bytes(out),
        seconds=seconds,
        codecs="uncompressed",
    )
