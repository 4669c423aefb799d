"""``.npy`` files: memory-mapped reading and streaming writing.

:func:`load_npy` maps a ``.npy`` file at its header offset (through
:class:`~memphys.arrays.NpyFileArray`, which checks the header and the file size) and
returns the read-only ``np.memmap``, or a ``Tsd``/``TsdFrame``/``TsdTensor`` over it when a
sampling ``rate`` is given. :func:`save_npy` streams the values of any time series (or
array) to a ``.npy`` file through the engine, written under ``<path>.partial`` and renamed
when complete. A ``.npy`` file holds the values only: use ``.npz`` or ``.zarr`` to keep the
times, the time support and the metadata.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> import memphys as nap
>>> path = pathlib.Path(tempfile.mkdtemp()) / "lfp.npy"
>>> np.save(path, np.arange(6.0).reshape(3, 2))
>>> nap.load_file(path)
memmap([[0., 1.],
        [2., 3.],
        [4., 5.]])
>>> nap.load_file(path, rate=1000.0, start=2.0).t
array([2.   , 2.001, 2.002])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from memphys._validation import check_positive_float, value_error
from memphys.arrays import NpyFileArray
from memphys.core import Tsd, TsdFrame, TsdTensor
from memphys.core.time_index import RegularTimeIndex
from memphys.engine.job_kwargs import resolve_job_kwargs
from memphys.engine.run import _selected_trailing
from memphys.engine.sinks import NpySink
from memphys.errors import FileFormatError
from memphys.io._stream import data_source, plan_for, stream

__all__ = ["load_npy", "save_npy"]


def load_npy(
    path: str | os.PathLike[str],
    lazy_loading: bool | None = None,
    *,
    rate: float | None = None,
    start: float = 0.0,
    columns: Any = None,
) -> Any:
    """Memory-map a ``.npy`` file (never reading it), optionally as a time series.

    Parameters
    ----------
    path : str or path-like
    lazy_loading : bool, optional
        ``False`` reads the array into memory; otherwise (default) it is memory-mapped.
    rate : float, optional
        Sampling rate in Hz: return a ``Tsd`` (1-D), ``TsdFrame`` (2-D) or ``TsdTensor``
        over the regular index ``start + i / rate``. Without it, the array itself.
    start : float, default 0.0
        Time of the first sample, in seconds (with ``rate``).
    columns : list, optional
        Column labels of a ``TsdFrame``.

    Returns
    -------
    numpy.memmap, numpy.ndarray, Tsd, TsdFrame or TsdTensor

    Raises
    ------
    MemphysFileNotFoundError
        If the file does not exist.
    FileFormatError
        If it is not a ``.npy`` file, holds Python objects, or is truncated.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> np.save(path, np.arange(4, dtype="int16"))
    >>> load_npy(path, rate=2.0).t
    array([0. , 0.5, 1. , 1.5])
    >>> with open(path, "r+b") as fh:
    ...     _ = fh.truncate(130)
    >>> load_npy(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.FileFormatError: File ...x.npy... is too small for shape (4,) ...
    """
    adapter = NpyFileArray(path)
    if adapter.size == 0:
        data: Any = np.empty(adapter.shape, dtype=adapter.dtype)
    else:
        data = np.memmap(
            adapter.path,
            dtype=adapter.dtype,
            mode="r",
            offset=adapter.offset,
            shape=adapter.shape,
            order=adapter.order,
        )
    if lazy_loading is False:
        data = np.array(data)
    if rate is None:
        if columns is not None:
            raise value_error("columns", "columns only with `rate=`", columns)
        return data
    rate = check_positive_float("rate", rate)

    ti = RegularTimeIndex(start=float(start), rate=rate, n=int(data.shape[0]))
    if data.ndim == 1:
        return Tsd(t=ti, d=data)
    if data.ndim == 2:
        return TsdFrame(t=ti, d=data, columns=columns)
    return TsdTensor(t=ti, d=data)


def save_npy(
    obj: Any,
    path: str | os.PathLike[str],
    dtype: Any = None,
    *,
    overwrite: bool = True,
    **job_kwargs: Any,
) -> Path:
    """Write the values of a time series (or an array) to a ``.npy`` file, streaming.

    The data are copied block by block through the engine (``n_jobs`` workers write their
    blocks straight into the file) under ``<path>.partial``, renamed when complete, so
    the memory used does not grow with the data. Only the values are stored.

    Parameters
    ----------
    obj : Tsd, TsdFrame, TsdTensor or array-like
    path : str or path-like
        Must end in ``.npy``.
    dtype : dtype_like, optional
        Output dtype (default: the data's).
    overwrite : bool, default True
        Replace an existing file.
    **job_kwargs
        ``n_jobs``, ``chunk_size``/``chunk_memory``..., ``progress_bar``, ``pool_engine``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> import memphys as nap
    >>> x = nap.Tsd(t=None, d=np.arange(5.0), rate=100.0)
    >>> out = save_npy(x, pathlib.Path(tempfile.mkdtemp()) / "x.npy", n_jobs=2)
    >>> np.load(out)
    array([0., 1., 2., 3., 4.])
    """
    dest = Path(path)
    if dest.suffix.lower() != ".npy":
        raise FileFormatError(
            f"Invalid value for `path`: expected a path ending in '.npy', but got {str(dest)!r}."
        )
    src, channels, squeeze = data_source(getattr(obj, "values", obj))
    out_dtype = src.dtype if dtype is None else np.dtype(dtype)
    job = resolve_job_kwargs(**job_kwargs)
    plan = plan_for(src, channels, job)
    trailing = () if squeeze else _selected_trailing(src, channels)
    sink = NpySink(dest, trailing, out_dtype, overwrite=overwrite)
    stream(src, channels, squeeze, plan, sink, out_dtype, job, "save_npy")
    return dest
