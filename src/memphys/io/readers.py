"""The reader contract and the one registry of readers that ``load_file`` dispatches on.

A file format is read by a :class:`Reader`, in the style of xarray's
``BackendEntrypoint``: a ``name``, the ``extensions`` it claims, a ``description``,
:meth:`Reader.guess_can_open` (a cheap look at the path: its suffix by default) and
:meth:`Reader.open`. A reader class must be cheap to import: heavy libraries, and
``memphys.core`` itself, are imported inside ``open``.

memphys's own readers (one package per family: ``npz``, ``npy``, ``zarr``, ``binary``,
``nwb``, ``neo``) are registered with one line each in :mod:`memphys.io`, when ``memphys``
is imported. Another package adds a reader without touching memphys, through the entry
point group ``memphys.readers``, whose entries name a :class:`Reader` subclass::

    # pyproject.toml of the other package
    [project.entry-points."memphys.readers"]
    myformat = "mypackage.reader:MyFormatReader"

Entry points are read only when a path is recognised by no registered reader, or when
all readers are listed (:func:`list_readers`): reading them costs ~0.2 s in a large
environment.

Examples
--------
>>> import pathlib
>>> import memphys
>>> from memphys.io.readers import find_reader, get_reader
>>> find_reader(pathlib.Path("session.nwb"))
<Reader 'nwb': .nwb>
>>> get_reader("binary").extensions
('.dat', '.eeg', '.lfp', '.bin', '.raw')
"""

from __future__ import annotations

import abc
import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from memphys.errors import MemphysKeyError, MemphysTypeError, ReaderWarning

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

__all__ = [
    "ENTRY_POINT_GROUP",
    "Reader",
    "find_reader",
    "get_reader",
    "list_readers",
    "register_reader",
    "supported_extensions",
    "unregister_reader",
]

#: The entry point group through which other packages register readers.
ENTRY_POINT_GROUP = "memphys.readers"


class Reader(abc.ABC):
    """What memphys needs to know of a file format to read it.

    Subclasses set the class attributes and implement :meth:`open`; they override
    :meth:`guess_can_open` when the suffix alone does not tell (a folder, a magic number).

    Examples
    --------
    >>> import pathlib
    >>> class TextReader(Reader):
    ...     name = "text"
    ...     extensions = (".txt",)
    ...     description = "Plain text, as a string"
    ...
    ...     def open(self, path, lazy_loading=None):
    ...         return path.read_text()
    >>> TextReader().guess_can_open(pathlib.Path("notes.TXT"))
    True
    >>> TextReader()
    <Reader 'text': .txt>
    """

    #: Short unique name (``load_file`` names it in errors; ``get_reader(name)``).
    name: str = ""
    #: Lower-case suffixes with their dot that this reader claims (may be empty).
    extensions: tuple[str, ...] = ()
    #: One line saying what the reader opens and what it returns.
    description: str = ""
    #: Where the format is documented (optional).
    url: str = ""

    def guess_can_open(self, path: Path) -> bool:
        """Whether this reader should open ``path``: by default, whether it has one of
        :attr:`extensions` (case-insensitive). Must be cheap: no import of heavy
        libraries, no read of the whole file."""
        return path.suffix.lower() in self.extensions

    @abc.abstractmethod
    def open(self, path: Path, lazy_loading: bool | None = None) -> Any:
        """Open ``path`` (an existing :class:`pathlib.Path`) and return what it holds.

        ``lazy_loading`` is ``load_file``'s argument. A reader with options takes them as
        keyword arguments after it; ``load_file`` refuses, with a clear error, those that
        ``open``'s signature does not accept (unless it takes ``**kwargs``).
        """

    def __repr__(self) -> str:
        exts = ", ".join(self.extensions) or "no extension"
        return f"<Reader {self.name!r}: {exts}>"


class _FunctionReader(Reader):
    """A reader made of a function ``loader(path, lazy_loading, **kwargs)``, or of its
    ``"package.module:function"`` name (imported on first use)."""

    def __init__(self, name: str, extensions: tuple[str, ...], loader: Callable[..., Any] | str):
        self.name, self.extensions, self._loader = name, extensions, loader
        doc = "" if isinstance(loader, str) else (getattr(loader, "__doc__", None) or "").strip()
        self.description = doc.splitlines()[0] if doc else str(loader)

    @property
    def loader(self) -> Callable[..., Any]:
        """The function (imported on first use when given by name)."""
        if isinstance(self._loader, str):
            import importlib

            module, _, attr = self._loader.partition(":")
            self._loader = getattr(importlib.import_module(module), attr)
        return self._loader  # type: ignore[return-value]

    def open(self, path: Path, lazy_loading: bool | None = None, **kwargs: Any) -> Any:
        return self.loader(path, lazy_loading, **kwargs)


