"""Read ``.npz`` files written by memphys or pynapple (any version) as memphys objects.

The object's class comes from the ``type`` key; files without it (old pynapple versions)
are recognised from their keys, as pynapple does. A ``.npz`` that holds no pynapple
object is returned as numpy's ``NpzFile`` (as ``np.load`` would). A truncated or corrupt
file, or one that is not a zip archive, raises :class:`~memphys.errors.FileFormatError`
naming the file; no file handle is left open on any error.

Large uncompressed members (``t`` and ``d`` of a time series) are memory-mapped instead of
read when they do not fit the memory budget (or always with ``lazy_loading=True``), so
loading a 2 GB saved Tsd costs almost no memory.

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.io.npz import NPZFile, load_npz
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ep.npz"
>>> nap.IntervalSet(start=[0, 10], end=[5, 12]).save(path)
>>> NPZFile(path).type
np.str_('IntervalSet')
>>> load_npz(path)
  index    start    end
      0        0      5
      1       10     12
shape: (2, 2), time unit: sec.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import zipfile
from collections.abc import Iterator, KeysView
from pathlib import Path
from typing import IO, Any

import numpy as np

from memphys.config import get_config
from memphys.core import IntervalSet
from memphys.errors import (
    FileFormatError,
    MemphysError,
    MemphysFileNotFoundError,
    MemphysRuntimeError,
)
from memphys.io.npz.layout import (
    CLASSES,
    EXPECTED_KEYS,
    group_from_members,
    intervals_from_members,
    metadata_from_member,
)

__all__ = ["NPZFile", "load_npz"]

logger = logging.getLogger(__name__)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# errors raised by zipfile / numpy.lib.format / pickle on damaged content
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    OSError,
    KeyError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    IndexError,
    TypeError,
)


def _corrupt(path: Path, detail: str, exc: BaseException | None = None) -> FileFormatError:
    msg = f"Invalid file {str(path)!r}: expected a complete .npz archive, but {detail}"
    if exc is not None:
        msg += f" ({type(exc).__name__}: {exc})"
    return FileFormatError(msg + ". The file is truncated or corrupt; write it again.")


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")  # closed by the callers on every path
    except FileNotFoundError:
        raise MemphysFileNotFoundError(f"File {path} does not exist") from None
    except IsADirectoryError:
        raise FileFormatError(
            f"Invalid file {str(path)!r}: expected a .npz file, but got a folder."
        ) from None


@contextlib.contextmanager
def _open_zip(path: Path) -> Iterator[tuple[IO[bytes], zipfile.ZipFile]]:
    """The file and its archive, open for reading; errors become FileFormatError; the handle
    is closed on every path."""
    fh = _open_binary(path)
    try:
        magic = fh.read(4)
        fh.seek(0)
        if magic not in _ZIP_MAGIC:
            raise FileFormatError(
                f"Invalid file {str(path)!r}: expected a .npz (zip) archive, but the file "
                f"starts with {magic!r}"
                + (" (an empty file)" if not magic else "")
                + ". Save it again with `obj.save(...)` or `np.savez`."
            )
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise _corrupt(path, "its zip directory is missing or damaged", exc) from None
        with zf:
            yield fh, zf
    finally:
        fh.close()


def _keys(zf: zipfile.ZipFile) -> dict[str, str]:
    """npz key -> member name (``x`` -> ``x.npy``), as ``np.load`` names them."""
    return {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}


def _read_member(zf: zipfile.ZipFile, member: str, path: Path, allow_pickle: bool = True) -> Any:
    try:
        with zf.open(member) as f:
            return np.lib.format.read_array(f, allow_pickle=allow_pickle)
    except _READ_ERRORS as exc:
        raise _corrupt(path, f"member {member!r} cannot be read", exc) from None


def _member_header(
    zf: zipfile.ZipFile, member: str, path: Path
) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """``(shape, fortran_order, dtype, header length)`` of an ``.npy`` member."""
    try:
        with zf.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            return tuple(shape), bool(fortran), dtype, f.tell()
    except _READ_ERRORS as exc:
        raise _corrupt(path, f"member {member!r} has no valid .npy header", exc) from None


def _data_offset(fh: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Offset in the file of the first byte of an uncompressed member's content."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    name_len = int.from_bytes(local[26:28], "little")
    extra_len = int.from_bytes(local[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


def _detect_type(zf: zipfile.ZipFile, path: Path) -> str:
    keys = _keys(zf)
    present = set(keys)
    if "type" in keys:
        try:
            with zf.open(keys["type"]) as f:
                value = np.lib.format.read_array(f, allow_pickle=False)
            name = str(value.reshape(-1)[0]) if value.size else ""
        except (*_READ_ERRORS, IndexError):
            name = ""
        if name in EXPECTED_KEYS:
            return name
        if any(EXPECTED_KEYS[k] <= present for k in EXPECTED_KEYS):
            # the keys of a pynapple object under a type that is none: do not guess
            known = ", ".join(EXPECTED_KEYS)
            raise FileFormatError(
                f"Invalid file {str(path)!r}: its 'type' is {name!r}, expected one of "
                f"{known}. The file was written by another tool or damaged; open it with "
                "numpy.load to read its arrays."
            )
    if EXPECTED_KEYS["TsGroup"] <= present:
        return "TsGroup"
    if "d" in present and EXPECTED_KEYS["Tsd"] <= present:
        ndim = len(_member_header(zf, keys["d"], path)[0])
        return "Tsd" if ndim == 1 else "TsdFrame" if ndim == 2 else "TsdTensor"
    for name in ("Ts", "IntervalSet"):
        if EXPECTED_KEYS[name] <= present:
            return name
    return "npz"


class _Reader:
    """Reads the members of one open archive, memory-mapping large ones when allowed."""

    def __init__(self, path: Path, fh: IO[bytes], zf: zipfile.ZipFile, lazy: bool | None):
        self.path, self.fh, self.zf, self.lazy = path, fh, zf, lazy
        self.members = _keys(zf)

    # read-only mapping interface (as numpy's NpzFile), for the layout's rebuilders
    def __contains__(self, key: object) -> bool:
        return key in self.members

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def keys(self) -> KeysView[str]:
        return self.members.keys()

    def get(self, key: str) -> Any:
        return _read_member(self.zf, self.members[key], self.path)

    def array(self, key: str) -> Any:
        """A member that may be memory-mapped (``t``, ``d``): numeric and uncompressed."""
        member = self.members[key]
        info = self.zf.getinfo(member)
        if self.lazy is False or info.compress_type != zipfile.ZIP_STORED:
            return self.get(key)
        shape, fortran, dtype, header = _member_header(self.zf, member, self.path)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if dtype.hasobject or nbytes == 0:
            return self.get(key)
        if self.lazy is None and nbytes <= int(get_config("memory_budget")):
            return self.get(key)
        try:
            offset = _data_offset(self.fh, info) + header
        except (zipfile.BadZipFile, OSError) as exc:
            raise _corrupt(self.path, f"member {member!r} cannot be located", exc) from None
        if offset + nbytes > os.fstat(self.fh.fileno()).st_size:
            raise _corrupt(self.path, f"member {member!r} ends past the end of the file")
        logger.debug("memory-mapping %s[%s] (%d bytes)", self.path, key, nbytes)
        if fortran:
            return np.memmap(self.path, dtype, "r", offset=offset, shape=shape, order="F")
        return np.memmap(self.path, dtype, "r", offset=offset, shape=shape, order="C")


def _build(kind: str, r: _Reader) -> Any:
    if kind == "IntervalSet":
        return intervals_from_members(r)
    if kind == "TsGroup":
        return group_from_members(r)
    cls = CLASSES[kind]
    support = IntervalSet(start=r.get("start"), end=r.get("end"))
    kwargs: dict[str, Any] = {"t": r.array("t"), "time_support": support}
    if kind != "Ts":
        kwargs["d"] = r.array("d")
    if kind == "TsdFrame" and "columns" in r:
        kwargs["columns"] = r.get("columns")
    obj = cls(**kwargs)
    if kind == "TsdFrame" and "_metadata" in r:
        meta = metadata_from_member(r.get("_metadata"))
        if meta is not None:
            obj.set_info(meta)
    return obj


class NPZFile:
    """An ``.npz`` file holding a pynapple object (or any arrays), as pynapple's ``NPZFile``.

    The file is opened only while it is read: creating an ``NPZFile`` reads its ``type``
    (or its keys, for old files) and closes it again.

    Parameters
    ----------
    path : str or path-like
        Path to the ``.npz`` file.

    Attributes
    ----------
    path : pathlib.Path
    name : str
        File name (with the extension).
    type : str (a numpy.str\\_)
        ``"Ts"``, ``"Tsd"``, ``"TsdFrame"``, ``"TsdTensor"``, ``"TsGroup"``,
        ``"IntervalSet"``, or ``"npz"`` for a file holding no pynapple object.

    Raises
    ------
    MemphysFileNotFoundError
        If the file does not exist.
    FileFormatError
        If it is not a zip archive, or is truncated or corrupt.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from memphys.io.npz import NPZFile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "arrays.npz"
    >>> np.savez(path, a=np.arange(3))
    >>> f = NPZFile(path)
    >>> f.type
    np.str_('npz')
    >>> with f.load() as arrays:
    ...     arrays["a"]
    array([0, 1, 2])
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = self.path.name
        with _open_zip(self.path) as (_, zf):
            self.type = np.str_(_detect_type(zf, self.path))

    def __repr__(self) -> str:
        return f"NPZFile({str(self.path)!r}, type={str(self.type)!r})"

    def load(self, lazy_loading: bool | None = None) -> Any:
        """Read the object.

        Parameters
        ----------
        lazy_loading : bool, optional
            ``None`` (default): memory-map ``t`` and ``d`` when they are larger than the
            memory budget; ``True``: always memory-map them (uncompressed files); ``False``:
            read everything into memory.

        Returns
        -------
        Ts, Tsd, TsdFrame, TsdTensor, TsGroup, IntervalSet or numpy.lib.npyio.NpzFile
            The object; for a file holding no pynapple object, numpy's ``NpzFile`` (close
            it, or use it in a ``with`` block, when done).

        Raises
        ------
        FileFormatError
            If the file is truncated, corrupt, or its content does not make a valid object.
        """
        if self.type == "npz":
            return _foreign(self.path)
        kind = str(self.type)
        with _open_zip(self.path) as (fh, zf):
            reader = _Reader(self.path, fh, zf, lazy_loading)
            try:
                return _build(kind, reader)
            except FileFormatError:
                raise
            except KeyError as exc:
                raise FileFormatError(
                    f"Invalid file {str(self.path)!r}: expected the keys of a {kind} "
                    f"({', '.join(sorted(EXPECTED_KEYS[kind]))}), but key {exc} is missing."
                ) from None
            except MemphysRuntimeError:
                raise
            except MemphysError as exc:
                raise FileFormatError(
                    f"Invalid file {str(self.path)!r}: its content is not a valid {kind}: {exc}"
                ) from exc


def _foreign(path: Path) -> Any:
    """numpy's ``NpzFile`` for an archive that holds no pynapple object (pickles allowed)."""
    fh = _open_binary(path)
    try:
        return np.lib.npyio.NpzFile(fh, own_fid=True, allow_pickle=True)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        fh.close()
        raise _corrupt(path, "its zip directory is missing or damaged", exc) from None
    except BaseException:
        fh.close()
        raise


def load_npz(path: str | os.PathLike[str], lazy_loading: bool | None = None) -> Any:
    """Load an ``.npz`` file: the pynapple object it holds, or numpy's ``NpzFile``.

    See :meth:`NPZFile.load` for ``lazy_loading``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import memphys as nap
    >>> from memphys.io.npz import load_npz
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ep"
    >>> nap.IntervalSet(start=0, end=5, metadata={"label": "a"}).save(path)
    >>> load_npz(path.with_suffix(".npz")).label
    0    a
    Name: label, dtype: str
    """
    return NPZFile(path).load(lazy_loading=lazy_loading)
