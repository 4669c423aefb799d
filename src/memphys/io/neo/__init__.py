"""Vendor electrophysiology formats through neo's RawIO: :class:`EphysReader`.

One reader per recording (a file or a folder: Open Ephys, SpikeGLX, Intan, Plexon,
Neuroscope, raw binary, or any neo RawIO by name), a dict-like of pynapple objects built
on first access: lazy ``TsdFrame`` signals (memory-mapped where neo describes the buffer),
``TsGroup``/``Ts`` spikes, ``Ts`` events and ``IntervalSet`` epochs.

- :mod:`~memphys.io.neo.reader`: :class:`EphysReader`;
- :mod:`~memphys.io.neo.formats`: format names and detection, RawIO arguments, and the
  per-format fixes (Neuroscope/CellExplorer sessions, SpikeGLX sizes).

``load_file`` opens the files whose suffix only neo reads (``.rhd``, ``.rhs``, ``.plx``,
``.oebin``, ``.meta``) with this reader; a folder, or a format that another reader also
claims, is opened with ``EphysReader(path, format=...)``.

Examples
--------
>>> from memphys.io.neo import FORMATS
>>> FORMATS["openephys"]
'OpenEphysBinaryRawIO'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = {"EphysReader": ".reader", "FORMATS": ".formats"}

__all__ = ["NeoReader", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class NeoReader(Reader):
    """Recordings only neo reads, by their suffix: an :class:`EphysReader`."""

    name = "neo"
    extensions = (".rhd", ".rhs", ".plx", ".oebin", ".meta")
    description = "Vendor recordings through neo's RawIO (Intan, Plexon, Open Ephys, SpikeGLX)"
    url = "https://neo.readthedocs.io/en/latest/rawio.html"

    def open(self, path: Path, lazy_loading: bool | None = None, **kwargs: Any) -> Any:
        from memphys.io.neo.reader import EphysReader  # imports neo and memphys.core

        return EphysReader(path, lazy=lazy_loading is not False, **kwargs)
