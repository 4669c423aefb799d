"""``Folder``: a dict-like view of a folder tree of ``.npz`` and ``.nwb`` files.

As pynapple's ``Folder``: subfolders are ``Folder`` items, ``.npz`` files are
:class:`~memphys.io.npz.NPZFile` items loaded (and cached) on first access, ``.nwb``
files are opened with :func:`~memphys.io.interface.load_file` on first access. Keys are
file names without extension or whitespace. ``save`` writes an object as ``.npz`` plus a
JSON sidecar (``{"time": ..., "info": description}``) that ``metadata`` displays.

The tree is plain text (pynapple draws it with ``rich``, which memphys does not need).

Examples
--------
>>> import pathlib, tempfile
>>> import memphys as nap
>>> root = pathlib.Path(tempfile.mkdtemp()) / "session"
>>> (root / "probe0").mkdir(parents=True)
>>> nap.IntervalSet(start=[0, 10], end=[5, 12]).save(root / "epochs.npz")
>>> nap.IntervalSet(start=0, end=1).save(root / "probe0" / "sleep.npz")
>>> folder = nap.Folder(root)
>>> folder
📂 session
├── 📂 probe0
└── epochs.npz  |  IntervalSet
>>> folder["probe0"]["sleep"].tot_length()
np.float64(1.0)
"""

from __future__ import annotations

import json
import logging
import os
import string
import sys
from collections import UserDict
from datetime import datetime
from pathlib import Path
from typing import Any

from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysKeyError,
    MemphysValueError,
)
from memphys.io.interface import as_path, load_file
from memphys.io.npz.read import NPZFile

__all__ = ["Folder", "load_folder"]

logger = logging.getLogger(__name__)

_FOLDER = "\N{OPEN FILE FOLDER}"
_NO_WHITESPACE = {ord(c): None for c in string.whitespace}


class _UnreadableFile:
    """A ``.npz`` file that could not be read: listed in the tree, raises when loaded."""

    type = "unreadable"

    def __init__(self, path: Path, error: FileFormatError) -> None:
        self.path, self.name, self.error = path, path.name, error

    def load(self, lazy_loading: bool | None = None) -> Any:
        raise self.error


class _NWBEntry:
    """An ``.nwb`` file, opened with ``load_file`` on first access."""

    type = "NWB file"

    def __init__(self, path: Path) -> None:
        self.path, self.name = path, path.name

    def load(self) -> Any:
        return load_file(self.path)


def _key(path: Path) -> str:
    return path.stem.translate(_NO_WHITESPACE)


