"""Output targets: what memphys may replace, and how a finished output takes their place.

memphys never destroys what it did not write. Before a writer replaces an existing output
(``overwrite=True``), :func:`check_replaceable` checks that the path holds something of
the kind being written that memphys may replace:

- a folder (a Zarr store, a recording folder of :mod:`memphys.ephys`) only if memphys
  wrote it: it holds a completeness record (``memphys_record.json``, see
  :mod:`memphys.engine.records`) or, for stores written by memphys before records
  existed, memphys's own Zarr attributes; or if it is empty. The savers of
  :mod:`memphys.ephys` also replace folders SpikeInterface wrote (same layouts). A
  user's folder, a store of another tool, a symbolic link are refused with
  :class:`~memphys.errors.OverwriteRefusedError` naming the path;
- a file only if it is a regular file of the format being written (the ``.npy`` magic,
  a zip archive for ``.npz``, the HDF5 signature for ``.nwb``; raw binary has no
  signature, so any regular file that is not recognisably another format). A folder,
  a device, a FIFO, or the writer's own input are refused.

A finished output is moved into place by :func:`replace_path`: a file with one
``rename``; a folder by exchanging it with the old one in one ``renameat2`` call on Linux
(two renames elsewhere), so that a crash leaves either the old or the new store under the
name, never a gap.

Examples
--------
>>> import os, tempfile
>>> from memphys.engine.targets import check_replaceable
>>> folder = tempfile.mkdtemp()
>>> open(os.path.join(folder, "notes.txt"), "w").close()
>>> check_replaceable(folder, "zarr")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.OverwriteRefusedError: Refusing to replace ...: it is a folder that memphys ...
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import stat
import sys
from typing import Any

from memphys.errors import OverwriteRefusedError

__all__ = [
    "KINDS",
    "check_replaceable",
    "is_memphys_folder",
    "is_spikeinterface_folder",
    "remove_path",
    "replace_path",
]

#: The kinds of outputs, and whether each is a folder.
KINDS: dict[str, bool] = {
    "zarr": True,
    "folder": True,
    "npy": False,
    "npz": False,
    "raw": False,
    "nwb": False,
}

_RECORD_NAME = "memphys_record.json"  # engine.records.RECORD_NAME (kept free of imports)
_MEMPHYS_ATTRS = ("memphys_format_version", "memphys_complete")
_SI_FILES = ("spikeinterface_info.json", "si_folder.json")
_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "npy": ((0, b"\x93NUMPY"),),
    "npz": ((0, b"PK\x03\x04"), (0, b"PK\x05\x06")),
    "nwb": ((0, b"\x89HDF\r\n\x1a\n"), (512, b"\x89HDF\r\n\x1a\n"), (1024, b"\x89HDF\r\n\x1a\n")),
}
_FORMAT_NAMES = {"npy": "a .npy file", "npz": "a zip (.npz) archive", "nwb": "an HDF5 (NWB) file"}


def _zarr_attrs(folder: str) -> dict[str, Any]:
    """The root attributes of a Zarr store (v3 ``zarr.json`` or v2 ``.zattrs``), or {}."""
    for name in ("zarr.json", ".zattrs"):
        meta = os.path.join(folder, name)
        if os.path.isfile(meta):
            try:
                with open(meta, encoding="utf-8") as fh:
                    doc = json.load(fh)
            except (OSError, ValueError):
                return {}
            if not isinstance(doc, dict):
                return {}
            attrs = doc.get("attributes", {}) if name == "zarr.json" else doc
            return attrs if isinstance(attrs, dict) else {}
    return {}


def is_memphys_folder(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a folder memphys wrote (a record, or memphys's Zarr attributes).

    >>> import tempfile
    >>> is_memphys_folder(tempfile.mkdtemp())
    False
    """
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        return False
    if os.path.isfile(os.path.join(folder, _RECORD_NAME)):
        return True
    attrs = _zarr_attrs(folder)
    return any(a in attrs for a in _MEMPHYS_ATTRS)


