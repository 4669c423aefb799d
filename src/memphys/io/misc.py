"""pynapple's module path ``pynapple.io.misc`` (also ``nap.misc``): its loading functions,
with the two names pynapple 0.11.4 still ships for older code.

- :func:`load_file`, :func:`load_folder`, :func:`load_session`, :func:`load_binary_file`:
  memphys's own (the same objects as ``nap.load_file`` ...);
- :func:`load_eeg`: deprecated in pynapple (``DeprecationWarning``, the same message),
  :func:`load_binary_file` with the same arguments;
- :func:`append_NWB_LFP`: adds a Tsd/TsdFrame to the NWB file of a pynapple session folder
  (``<path>/pynapplenwb/*.nwb``), deprecated here in favour of
  :func:`memphys.io.nwb.write_nwb`, which it calls (crash-safe: the file is replaced only
  when the new one is complete).

Examples
--------
>>> import warnings
>>> import memphys as nap
>>> nap.misc.load_file is nap.load_file
True
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     nap.load_eeg("missing.eeg", n_channels=1, frequency=1.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.MemphysFileNotFoundError: ...
>>> str(w[0].message)
'load_eeg is deprecated and will be removed in a future version. Use load_binary_file instead.'
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from memphys.errors import MemphysDeprecationWarning, MemphysRuntimeError
from memphys.io.binary import load_binary_file
from memphys.io.folder import load_folder
from memphys.io.interface import load_file
from memphys.io.nwb import load_session

__all__ = [
    "append_NWB_LFP",
    "load_binary_file",
    "load_eeg",
    "load_file",
    "load_folder",
    "load_session",
]


def load_eeg(
    filepath: str | os.PathLike[str],
    channel: Any = None,
    n_channels: int | None = None,
    frequency: float | None = None,
    precision: Any = "int16",
    bytes_size: int = 2,
) -> Any:
    """Deprecated (as in pynapple): use :func:`load_binary_file`, which this calls.

    Parameters
    ----------
    filepath : str or path-like
        The ``.eeg`` / ``.lfp`` / ``.dat`` file.
    channel : int or list of int, optional
        The channel(s) to load; all of them (memory-mapped) when None.
    n_channels : int, optional
        Number of interleaved channels.
    frequency : float, optional
        Sampling rate in Hz.
    precision : str or dtype
        Sample type.
    bytes_size : int
        Bytes per sample.

    Returns
    -------
    Tsd or TsdFrame
        The signal, memory-mapped.
    """
    warnings.warn(
        "load_eeg is deprecated and will be removed in a future version. "
        "Use load_binary_file instead.",
        MemphysDeprecationWarning,
        stacklevel=2,
    )
    return load_binary_file(
        filepath,
        channel=channel,
        n_channels=n_channels,
        frequency=frequency,
        precision=precision,
        bytes_size=bytes_size,
    )


def append_NWB_LFP(path: str | os.PathLike[str], lfp: Any, channel: int | None = None) -> None:
    """Add an LFP to the NWB file of a pynapple session folder (deprecated).

    pynapple 0.11.4 still ships this function of its old session loaders. memphys writes
    ``lfp`` with :func:`memphys.io.nwb.write_nwb` as ``"ElectricalSeries"`` in the
    processing module ``"ecephys"`` (where pynapple puts it), through a complete copy
    renamed over the file; call ``write_nwb`` directly instead.

    Parameters
    ----------
    path : str or path-like
        The session folder; the NWB file is the one in ``<path>/pynapplenwb``.
    lfp : Tsd or TsdFrame
        The signal to add (a lazy one is streamed).
    channel : int, optional
        The channel number of a ``Tsd`` (required for a ``Tsd``, as in pynapple); a
        ``TsdFrame``'s columns are its channels.

    Raises
    ------
    MemphysRuntimeError
        No NWB file in ``<path>/pynapplenwb``, or a ``Tsd`` without ``channel`` (a
        ``RuntimeError``, as in pynapple).
    """
    from memphys.core.time_series import Tsd, TsdFrame
    from memphys.io.nwb import write_nwb

    warnings.warn(
        "append_NWB_LFP is deprecated (pynapple's session loaders); use "
        "memphys.io.nwb.write_nwb(lfp, nwb_path, 'ElectricalSeries', location='processing', "
        "module='ecephys') instead.",
        MemphysDeprecationWarning,
        stacklevel=2,
    )
    folder = Path(path) / "pynapplenwb"
    found = sorted(folder.glob("*.nwb"))
    if not found:
        raise MemphysRuntimeError(f"Can't find nwb file in {Path(path)}")
    if isinstance(lfp, Tsd):
        if not isinstance(channel, int):
            raise MemphysRuntimeError("Please specify which channel it is.")
        description = f"LFP of channel {channel}"
    elif isinstance(lfp, TsdFrame):
        description = f"LFP of channels {list(lfp.columns)}"
    else:
        raise MemphysRuntimeError(f"lfp must be a Tsd or a TsdFrame, got {type(lfp).__name__}.")
    write_nwb(
        lfp,
        found[0],
        "ElectricalSeries",
        location="processing",
        module="ecephys",
        description=description,
    )