#: Registered readers, in the order they are asked (a name is registered once).
_READERS: list[Reader] = []
#: Readers of the entry point group, read on first need.
_PLUGINS: list[Reader] | None = None


def _check(reader: Any) -> Reader:
    if isinstance(reader, type) and issubclass(reader, Reader):
        reader = reader()
    if not isinstance(reader, Reader):
        raise MemphysTypeError(
            f"Invalid type for `reader`: expected a memphys.io.readers.Reader (subclass or "
            f"instance), but got {type(reader).__name__}."
        )
    if not isinstance(reader.name, str) or not reader.name:
        raise MemphysTypeError(
            f"Invalid reader {type(reader).__name__}: expected a non-empty `name`, but got "
            f"{reader.name!r}."
        )
    return reader


def register_reader(reader: Reader | type[Reader], *, first: bool = False) -> Reader:
    """Add ``reader`` to the registry (replacing a reader of the same name).

    Parameters
    ----------
    reader : Reader or Reader subclass
    first : bool
        Ask it before the registered readers (by default, after them).

    Returns
    -------
    Reader
        The registered instance.

    Examples
    --------
    >>> import pathlib
    >>> class CsvReader(Reader):
    ...     name = "csv"
    ...     extensions = (".csv",)
    ...
    ...     def open(self, path, lazy_loading=None):
    ...         return path.read_text().splitlines()
    >>> register_reader(CsvReader)
    <Reader 'csv': .csv>
    >>> find_reader(pathlib.Path("table.csv")).name
    'csv'
    >>> unregister_reader("csv")
    """
    r = _check(reader)
    _READERS[:] = [x for x in _READERS if x.name != r.name]
    _READERS.insert(0, r) if first else _READERS.append(r)
    return r


def unregister_reader(name: str) -> None:
    """Remove the registered reader called ``name``.

    Raises
    ------
    MemphysKeyError
        If no registered reader has that name.
    """
    kept = [r for r in _READERS if r.name != name]
    if len(kept) == len(_READERS):
        raise _unknown(name)
    _READERS[:] = kept


def _entry_points() -> list[Any]:
    import importlib.metadata  # ~20 ms to import, ~0.2 s to read: only when needed

    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def _plugins() -> list[Reader]:
    """Readers of the entry point group (loaded once); a broken one is skipped with a warning."""
    global _PLUGINS
    if _PLUGINS is None:
        found: list[Reader] = []
        for ep in _entry_points():
            try:
                found.append(_check(ep.load()))
            except Exception as exc:  # a third-party package must not break memphys
                warnings.warn(
                    f"Skipping the reader {ep.name!r} of entry point group "
                    f"{ENTRY_POINT_GROUP!r} ({ep.value}): {type(exc).__name__}: {exc}",
                    ReaderWarning,
                    stacklevel=3,
                )
        _PLUGINS = found
    return _PLUGINS


def _reset_plugins() -> None:
    """Forget the readers read from entry points (they are read again on next need)."""
    global _PLUGINS
    _PLUGINS = None


def list_readers(*, plugins: bool = True) -> list[Reader]:
    """The readers in the order ``load_file`` asks them: registered, then entry points.

    An entry point whose name is already registered is left out.

    >>> [r.name for r in list_readers(plugins=False)]
    ['npz', 'npy', 'zarr', 'binary', 'nwb', 'neo']
    """
    out = list(_READERS)
    if plugins:
        names = {r.name for r in out}
        out += [r for r in _plugins() if r.name not in names]
    return out


def _unknown(name: str) -> MemphysKeyError:
    names = ", ".join(repr(r.name) for r in list_readers())
    return MemphysKeyError(
        f"Invalid value for `name`: allowed readers are {names}, but got {name!r}."
    )


def get_reader(name: str) -> Reader:
    """The reader called ``name`` (registered or from an entry point).

    Raises
    ------
    MemphysKeyError
        If there is none; the message lists the readers.
    """
    for r in _READERS:
        if r.name == name:
            return r
    for r in _plugins():
        if r.name == name:
            return r
    raise _unknown(name)


def find_reader(path: str | os.PathLike[str]) -> Reader | None:
    """The first reader whose :meth:`~Reader.guess_can_open` accepts ``path``, or None.

    Registered readers are asked first; entry points only if none of them accepts it.
    """
    from pathlib import Path  # not at import: ``import memphys`` does not need pathlib

    p = Path(path)
    for r in _READERS:
        if r.guess_can_open(p):
            return r
    for r in _plugins():
        if r.guess_can_open(p):
            return r
    return None


def supported_extensions() -> list[str]:
    """Every extension a reader claims (entry points included), sorted.

    >>> ".npz" in supported_extensions()
    True
    """
    return sorted({ext for r in list_readers() for ext in r.extensions})
