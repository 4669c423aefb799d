"""Raw binary recordings (``.dat``, ``.eeg``, ``.lfp``, ``.bin``, ``.raw``) and Neuroscope.

- :mod:`~memphys.io.binary.raw`: :func:`load_binary_file` memory-maps an interleaved
  ``(samples, channels)`` file as a time series (what ``load_file("x.dat")`` calls), and
  :func:`save_binary` streams any time series to a raw file (what ``obj.save("x.dat")``
  calls);
- :mod:`~memphys.io.binary.neuroscope`: the Neuroscope ``.xml`` beside a recording
  (channel count, bit depth, sampling rates, channel groups).

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> from memphys.io.binary import load_binary_file
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rec.dat"
>>> np.arange(8, dtype="int16").tofile(path)
>>> load_binary_file(path, n_channels=2, sampling_rate=100.0).shape
(4, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = {
    **dict.fromkeys(
        ("MAX_CHANNELS", "ChannelView", "load_binary", "load_binary_file", "save_binary"),
        ".raw",
    ),
    **dict.fromkeys(("LFP_SUFFIXES", "NeuroscopeXML", "find_xml", "read_xml"), ".neuroscope"),
}

__all__ = ["BinaryReader", "save", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class BinaryReader(Reader):
    """Raw interleaved samples, with their Neuroscope ``.xml`` or ``n_channels=`` and
    ``sampling_rate=`` (the other options of :func:`load_binary_file` too)."""

    name = "binary"
    extensions = (".dat", ".eeg", ".lfp", ".bin", ".raw")
    description = "Raw binary recordings, memory-mapped (Neuroscope .xml or n_channels=...)"

    def open(self, path: Path, lazy_loading: bool | None = None, **kwargs: Any) -> Any:
        from memphys.io.binary.raw import load_binary  # imports memphys.core

        return load_binary(path, lazy_loading, **kwargs)


def save(obj: Any, filename: Any, **kwargs: Any) -> None:
    """``obj.save("x.dat", **kwargs)``: the values only, streamed (see ``save_binary``)."""
    from memphys.io.binary.raw import save_binary  # imports memphys.core

    save_binary(obj, filename, **kwargs)