def _files(path: Path, extension: str) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix == extension)


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` under a temporary name and rename it (no half-written sidecar)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _box(title: str, lines: list[str]) -> str:
    width = max([len(title) + 2, *(len(s) for s in lines)])
    top = f"╭─ {title} " + "─" * (width - len(title) - 1) + "╮"
    body = [f"│ {s.ljust(width)} │" for s in lines]
    return "\n".join([top, *body, "╰" + "─" * (width + 2) + "╯"])


class Folder(UserDict[str, Any]):
    """Dict-like view of a folder: subfolders, ``.npz`` and ``.nwb`` files, loaded on access.

    Parameters
    ----------
    path : str or path-like
        The folder.

    Attributes
    ----------
    path : pathlib.Path
        The folder.
    name : str
        Its name.
    subfolds : dict
        Subfolder name -> :class:`Folder` (hidden folders are skipped).
    npz_files : dict
        Key -> :class:`~memphys.io.npz.NPZFile`.
    nwb_files : dict
        Key -> NWB file entry (opened on access).
    data : dict
        Every item: files not yet loaded, loaded objects, subfolders.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import memphys as nap
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "data"
    >>> root.mkdir()
    >>> folder = nap.Folder(root)
    >>> folder.save("epochs", nap.IntervalSet(start=0, end=5), description="awake")
    >>> sorted(p.name for p in root.iterdir())
    ['epochs.json', 'epochs.npz']
    >>> nap.Folder(root)["epochs"].tot_length()
    np.float64(5.0)
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_dir():
            raise MemphysValueError(
                f"Invalid value for `path`: expected a folder, but got {str(self.path)!r}."
            )
        self.subfolds: dict[str, Folder] = {
            p.name: Folder(p)
            for p in sorted(self.path.iterdir())
            if p.is_dir() and not p.name.startswith(".")
        }
        self.npz_files: dict[str, Any] = {}
        for p in _files(self.path, ".npz"):
            try:
                self.npz_files[_key(p)] = NPZFile(p)
            except FileFormatError as exc:
                logger.warning("%s", exc)
                self.npz_files[_key(p)] = _UnreadableFile(p, exc)
        self.nwb_files: dict[str, Any] = {_key(p): _NWBEntry(p) for p in _files(self.path, ".nwb")}
        super().__init__({**self.npz_files, **self.nwb_files, **self.subfolds})

    # ----------------------------------------------------------------------- access
    def __getitem__(self, key: str) -> Any:
        """The subfolder, or the file's object (loaded on first access, then cached).

        Raises
        ------
        MemphysKeyError
            If there is no such item (a KeyError, with pynapple's message).
        """
        try:
            item = self.data[key]
        except (KeyError, TypeError):
            raise MemphysKeyError(f"Can't find key {key} in group index.") from None
        if isinstance(item, NPZFile | _UnreadableFile | _NWBEntry):
            item = item.load()
            self.data[key] = item
        return item

    def load(self) -> None:
        """Load every ``.npz`` file of this folder (not of its subfolders)."""
        for key, file in self.npz_files.items():
            self[key] = file.load()

    def save(self, name: str, obj: Any, description: str = "") -> None:
        """Save ``obj`` as ``name.npz`` in this folder, with a JSON sidecar ``name.json``.

        An existing file of that name is replaced. The sidecar holds the time of the save
        and ``description`` (shown by :meth:`metadata`).

        Parameters
        ----------
        name : str
            File name without extension.
        obj : Ts, Tsd, TsdFrame, TsdTensor, TsGroup or IntervalSet
        description : str, optional
            Free text stored in the sidecar.
        """
        filepath = self.path / (name + ".npz")
        obj.save(filepath)
        self.npz_files[name] = NPZFile(filepath)
        self.data[name] = obj
        sidecar = {"time": str(datetime.now()), "info": str(description)}
        _write_text(self.path / (name + ".json"), json.dumps(sidecar, indent=2))

    # ------------------------------------------------------------------------ views
    def _tree(self, expand: bool) -> list[str]:
        entries: list[tuple[str, Folder | None]] = [
            (f"{_FOLDER} {name}", sub if expand else None) for name, sub in self.subfolds.items()
        ]
        entries += [(f"{f.name}  |  {f.type}", None) for f in self.npz_files.values()]
        entries += [(f"{f.name}  |  NWB file", None) for f in self.nwb_files.values()]
        lines = []
        for i, (label, sub) in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(("└── " if last else "├── ") + label)
            if sub is not None:
                pad = "    " if last else "│   "
                lines += [pad + s for s in sub._tree(expand)]
        return lines

    def tree(self, expand: bool = False) -> str:
        """The folder as a text tree (subfolders' content too if ``expand``).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import memphys as nap
        >>> root = pathlib.Path(tempfile.mkdtemp()) / "s"
        >>> (root / "a").mkdir(parents=True)
        >>> nap.IntervalSet(start=0, end=1).save(root / "a" / "ep")
        >>> print(nap.Folder(root).tree(expand=True))
        📂 s
        └── 📂 a
            └── ep.npz  |  IntervalSet
        """
        return "\n".join([f"{_FOLDER} {self.name}", *self._tree(expand)])

    def __repr__(self) -> str:
        return self.tree()

    def __str__(self) -> str:
        return self.tree()

    def expand(self) -> None:
        """Print the full tree, subfolders included (as pynapple, returns None)."""
        _show(self.tree(expand=True))

    @property
    def view(self) -> None:
        """Print the full tree (same as :meth:`expand`)."""
        return self.expand()

    def metadata(self, name: str) -> None:
        """Print the JSON sidecar of the file ``name`` ("No metadata" if there is none).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import memphys as nap
        >>> folder = nap.Folder(tempfile.mkdtemp())
        >>> folder.metadata("missing")  # doctest: +ELLIPSIS
        ╭─ .../missing.npz ─╮
        │ No metadata...│
        ╰─...╯
        """
        sidecar = self.path / (name + ".json")
        title = str(self.path / (name + ".npz"))
        if sidecar.exists():
            content = json.loads(sidecar.read_text(encoding="utf-8"))
            lines = [f"{k} : {v}" for k, v in content.items()]
        else:
            lines = ["No metadata"]
        _show(_box(title, lines))

    def info(self, name: str) -> None:
        """Print the JSON sidecar of the file ``name`` (same as :meth:`metadata`)."""
        self.metadata(name)

    def doc(self, name: str) -> None:
        """Print the JSON sidecar of the file ``name`` (same as :meth:`metadata`)."""
        self.metadata(name)


def _show(text: str) -> None:
    """Write what the user asked to see (``view``, ``metadata``) to standard output."""
    sys.stdout.write(text + "\n")


def load_folder(path: str | os.PathLike[str]) -> Folder:
    """Walk a folder of ``.npz`` and ``.nwb`` files (and subfolders) as a :class:`Folder`.

    Raises
    ------
    MemphysFileNotFoundError
        If the folder does not exist (pynapple's message).
    FileFormatError
        If ``path`` is a file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import memphys as nap
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> nap.IntervalSet(start=0, end=5).save(root / "epochs")
    >>> folder = nap.load_folder(root)
    >>> list(folder)
    ['epochs']
    """
    p = as_path(path, "path")
    if not p.exists():
        raise MemphysFileNotFoundError(f"Folder {p} does not exist")
    if not p.is_dir():
        raise FileFormatError(
            f"Invalid value for `path`: expected a folder, but got the file {str(p)!r}. "
            "Use `load_file` for a file."
        )
    return Folder(p)
