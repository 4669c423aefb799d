"""Plexon ``.plx`` files: the continuous stream as a recording, the sorted units as a
sorting, through neo's ``PlexonRawIO`` (read in chunks: neo gives no raw buffer).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_plexon("File_plexon_3.plx")  # doctest: +SKIP
>>> sorting = si.read_plexon_sorting("File_plexon_3.plx")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.neobaseextractor import NeoBaseRecordingExtractor, NeoBaseSortingExtractor

__all__ = [
    "PlexonRecordingExtractor",
    "read_plexon",
    "PlexonSortingExtractor",
    "read_plexon_sorting",
]


class PlexonRecordingExtractor(NeoBaseRecordingExtractor):
    """The continuous signals of a ``.plx`` file (one stream of them).

    Raises
    ------
    memphys.errors.StreamNotFoundError
        If the file holds no continuous signal (spikes only: use
        :func:`read_plexon_sorting`), or an unknown stream is named.
    """

    NeoRawIOClass = "PlexonRawIO"
    _si_class_path = "spikeinterface.extractors.neoextractors.plexon.PlexonRecordingExtractor"

    def __init__(
        self,
        file_path: Any,
        stream_id: Any = None,
        stream_name: Any = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = True,
    ) -> None:
        path = Path(file_path)
        self._init_neo(path, {}, stream_id, stream_name, None, all_annotations, use_names_as_ids)
        self._kwargs = {
            "file_path": str(path.resolve()),
            "stream_id": stream_id,
            "stream_name": stream_name,
            "all_annotations": all_annotations,
            "use_names_as_ids": use_names_as_ids,
        }


read_plexon = define_function_from_class(PlexonRecordingExtractor, "read_plexon")


class PlexonSortingExtractor(NeoBaseSortingExtractor):
    """The sorted units of a ``.plx`` file; spike times are frames of the file's clock."""

    NeoRawIOClass = "PlexonRawIO"
    neo_returns_frames = True
    _si_class_path = "spikeinterface.extractors.neoextractors.plexon.PlexonSortingExtractor"

    def __init__(self, file_path: Any) -> None:
        from memphys.ephys.neobaseextractor import open_neo

        path = Path(file_path)
        _, _, rawio = open_neo(self.NeoRawIOClass, path, {})
        fs = float(rawio._global_ssampling_rate)
        self._init_neo_sorting(path, {}, fs)
        self._kwargs = {"file_path": str(path.resolve())}


read_plexon_sorting = define_function_from_class(PlexonSortingExtractor, "read_plexon_sorting")
