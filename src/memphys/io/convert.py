"""Convert a recording from any format ``load_file`` reads to Zarr, ``.npy``, raw or ``.npz``.

The copy streams through the engine with a progress bar, into a file or store written
under a temporary name and renamed when complete; the returned
:class:`~memphys.io.zarr.store.SaveReport` gives sizes, ratio and throughput. The
``memphys convert`` command is a thin layer over :func:`convert`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import MemphysValueError
from memphys.io.binary.raw import save_binary
from memphys.io.interface import load_file
from memphys.io.npy.array import save_npy
from memphys.io.zarr.store import SaveReport, _disk_bytes, save_zarr

__all__ = ["convert"]


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
    compressor, filters, level, shrink_integers
        For ``.zarr`` outputs; see :func:`save_zarr`.
    overwrite : bool, default True
    load_kwargs : dict, optional
        Keyword arguments for ``load_file(src, ...)``.
    progress_bar : bool or None, default True
    **job_kwargs
        ``n_jobs``, ``chunk_size`` ...

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
    out = Path(dst)
    suffix = out.suffix.lower()
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
