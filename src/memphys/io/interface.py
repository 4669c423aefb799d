"""``load_file`` (dispatch on the file extension) and ``load_folder``.

Each format has a reader module; ``load_file`` finds it in a small registry keyed by
extension. A format module adds itself with one line in :data:`LOADERS` (or a call to
:func:`register_loader`): ``".nwb": "memphys.io.nwb:load_nwb"``. A loader is called as
``loader(path, lazy_loading)`` with ``path`` an existing :class:`pathlib.Path`.

Examples
--------
>>> import pathlib, tempfile
>>> import memphys as nap
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> nap.IntervalSet(start=0, end=5).save(folder / "ep.npz")
>>> nap.load_file(folder / "ep.npz")
  index    start    end
      0        0      5
shape: (1, 2), time unit: sec.
>>> nap.load_file(folder / "missing.npz")
Traceback (most recent call last):
...
memphys.errors.MemphysFileNotFoundError: File .../missing.npz does not exist
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysTypeError

if TYPE_CHECKING:  # pragma: no cover
    from memphys.io.folder import Folder

__all__ = ["LOADERS", "load_file", "load_folder", "register_loader", "supported_extensions"]

Loader = Callable[[Path, "bool | None"], Any]

#: Extension (lower case, with the dot) -> loader, or ``"module:function"`` imported on use.
LOADERS: dict[str, str | Loader] = {
    ".npz": "memphys.io.npz:load_npz",
    ".npy": "memphys.io.npy:load_npy",
    ".zarr": "memphys.io.zarr_store:load_zarr",
    ".dat": "memphys.io.binary:load_binary",
    ".eeg": "memphys.io.binary:load_binary",
    ".lfp": "memphys.io.binary:load_binary",
    ".bin": "memphys.io.binary:load_binary",
    ".raw": "memphys.io.binary:load_binary",
    ".nwb": "memphys.io.nwb_read:load_nwb",
}


def register_loader(extension: str, loader: str | Loader) -> None:
    """Make ``load_file`` read files ending in ``extension`` with ``loader``.

    Parameters
    ----------
    extension : str
        E.g. ``".nwb"`` (case-insensitive; the dot is optional).
    loader : callable or str
        ``loader(path, lazy_loading)``, or ``"package.module:function"`` imported on first use.

    Examples
    --------
    >>> from memphys.io.interface import LOADERS, register_loader
    >>> register_loader("txt", lambda path, lazy_loading: path.read_text())
    >>> ".txt" in LOADERS
    True
    >>> del LOADERS[".txt"]
    """
    if not isinstance(extension, str) or not extension.strip("."):
        raise MemphysTypeError(
            f"Invalid type for `extension`: expected a string such as '.nwb', but got "
            f"{extension!r}."
        )
    ext = "." + extension.lower().lstrip(".")
    LOADERS[ext] = loader


def supported_extensions() -> list[str]:
    """The extensions ``load_file`` reads, sorted.

    >>> ".npz" in supported_extensions()
    True
    """
    return sorted(LOADERS)


def _resolve(loader: str | Loader) -> Loader:
    if callable(loader):
        return loader
    module, _, name = loader.partition(":")
    func: Loader = getattr(importlib.import_module(module), name)
    return func


def _as_path(path: Any, what: str) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise MemphysTypeError(
            f"Invalid type for `{what}`: expected str or pathlib.Path, but got "
            f"{type(path).__name__}."
        )
    return Path(path)


def _accepts(loader: Loader, kwargs: dict[str, Any]) -> list[str]:
    """The names in ``kwargs`` that ``loader`` does not accept."""
    import inspect

    try:
        params = inspect.signature(loader).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return []
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return []
    names = {p.name for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    return sorted(set(kwargs) - names)


def load_file(path: str | os.PathLike[str], lazy_loading: bool | None = None, **kwargs: Any) -> Any:
    """Load a file by its extension.

    - ``.npz``: the pynapple object it holds (``Ts``, ``Tsd``, ``TsdFrame``,
      ``TsdTensor``, ``TsGroup``, ``IntervalSet``), or numpy's ``NpzFile`` for other
      archives. A compressed ``.npz`` (``np.savez_compressed``) cannot be memory-mapped and
      is read whole; store large data in Zarr (``obj.save("x.zarr")``) instead.
    - ``.npy``: memory-mapped at its header offset (``rate=`` makes a time series).
    - ``.zarr``: a store written by ``save("x.zarr")`` (the object, lazily), or any zarr
      array or group (format 2 or 3). A store whose write did not complete is refused.
    - ``.dat``, ``.eeg``, ``.lfp``, ``.bin``, ``.raw``: raw binary through
      :func:`memphys.io.binary.load_binary_file`, with its Neuroscope ``.xml`` or with
      ``n_channels=`` and ``sampling_rate=``.

    Parameters
    ----------
    path : str or path-like
        The file.
    lazy_loading : bool, optional
        For ``.npz``: ``None`` memory-maps the time series data only when it does not fit
        the memory budget, ``True`` always (uncompressed files), ``False`` never. For
        ``.npy`` and ``.zarr``: ``False`` reads the data into memory (default: lazy).
    **kwargs
        Passed to the format's reader (e.g. ``n_channels``, ``sampling_rate`` for raw
        binary files; ``rate`` for ``.npy``).

    Returns
    -------
    object
        What the format's reader returns.

    Raises
    ------
    MemphysFileNotFoundError
        If ``path`` does not exist (a FileNotFoundError, with pynapple's message).
    IncompleteWriteError
        If only an interrupted write's ``<path>.partial`` exists, or a memphys store is
        marked incomplete.
    FileFormatError
        If the extension is not supported (the message lists the supported ones), or the
        file is truncated, corrupt or not of its extension's format.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.npy"
    >>> np.save(path, np.arange(3))
    >>> nap.load_file(path, rate=10.0)
    Time (s)
    ----------  --
    0.0          0
    0.1          1
    0.2          2
    dtype: int64, shape: (3,)
    >>> nap.load_file(path.with_suffix(".txt"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysFileNotFoundError: File .../data.txt does not exist
    """
    p = _as_path(path, "path")
    if not p.exists():
        if Path(f"{p}.partial").exists():
            from memphys.engine.sinks import check_complete

            check_complete(p)  # raises IncompleteWriteError naming the leftover
        raise MemphysFileNotFoundError(f"File {p} does not exist")
    ext = p.suffix.lower()
    loader = LOADERS.get(ext)
    if loader is None:
        exts = ", ".join(repr(e) for e in supported_extensions())
        hint = " Use `load_folder` for a folder." if p.is_dir() else ""
        raise FileFormatError(
            f"Invalid value for `path`: expected a file with one of the extensions {exts} "
            f"(supported formats), but got {str(p)!r}.{hint}"
        )
    func = _resolve(loader)
    if kwargs:
        unknown = _accepts(func, kwargs)
        if unknown:
            raise MemphysTypeError(
                f"Invalid arguments for `load_file`: the {ext!r} reader accepts no "
                f"argument(s) {', '.join(unknown)}, but got them."
            )
        return func(p, lazy_loading, **kwargs)
    return func(p, lazy_loading)


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
    from memphys.io.folder import Folder

    p = _as_path(path, "path")
    if not p.exists():
        raise MemphysFileNotFoundError(f"Folder {p} does not exist")
    if not p.is_dir():
        raise FileFormatError(
            f"Invalid value for `path`: expected a folder, but got the file {str(p)!r}. "
            "Use `load_file` for a file."
        )
    return Folder(p)
