"""``.npz`` files in pynapple's layout: every memphys object, read and written.

- :mod:`~memphys.io.npz.layout`: the keys of each class, both ways (one place);
- :mod:`~memphys.io.npz.write`: :func:`save_npz` (what ``obj.save("x.npz")`` calls),
  streaming lazy data into the archive, crash-safely;
- :mod:`~memphys.io.npz.read`: :class:`NPZFile` and :func:`load_npz` (what
  ``load_file("x.npz")`` calls), memory-mapping large members.

Examples
--------
>>> import pathlib, tempfile
>>> import memphys as nap
>>> from memphys.io.npz import NPZFile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ep.npz"
>>> nap.IntervalSet(start=[0, 10], end=[5, 12]).save(path)
>>> NPZFile(path).type
np.str_('IntervalSet')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.errors import MemphysTypeError
from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = {
    "NPZFile": ".read",
    "load_npz": ".read",
    "save_npz": ".write",
    "write_npz": ".write",
    "npz_members": ".layout",
    "EXPECTED_KEYS": ".layout",
}

__all__ = ["NPZReader", "save", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class NPZReader(Reader):
    """``.npz`` files: the pynapple object they hold, or numpy's ``NpzFile``."""

    name = "npz"
    extensions = (".npz",)
    description = "pynapple's .npz files (any version): the object they hold, lazily"
    url = "https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html"

    def open(self, path: Path, lazy_loading: bool | None = None) -> Any:
        from memphys.io.npz.read import load_npz  # imports memphys.core

        return load_npz(path, lazy_loading)


def save(obj: Any, filename: Any, **kwargs: Any) -> None:
    """``obj.save(filename)`` for ``.npz`` (and any unregistered suffix, as pynapple)."""
    if kwargs:
        raise MemphysTypeError(
            f"save() got unexpected keyword argument(s) for an .npz file: "
            f"{', '.join(sorted(kwargs))}. Options are for '.zarr', '.npy' and raw outputs."
        )
    from memphys.io.npz.write import save_npz  # imports memphys.core

    save_npz(obj, filename)
