"""Building blocks for writers of other NWB objects (the acquisition face's
``ElectricalSeries`` and ``Units`` in :mod:`memphys.ephys.nwb`).

- :func:`write_nwbfile_with`: the crash-safe write of :func:`~memphys.io.nwb.write_nwb`
  (a temporary file validated, then renamed; appending goes through a copy) around a
  function that adds anything to the ``pynwb.NWBFile`` (devices, electrodes, series);
- :func:`h5_data_io`: data (an array or an hdmf iterator) wrapped for HDF5 chunking and
  compression;
- :class:`~memphys.io.nwb._iter.LazyDataIterator` / :class:`TimestampIterator`: lazy
  sources streamed block by block through the engine.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from pynwb import TimeSeries
>>> path = os.path.join(tempfile.mkdtemp(), "x.nwb")
>>> def add(nwbfile):
...     data = h5_data_io(LazyDataIterator(np.arange(10.0)), "gzip")
...     nwbfile.add_acquisition(TimeSeries(name="x", data=data, unit="a.u.", rate=1.0))
>>> write_nwbfile_with(path, add).name
'x.nwb'
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

from memphys.errors import MemphysFileNotFoundError, MemphysValueError
from memphys.io.nwb._convert import _h5io
from memphys.io.nwb._iter import LazyDataIterator, TimestampIterator
from memphys.io.nwb.write import (
    _atomic,
    _check_compression,
    _check_space,
    _new_nwbfile,
    _open_error,
    _validate_file,
)

__all__ = [
    "write_nwbfile_with",
    "h5_data_io",
    "check_compression",
    "LazyDataIterator",
    "TimestampIterator",
]


def h5_data_io(
    data: Any, compression: Any = "gzip", compression_opts: Any = None, shuffle: bool = False
) -> Any:
    """``data`` wrapped in hdmf's ``H5DataIO`` with the given HDF5 filter (chunked)."""
    return _h5io(data, compression, compression_opts, shuffle)


def check_compression(compression: Any) -> Any:
    """``None`` for no compression, else ``"gzip"`` or ``"lzf"`` (a clear error otherwise)."""
    return _check_compression(compression)


def write_nwbfile_with(
    path: str | os.PathLike[str],
    add: Callable[[Any], None],
    *,
    overwrite: bool = False,
    validate: bool = True,
    nwbfile_kwargs: Mapping[str, Any] | None = None,
) -> pathlib.Path:
    """Create ``path`` (or append to it) with ``add(nwbfile)``, crash-safely.

    A new file gets :func:`~memphys.io.nwb.write_nwb`'s defaults (a subject marked
    unknown, ...). An existing file is appended to through a copy swapped in when complete
    (``overwrite=True`` replaces it instead); ``nwbfile_kwargs`` apply to new files only.
    The written file passes the NWB schema validator before it replaces ``path``.

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If the folder of ``path`` does not exist.
    memphys.errors.FileFormatError
        If an existing ``path`` is not an NWB file, or the result does not validate.
    """
    from pynwb import NWBHDF5IO

    p = pathlib.Path(os.fspath(path))
    if p.exists() and not overwrite:
        if nwbfile_kwargs:
            raise MemphysValueError(
                f"Invalid value for `nwbfile_kwargs`: {str(p)!r} exists and is appended to, "
                "so its file-level metadata cannot be set; pass overwrite=True to replace it."
            )
        try:
            with NWBHDF5IO(str(p), "r") as io:
                io.read()
        except Exception as exc:
            raise _open_error(p, exc) from exc
        _check_space(p)
        with _atomic(p, copy_from=p) as tmp:
            with NWBHDF5IO(str(tmp), "a") as io:
                nwb = io.read()
                add(nwb)
                io.write(nwb)
            if validate:
                _validate_file(tmp, p)
        return p
    if not p.parent.is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `path`: the folder {str(p.parent)!r} does not exist."
        )
    nwb = _new_nwbfile(nwbfile_kwargs)
    add(nwb)
    with _atomic(p) as tmp:
        with NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)
        if validate:
            _validate_file(tmp, p)
    return p
