"""Write memphys objects to ``.npz`` files with pynapple's keys, streaming and crash-safely.

Every class's ``save`` method reaches :func:`save_npz` for ``.npz`` files (see
:mod:`memphys.io.npz.layout` for the keys). Lazy arrays (memmap, zarr, HDF5, dask,
adapters) and the time index are written in blocks straight into the zip member, so saving
a 2 GB memory-mapped Tsd never holds it in memory. The archive is written under a temporary
name in the destination folder and renamed when complete: an interrupted save leaves the
previous file (if any) untouched. The writer holds the file's write lock (concurrent saves
to one file take turns) and replaces only a zip archive (a folder or a file of another
format at that path is refused).

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> from memphys.io.npz.write import write_npz
>>> path = pathlib.Path(tempfile.mkdtemp()) / "arrays.npz"
>>> write_npz(path, {"a": np.arange(3), "type": np.array(["npz"])})
>>> with np.load(path) as f:
...     sorted(f.keys()), f["a"]
(['a', 'type'], array([0, 1, 2]))
"""

from __future__ import annotations

import glob
import logging
import os
import secrets
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from memphys.config import get_config
from memphys.core._interval_input import npz_path
from memphys.engine.locks import output_lock
from memphys.engine.targets import check_replaceable
from memphys.errors import MemphysTypeError
from memphys.io.npz.layout import Blocks, npz_members

__all__ = ["BLOCK_BYTES_MAX", "save_npz", "write_npz"]

logger = logging.getLogger(__name__)

#: Largest block (bytes) read from a lazy source and written at once.
BLOCK_BYTES_MAX = 64 * 2**20
_BLOCK_BYTES_MIN = 2**20


def _block_rows(member: Blocks) -> int:
    row = int(np.prod(member.shape[1:], dtype=np.int64)) * member.dtype.itemsize
    budget = int(get_config("memory_budget")) // 8
    nbytes = min(max(budget, _BLOCK_BYTES_MIN), BLOCK_BYTES_MAX)
    return max(1, nbytes // max(row, 1))


def _write_header(fp: IO[bytes], shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": shape,
    }
    try:
        np.lib.format.write_array_header_1_0(fp, header)
    except ValueError:  # header longer than 65535 bytes (huge structured dtypes)
        np.lib.format.write_array_header_2_0(fp, header)


def _write_blocks(fp: IO[bytes], member: Blocks) -> None:
    """Write the rows of ``member`` block by block (C order) after its header."""
    n = member.shape[0] if member.shape else 0
    step = _block_rows(member)
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = np.ascontiguousarray(member.read(start, stop), dtype=member.dtype)
        if block.shape != (stop - start, *member.shape[1:]):
            raise MemphysTypeError(
                f"Invalid block: expected shape {(stop - start, *member.shape[1:])} for rows "
                f"[{start}, {stop}), but got {block.shape}."
            )
        fp.write(block.reshape(-1).view(np.uint8).data)


def _write_member(zf: zipfile.ZipFile, name: str, value: Any) -> None:
    with zf.open(f"{name}.npy", "w", force_zip64=True) as fp:
        if isinstance(value, Blocks):
            _write_header(fp, value.shape, value.dtype)
            _write_blocks(fp, value)
        else:
            np.lib.format.write_array(fp, np.asanyarray(value), allow_pickle=True)


def _remove_stale(path: Path) -> None:
    """Remove temporary files of ``path`` left by killed writers (we hold its lock, so no
    live writer of ``path`` owns one)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)


def _temporary_name(path: Path) -> Path:
    token = f"{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}"
    return path.with_name(f".{path.name}.{token}.tmp")


def write_npz(path: str | os.PathLike[str], members: Mapping[str, Any]) -> None:
    """Write ``members`` (name -> array or block reader) to the ``.npz`` file ``path``.

    The archive is written to a temporary file next to ``path`` (created with the usual
    permissions), flushed to disk and renamed to ``path`` only when complete. On any error
    the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        Destination, used as given (no suffix added).
    members : mapping
        Key -> numpy array (object arrays are pickled, as ``np.savez`` does), or a block
        reader from :func:`npz_members`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
    >>> write_npz(path, {"x": np.arange(4.0)})
    >>> with np.load(path) as f:
    ...     f["x"]
    array([0., 1., 2., 3.])
    """
    path = Path(path)
    with output_lock(path, what=".npz file"):
        check_replaceable(path, "npz")
        _remove_stale(path)
        tmp = _temporary_name(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED) as zf:
                    for name, value in members.items():
                        _write_member(zf, name, value)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    logger.debug("wrote %s (%d members)", path, len(members))


def save_npz(obj: Any, filename: str | os.PathLike[str]) -> None:
    """Save ``obj`` to ``filename`` in pynapple's ``.npz`` layout (see the module notes).

    ``filename`` follows pynapple's rules: ``.npz`` replaces any other suffix (or is added);
    the folder must exist.

    Parameters
    ----------
    obj : Ts, Tsd, TsdFrame, TsdTensor, TsGroup or IntervalSet
    filename : str or path-like

    Raises
    ------
    MemphysTypeError
        If ``filename`` is not a string or path (a TypeError, as in pynapple), or ``obj`` is
        not a memphys object.
    MemphysRuntimeError
        If ``filename`` is a folder or its folder does not exist (pynapple's RuntimeError
        and messages).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_npz(nap.IntervalSet(start=[0, 10], end=[5, 12]), folder / "ep")
    >>> with np.load(folder / "ep.npz", allow_pickle=True) as f:
    ...     list(f.keys()), f["end"]
    (['start', 'end', 'type', '_metadata'], array([ 5., 12.]))
    """
    path = npz_path(filename)
    write_npz(path, npz_members(obj))
