"""``load_session``: pynapple's deprecated session loader, for its NWB session folders.

pynapple 0.11.4 still ships ``load_session(path)`` (deprecated), which reads a session
folder holding ``pynapplenwb/<name>.nwb`` (written by pynapple's old GUI loaders): the
tracking (``Position`` and ``CompassDirection`` spatial series) as one ``TsdFrame``, the
epochs (split by their first tag) as a dict of ``IntervalSet``, and their union as the
time support. memphys reads that layout through pynwb; the vendor-specific session types
(``"neurosuite"``, ``"phy"``, ...) are not supported: use :func:`memphys.load_file`,
:func:`memphys.load_binary_file`, :class:`memphys.EphysReader` or :class:`memphys.NWBFile`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from memphys.core import IntervalSet, TsdFrame
from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysValueError

__all__ = ["Session", "load_session"]


class Session:
    """What :func:`load_session` read: ``position``, ``epochs``, ``time_support``.

    Attributes
    ----------
    path : pathlib.Path
        The session folder.
    nwbfilepath : pathlib.Path
        The NWB file in ``<path>/pynapplenwb``.
    position : TsdFrame or None
        Tracking columns (compass directions, then positions).
    epochs : dict of IntervalSet
        Epochs by label (the first tag of each row of the NWB epochs table).
    time_support : IntervalSet or None
        The union of the epochs.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        files = sorted((path / "pynapplenwb").glob("*.nwb"))
        if not files:
            raise FileFormatError(
                f"Invalid value for `path`: expected a session folder holding "
                f"'pynapplenwb/<name>.nwb', but found no .nwb file in {str(path)!r}. Open NWB "
                "files with memphys.load_file or memphys.NWBFile."
            )
        self.nwbfilepath = files[0]
        self.position: Any = None
        self.epochs: dict[str, Any] = {}
        self.time_support: Any = None
        self._read()

    def _read(self) -> None:
        import pynwb

        with pynwb.NWBHDF5IO(self.nwbfilepath, "r") as io:
            nwb = io.read()
            columns: dict[str, pd.Series] = {}
            for group in ("CompassDirection", "Position"):
                if group in nwb.acquisition:
                    container = nwb.acquisition[group]
                    for name, series in container.spatial_series.items():
                        columns[name] = pd.Series(
                            np.asarray(series.data[:]).reshape(-1),
                            index=np.asarray(series.timestamps[:], dtype=np.float64),
                        )
            if columns:
                support = None
                if "position_time_support" in nwb.intervals:
                    df = nwb.intervals["position_time_support"].to_dataframe()
                    support = IntervalSet(df["start_time"].values, df["stop_time"].values)
                frame = pd.DataFrame(columns)
                self.position = TsdFrame(
                    t=frame.index.values,
                    d=frame.values,
                    columns=list(frame.columns),
                    time_support=support,
                )
            if nwb.epochs is not None:
                df = nwb.epochs.to_dataframe()
                labels = [tags[0] for tags in df["tags"]]
                starts = df["start_time"].values
                ends = df["stop_time"].values
                for label in dict.fromkeys(labels):
                    keep = np.array([lb == label for lb in labels])
                    self.epochs[label] = IntervalSet(starts[keep], ends[keep])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    union = IntervalSet(np.sort(starts), np.sort(ends))
                    union = union.merge_close_intervals(1, time_units="us")
                self.time_support = union if len(union) else None


def load_session(path: str | os.PathLike[str], session_type: str | None = None) -> Session:
    """Read a pynapple NWB session folder (pynapple's deprecated loader).

    Parameters
    ----------
    path : str or path-like
        A folder holding ``pynapplenwb/<name>.nwb``.
    session_type : None
        Only the default (pynapple's NWB session) is supported.

    Returns
    -------
    Session
        With ``position``, ``epochs``, ``time_support`` and ``nwbfilepath``.

    Raises
    ------
    MemphysFileNotFoundError
        If the folder does not exist.
    MemphysValueError
        For a vendor ``session_type`` (use the readers named in the message).
    FileFormatError
        If the folder has no ``pynapplenwb/*.nwb``.

    Examples
    --------
    >>> load_session("missing_folder")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysFileNotFoundError: Folder missing_folder does not exist
    """
    p = Path(path)
    if not p.exists():
        raise MemphysFileNotFoundError(f"Folder {p} does not exist")
    if session_type is not None:
        raise MemphysValueError(
            f"Invalid value for `session_type`: expected None (a pynapple NWB session "
            f"folder), but got {session_type!r}. memphys does not ship pynapple's deprecated "
            "vendor loaders: use memphys.load_file (NWB, npz, binary with its .xml), "
            "memphys.load_binary_file or memphys.EphysReader."
        )
    return Session(p)