def is_spikeinterface_folder(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a folder or store SpikeInterface wrote (``spikeinterface_info.json``
    or ``si_folder.json``, or the ``spikeinterface_info`` attribute of a Zarr store).

    >>> import tempfile
    >>> is_spikeinterface_folder(tempfile.mkdtemp())
    False
    """
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        return False
    if any(os.path.isfile(os.path.join(folder, n)) for n in _SI_FILES):
        return True
    return "spikeinterface_info" in _zarr_attrs(folder)


def _has_signature(path: str, kind: str) -> bool:
    try:
        with open(path, "rb") as fh:
            for offset, magic in _SIGNATURES[kind]:
                fh.seek(offset)
                if fh.read(len(magic)) == magic:
                    return True
    except OSError:
        return False
    return False


def _other_format(path: str) -> str | None:
    for kind, name in _FORMAT_NAMES.items():
        if _has_signature(path, kind):
            return name
    return None


def _refuse(path: str, found: str, hint: str = "") -> OverwriteRefusedError:
    return OverwriteRefusedError(
        f"Refusing to replace {path!r}: it is {found}. memphys replaces only outputs it "
        "wrote itself (or files of the format being written); "
        + (hint or "remove it yourself or choose another path.")
    )


def check_replaceable(
    path: str | os.PathLike[str],
    kind: str,
    *,
    source: str | os.PathLike[str] | None = None,
    spikeinterface: bool = False,
) -> None:
    """Raise unless the existing ``path`` may be replaced by an output of ``kind``.

    Parameters
    ----------
    path : str or path-like
        The output path (nothing is checked if it does not exist).
    kind : {'zarr', 'folder', 'npy', 'npz', 'raw', 'nwb'}
        What is being written (see the module notes).
    source : str or path-like, optional
        The writer's input file: the output may never be the input.
    spikeinterface : bool, default False
        Folders SpikeInterface wrote may be replaced too (the savers of
        :mod:`memphys.ephys`, which write the same layouts).

    Raises
    ------
    OverwriteRefusedError
        With the path and what it holds.
    """
    p = os.path.abspath(os.fspath(path))
    if not os.path.lexists(p):
        return
    if source is not None:
        same = False
        with contextlib.suppress(OSError):
            same = os.path.samefile(p, os.fspath(source))
        if same:
            raise _refuse(p, "the input being read", "write to another path.")
    st = os.lstat(p)
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(p, "a symbolic link (to " + repr(os.readlink(p)) + ")")
    folder_kind = KINDS[kind]
    if stat.S_ISDIR(st.st_mode):
        if not folder_kind:
            raise _refuse(p, "a folder, not a file")
        if is_memphys_folder(p) or (spikeinterface and is_spikeinterface_folder(p)):
            return
        if not os.listdir(p):
            return  # an empty folder: nothing is lost
        raise _refuse(
            p,
            "a folder that memphys did not write (no completeness record)"
            + (" nor SpikeInterface" if spikeinterface else ""),
        )
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(p, "not a regular file (a device, FIFO or socket)")
    if folder_kind:
        raise _refuse(p, f"a file, not a {'Zarr store' if kind == 'zarr' else 'folder'}")
    if kind in _SIGNATURES:
        if st.st_size == 0 or _has_signature(p, kind):
            return
        raise _refuse(p, f"a file that is not {_FORMAT_NAMES[kind]}")
    other = _other_format(p)
    if other is not None:
        raise _refuse(p, f"{other}, not a raw binary file")


# ------------------------------------------------------------------------------ replace
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: str, b: str) -> bool:
    """Swap the names ``a`` and ``b`` atomically (Linux ``renameat2``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - old glibc
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    res = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(res == 0)


def remove_path(path: str | os.PathLike[str]) -> None:
    """Remove a file or a folder tree if it exists (races with another remover are fine)."""
    p = os.fspath(path)
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p, ignore_errors=True)
    elif os.path.lexists(p):
        with contextlib.suppress(OSError):
            os.remove(p)


def replace_path(partial: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Move the complete ``partial`` to ``final``, replacing what is there.

    A file replaces a file in one ``rename``. A folder is exchanged with an existing one
    in one step where the OS allows it (Linux), then the old one (now at ``partial``) is
    removed; elsewhere the old folder is first moved to ``<final>.old-<pid>``.
    """
    src, dst = os.fspath(partial), os.fspath(final)
    if os.path.isdir(dst) and not os.path.islink(dst):
        if _exchange(src, dst):
            remove_path(src)
            return
        old = f"{dst}.old-{os.getpid()}"
        os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)
