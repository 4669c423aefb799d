"""``load_file``: open a file with the first reader of the registry that accepts it.

The readers are those of :mod:`memphys.io.readers` (memphys's own, then other packages'
through the ``memphys.readers`` entry point group). :func:`register_loader` turns a
function into a reader, for a quick addition in a script.

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

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysTypeError
from memphys.io.readers import Reader, _FunctionReader, find_reader, register_reader
from memphys.io.readers import supported_extensions as supported_extensions

__all__ = ["as_path", "check_readable", "load_file", "register_loader", "supported_extensions"]

Loader = Callable[..., Any]


def register_loader(extension: str, loader: Loader | str) -> Reader:
    """Make ``load_file`` read files ending in ``extension`` with ``loader``, first.

    A shortcut for a script: a package registers a :class:`~memphys.io.readers.Reader`
    instead (see :mod:`memphys.io.readers`).

    Parameters
    ----------
    extension : str
        E.g. ``".txt"`` (case-insensitive; the dot is optional).
    loader : callable or str
        ``loader(path, lazy_loading, **kwargs)`` with ``path`` an existing
        :class:`pathlib.Path`, or its name ``"package.module:function"`` (imported on first
        use).

    Returns
    -------
    Reader
        The registered reader, named ``"loader:<extension>"``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from memphys.io.readers import unregister_reader
    >>> reader = register_loader("txt", lambda path, lazy_loading: path.read_text())
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("hello")
    >>> load_file(path), reader.name
    ('hello', 'loader:.txt')
    >>> unregister_reader(reader.name)
    """
    if not isinstance(extension, str) or not extension.strip("."):
        raise MemphysTypeError(
            f"Invalid type for `extension`: expected a string such as '.nwb', but got "
            f"{extension!r}."
        )
    if not (callable(loader) or (isinstance(loader, str) and ":" in loader)):
        raise MemphysTypeError(
            f"Invalid type for `loader`: expected a function (path, lazy_loading) or its "
            f"name 'package.module:function', but got {loader!r}."
        )
    ext = "." + extension.lower().lstrip(".")
    return register_reader(_FunctionReader(f"loader:{ext}", (ext,), loader), first=True)


def as_path(path: Any, what: str = "path") -> Path:
    """``path`` as a :class:`pathlib.Path`, or a clear error naming ``what``."""
    if not isinstance(path, str | os.PathLike):
        raise MemphysTypeError(
            f"Invalid type for `{what}`: expected str or pathlib.Path, but got "
            f"{type(path).__name__}."
        )
    return Path(path)


def check_readable(path: Path, what: str = "path") -> None:
    """Refuse a path that is neither a regular file nor a folder (a device such as
    ``/dev/zero``, a FIFO, a socket): reading one could block or never end.

    >>> check_readable(Path("/dev/zero"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.FileFormatError: Invalid value for `path`: ... is a character device.
    """
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing paths get their own error
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a special file"
    )
    raise FileFormatError(
        f"Invalid value for `{what}`: expected a regular file or a folder, but {str(path)!r} "
        f"is {kind}."
    )


def _rejected(func: Callable[..., Any], kwargs: dict[str, Any]) -> list[str]:
    """The names in ``kwargs`` that ``func`` does not accept."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return []
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return []
    names = {p.name for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    return sorted(set(kwargs) - names - {"path", "lazy_loading"})


def load_file(path: str | os.PathLike[str], lazy_loading: bool | None = None, **kwargs: Any) -> Any:
    """Load a file with the reader that recognises it (by its extension, for memphys's).

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
    - ``.nwb``: an :class:`~memphys.io.nwb.NWBFile`.
    - ``.rhd``, ``.rhs``, ``.plx``, ``.oebin``, ``.meta``: an
      :class:`~memphys.io.neo.EphysReader`.
    - anything a reader of another package recognises (entry point group
      ``memphys.readers``).

    Parameters
    ----------
    path : str or path-like
        The file.
    lazy_loading : bool, optional
        For ``.npz``: ``None`` memory-maps the time series data only when it does not fit
        the memory budget, ``True`` always (uncompressed files), ``False`` never. For
        ``.npy`` and ``.zarr``: ``False`` reads the data into memory (default: lazy).
    **kwargs
        Passed to the reader (e.g. ``n_channels``, ``sampling_rate`` for raw binary
        files; ``rate`` for ``.npy``).

    Returns
    -------
    object
        What the reader returns.

    Raises
    ------
    MemphysFileNotFoundError
        If ``path`` does not exist (a FileNotFoundError, with pynapple's message).
    IncompleteWriteError
        If only an interrupted write's ``<path>.partial`` exists, or a memphys store is
        marked incomplete.
    FileFormatError
        If no reader recognises the file (the message lists the supported extensions), or
        the file is truncated, corrupt or not of its extension's format.
    MemphysTypeError
        If the reader accepts none of some ``kwargs``.

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
    0            0
    0.1          1
    0.2          2
    dtype: int64, shape: (3,)
    >>> nap.load_file(path.with_suffix(".txt"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysFileNotFoundError: File .../data.txt does not exist
    """
    p = as_path(path, "path")
    if not p.exists():
        if Path(f"{p}.partial").exists():
            from memphys.engine.sinks import check_complete  # the engine, only on this path

            check_complete(p)  # raises IncompleteWriteError naming the leftover
        raise MemphysFileNotFoundError(f"File {p} does not exist")
    check_readable(p)
    reader = find_reader(p)
    if reader is None:
        exts = ", ".join(repr(e) for e in supported_extensions())
        hint = " Use `load_folder` for a folder." if p.is_dir() else ""
        raise FileFormatError(
            f"Invalid value for `path`: expected a file with one of the extensions {exts} "
            f"(supported formats), but got {str(p)!r}.{hint}"
        )
    func = reader.loader if isinstance(reader, _FunctionReader) else reader.open
    unknown = _rejected(func, kwargs) if kwargs else []
    if unknown:
        raise MemphysTypeError(
            f"Invalid arguments for `load_file`: the {reader.name!r} reader accepts no "
            f"argument(s) {', '.join(unknown)}, but got them."
        )
    return reader.open(p, lazy_loading, **kwargs)
