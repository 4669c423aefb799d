"""Intan recordings (``.rhd``/``.rhs``: one file, one file per signal type, one file per
channel) through neo's ``IntanRawIO``.

Amplifier streams get SpikeInterface's groups by headstage port (``A-000`` -> port ``A``)
and the ``group_names`` property (the port letters).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_intan("info.rhd", stream_id="0")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.neobaseextractor import NeoBaseRecordingExtractor

__all__ = ["IntanRecordingExtractor", "read_intan"]

_AMPLIFIERS = ("RHS2000 amplifier channel", "RHD2000 amplifier channel")


class IntanRecordingExtractor(NeoBaseRecordingExtractor):
    """One stream of an Intan recording.

    Parameters
    ----------
    file_path : str or Path
        The ``.rhd``/``.rhs`` file (``info.rhd`` for split formats).
    stream_id, stream_name : str, optional
        ``"0"`` is the amplifier stream; required when the file holds several.
    all_annotations : bool, default False
    use_names_as_ids : bool, default False
    ignore_integrity_checks : bool, default False
        Passed to neo (accept discontinuous timestamps).
    """

    NeoRawIOClass = "IntanRawIO"
    _si_class_path = "spikeinterface.extractors.neoextractors.intan.IntanRecordingExtractor"

    def __init__(
        self,
        file_path: Any,
        stream_id: Any = None,
        stream_name: Any = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = False,
        ignore_integrity_checks: bool = False,
    ) -> None:
        path = Path(file_path)
        options = {"ignore_integrity_checks": bool(ignore_integrity_checks)}
        self._init_neo(
            path, options, stream_id, stream_name, None, all_annotations, use_names_as_ids
        )
        self._kwargs = {
            "file_path": str(path.resolve()),
            "stream_id": stream_id,
            "stream_name": stream_name,
            "all_annotations": all_annotations,
            "use_names_as_ids": use_names_as_ids,
            "ignore_integrity_checks": ignore_integrity_checks,
        }
        if self.stream_name in _AMPLIFIERS:
            self._add_channel_groups()

    def _add_channel_groups(self) -> None:
        header = self.neo_reader.header["signal_channels"]
        ids = [str(i) for i in header[header["stream_id"] == self.stream_id]["id"]]
        ports = [i[:1] if len(i) > 1 and i[1] == "-" else "" for i in ids]
        letters = sorted({p for p in ports if p})
        groups = np.array([letters.index(p) if p else 0 for p in ports], dtype="uint16")
        self.set_channel_groups(groups)
        self.set_property("group_names", np.array(ports))


read_intan = define_function_from_class(IntanRecordingExtractor, "read_intan")
