"""Open Ephys binary recordings (``structure.oebin``, GUI 0.4-0.6+) and their TTL events.

:class:`OpenEphysBinaryRecordingExtractor` reads one continuous stream of one experiment
(its recordings are the segments) through neo's ``OpenEphysBinaryRawIO``, memory-mapped.
A folder with several experiments needs ``experiment_name`` (or ``block_index``); an
unknown experiment or stream is refused with the list of those the folder holds. Streams
of Neuropixels probes carry the probe that probeinterface reads from the experiment's
``settings.xml`` (shanks as groups, ``inter_sample_shift``, saturation level);
``load_sync_timestamps=True`` sets each segment's times from its ``timestamps.npy``
(memory-mapped, never loaded whole).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_openephys("oe_folder", experiment_name="experiment3",
...                         stream_name="Record Node 101#Neuropix-PXI-100.ProbeB")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.neobaseextractor import (
    NeoBaseEventExtractor,
    NeoBaseRecordingExtractor,
    open_neo,
)
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    MemphysFutureWarning,
    StreamNotFoundError,
)

__all__ = [
    "OpenEphysBinaryRecordingExtractor",
    "read_openephys",
    "OpenEphysBinaryEventExtractor",
    "read_openephys_event",
    "get_available_experiments",
]

_RAWIO = "OpenEphysBinaryRawIO"


def get_available_experiments(folder_path: Any) -> list[str]:
    """The experiment names of an Open Ephys binary folder (``experiment1``, ...)."""
    from memphys.io.neo.formats import block_names

    _, _, rawio = open_neo(_RAWIO, folder_path, {})
    return block_names(rawio)


def _experiment_options(
    folder: Path, experiment_name: str | None, block_index: int | None, names: Any
) -> tuple[dict[str, Any], int | None]:
    if experiment_name is not None and block_index is not None:
        raise ExtractorValueError(
            "Give either `experiment_name` or `block_index` for an Open Ephys folder, not both."
        )
    if experiment_name is not None:
        available = get_available_experiments(folder)
        if experiment_name not in available:
            raise StreamNotFoundError(
                f"Invalid value for `experiment_name`: {str(folder)!r} holds the experiments "
                f"{available}, but got {experiment_name!r}."
            )
        return {"experiment_names": [experiment_name]}, 0
    if names is not None:
        return {"experiment_names": list(names) if isinstance(names, list | tuple) else [names]}, (
            block_index
        )
    if block_index is None:
        available = get_available_experiments(folder)
        if len(available) > 1:
            raise StreamNotFoundError(
                f"{str(folder)!r} holds several experiments {available}: choose one with "
                f"`experiment_name` (e.g. experiment_name={available[0]!r})."
            )
    return {}, block_index


class OpenEphysBinaryRecordingExtractor(NeoBaseRecordingExtractor):
    """One stream of one experiment of an Open Ephys binary folder.

    Parameters
    ----------
    folder_path : str or Path
        The Open Ephys folder (root, record node, experiment or recording level).
    experiment_name : str, optional
        The experiment (required when there are several; see
        :func:`get_available_experiments`).
    stream_id, stream_name : str, optional
        The continuous stream (required when there are several, except a neural stream
        with its SYNC stream, where the neural one is taken).
    block_index : int, optional
        The experiment by position, instead of ``experiment_name``.
    load_sync_timestamps : bool, default False
        Use the synchronized ``timestamps.npy`` as the segments' times.
    experiment_names : str or list, optional
        Deprecated spelling (SpikeInterface); passed to neo.
    all_annotations : bool, default False

    Raises
    ------
    memphys.errors.StreamNotFoundError
        For an unknown experiment or stream (the message lists those of the folder).
    """

    NeoRawIOClass = _RAWIO
    _si_class_path = (
        "spikeinterface.extractors.neoextractors.openephys.OpenEphysBinaryRecordingExtractor"
    )

    def __init__(
        self,
        folder_path: Any,
        experiment_name: str | None = None,
        stream_id: Any = None,
        stream_name: Any = None,
        block_index: int | None = None,
        load_sync_timestamps: bool = False,
        experiment_names: Any = None,
        all_annotations: bool = False,
    ) -> None:
        folder = Path(folder_path)
        if experiment_names is not None:
            warnings.warn(
                "OpenEphysBinaryRecordingExtractor: 'experiment_names' is deprecated; use "
                "'experiment_name' to select one experiment.",
                MemphysFutureWarning,
                stacklevel=2,
            )
        options, block = _experiment_options(folder, experiment_name, block_index, experiment_names)
        if stream_id is None and stream_name is None:
            _, _, rawio = open_neo(_RAWIO, folder, options)
            names = [str(n) for n in rawio.header["signal_streams"]["name"]]
            sync = [n for n in names if "SYNC" in n]
            if len(names) == 2 and len(sync) == 1:
                stream_name = next(n for n in names if "SYNC" not in n)
        self._init_neo(folder, options, stream_id, stream_name, block, all_annotations, False)
        self._kwargs = {
            "folder_path": str(folder.absolute()),
            "experiment_name": experiment_name,
            "stream_id": stream_id,
            "stream_name": stream_name,
            "block_index": block_index,
            "load_sync_timestamps": load_sync_timestamps,
            "experiment_names": experiment_names,
            "all_annotations": all_annotations,
        }
        if "SYNC" in self.stream_name:
            return
        node, _, oe_stream = self.stream_name.rpartition("#")
        structure = self.neo_reader.folder_structure[node]
        exp_ids = sorted(structure["experiments"])
        exp_id = exp_ids[self.block_index]
        experiment = structure["experiments"][exp_id]
        self.annotate(experiment_name=str(experiment.get("name", f"experiment{exp_id}")))
        if "NI-DAQmx" not in self.stream_name:
            self._set_probe(Path(experiment["settings_file"]), oe_stream)
        folders = []
        for rec_id in sorted(experiment["recordings"]):
            cont = experiment["recordings"][rec_id]["streams"]["continuous"]
            folders.append(Path(cont[self.stream_name]["raw_filename"]).parent)
        self._stream_folders = folders
        if load_sync_timestamps:
            for s, stream_folder in enumerate(folders):
                self._load_sync_times(stream_folder, s)

    def _set_probe(self, settings: Path, oe_stream: str) -> None:
        import probeinterface as pi

        from memphys.ephys.probes import attach_neuropixels_probe

        if not settings.is_file() or not pi.has_neuropixels_probes(settings, stream_name=oe_stream):
            return
        probe = pi.read_openephys_neuropixels(settings_file=settings, stream_name=oe_stream)
        attach_neuropixels_probe(self, probe, oe_stream)

    def _load_sync_times(self, stream_folder: Path, segment_index: int) -> None:
        if (stream_folder / "sample_numbers.npy").is_file():
            path = stream_folder / "timestamps.npy"
        else:
            path = stream_folder / "synchronized_timestamps.npy"
        if not path.is_file():
            warnings.warn(
                f"No synchronized timestamps in {str(stream_folder)!r}: segment "
                f"{segment_index} keeps its start time and rate.",
                ExtractorWarning,
                stacklevel=3,
            )
            return
        times = np.load(path, mmap_mode="r")
        self.set_times(times, segment_index=segment_index)

    @classmethod
    def get_streams(
        cls, folder_path: Any, experiment_names: Any = None
    ) -> tuple[list[str], list[str]]:
        """``(stream_names, stream_ids)`` of the folder (of ``experiment_names``)."""
        from memphys.ephys.neobaseextractor import get_neo_streams

        options = {} if experiment_names is None else {"experiment_names": experiment_names}
        return get_neo_streams(_RAWIO, folder_path, **options)

    get_available_experiments = staticmethod(get_available_experiments)


read_openephys = define_function_from_class(OpenEphysBinaryRecordingExtractor, "read_openephys")


class OpenEphysBinaryEventExtractor(NeoBaseEventExtractor):
    """The TTL and message events of one experiment of an Open Ephys binary folder."""

    NeoRawIOClass = _RAWIO
    _si_class_path = (
        "spikeinterface.extractors.neoextractors.openephys.OpenEphysBinaryEventExtractor"
    )

    def __init__(
        self, folder_path: Any, experiment_name: str | None = None, block_index: int | None = None
    ) -> None:
        folder = Path(folder_path)
        options, block = _experiment_options(folder, experiment_name, block_index, None)
        self._init_neo_events(folder, options, block)
        self._kwargs = {
            "folder_path": str(folder.absolute()),
            "experiment_name": experiment_name,
            "block_index": block_index,
        }


def read_openephys_event(
    folder_path: Any, experiment_name: str | None = None, block_index: int | None = None
) -> OpenEphysBinaryEventExtractor:
    """The TTL and message events of an Open Ephys binary folder."""
    return OpenEphysBinaryEventExtractor(folder_path, experiment_name, block_index)
