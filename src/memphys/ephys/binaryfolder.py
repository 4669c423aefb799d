"""SpikeInterface's binary folder: what ``recording.save(format="binary")`` writes.

The layout is SpikeInterface 0.105's, so that each library opens the other's folders::

    folder/
        traces_cached_seg0.raw ...   raw samples x channels, one file per segment
        times_cached_seg0.raw ...    raw float64 times (segments with a time vector only)
        binary.json                  the BinaryRecordingExtractor that reads the raw files
        si_folder.json               the BinaryFolderRecording of the folder (for load())
        provenance.json              the saved recording's own provenance dict
        annotations.json
        properties/<key>.npy         one file per property
        probegroup.json              the probe (probe.json in SpikeInterface < 0.105)

All paths inside are relative to the folder, which can therefore be moved. The folder is
written as ``<folder>.partial`` and renamed when complete: a folder under its final name
always holds a complete recording.

Examples
--------
>>> import tempfile, os
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=4, durations=[1.0], seed=0)
>>> folder = os.path.join(tempfile.mkdtemp(), "rec")
>>> saved = rec.save(folder=folder, progress_bar=False)
>>> sorted(os.listdir(folder))  # doctest: +NORMALIZE_WHITESPACE
['annotations.json', 'binary.json', 'probegroup.json', 'properties', 'provenance.json',
 'si_folder.json', 'traces_cached_seg0.raw']
>>> import numpy as np
>>> bool(np.array_equal(si.load(folder).get_traces(), rec.get_traces()))
True
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import BaseRecording
from memphys.ephys.binaryrecordingextractor import BinaryRecordingExtractor
from memphys.ephys.core_tools import (
    load_annotations_from_folder,
    load_properties_from_folder,
    make_paths_absolute,
    save_annotations_to_folder,
    save_properties_to_folder,
    save_provenance_to_folder,
)
from memphys.errors import ExtractorValueError, MemphysFileExistsError, MemphysFileNotFoundError

__all__ = ["BinaryFolderRecording", "read_binary_folder", "replace_folder"]


def replace_folder(partial: Path, final: Path) -> None:
    """Move the complete ``partial`` folder to ``final`` (replacing a previous one)."""
    if final.exists():
        old = final.with_name(f"{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(partial, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(partial, final)


def prepare_partial_folder(folder: Path, overwrite: bool) -> Path:
    """Check ``folder`` can be written and create ``<folder>.partial`` (a stale one from a
    killed run is removed)."""
    if folder.exists() and not overwrite:
        raise MemphysFileExistsError(
            f"Folder {folder} already exists. Use overwrite=True to overwrite it."
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    return partial


@register_role("recording.binary_folder")
class BinaryFolderRecording(BinaryRecordingExtractor):
    """A binary folder written by ``save(format="binary")`` (see the module docstring).

    Parameters
    ----------
    folder_path : str or Path
    """

    _si_class_path = "spikeinterface.core.binaryfolder.BinaryFolderRecording"

    def __init__(self, folder_path: str | Path) -> None:
        folder = Path(folder_path)
        binary_json = folder / "binary.json"
        if not binary_json.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `folder_path`: expected a binary folder with binary.json, but "
                f"{binary_json} does not exist."
            )
        d = json.loads(binary_json.read_text(encoding="utf8"))
        if not str(d.get("class", "")).endswith(".BinaryRecordingExtractor"):
            raise ExtractorValueError(
                f"This folder is not a binary spikeinterface folder: {folder}."
            )
        if d.get("relative_paths", False):
            d = make_paths_absolute(d, folder)
        kwargs = BinaryRecordingExtractor._handle_kwargs_backward_compatibility(d["kwargs"], d)
        BinaryRecordingExtractor.__init__(self, **kwargs)
        load_properties_from_folder(folder / "properties", self)
        load_annotations_from_folder(folder, self)
        self._load_probe(folder)
        for i, rs in enumerate(self.segments):  # time vectors of older versions (.npy)
            time_file = folder / f"times_cached_seg{i}.npy"
            if time_file.is_file() and rs._time_vector is None:
                rs._time_vector_value = np.load(time_file, mmap_mode="r")
        self._kwargs = {"folder_path": str(folder.absolute())}
        self._bin_kwargs = dict(kwargs)

    def _load_probe(self, folder: Path) -> None:
        new, legacy = folder / "probegroup.json", folder / "probe.json"
        if not (new.is_file() or legacy.is_file()):
            return
        from probeinterface import read_probeinterface

        if new.is_file():
            self._probegroup = read_probeinterface(new)
            return
        pg = read_probeinterface(legacy)
        order = np.argsort(pg.to_numpy(complete=True)["device_channel_indices"])
        if not np.array_equal(order, np.arange(len(order))):
            pg = pg.get_slice(order)  # < 0.105 kept the wiring order, not the channel order
        info = self._annotations.pop("probes_info", None)
        if info is not None:
            for probe, probe_info in zip(pg.probes, info, strict=False):
                probe.annotations.update(probe_info)
        self._probegroup = pg

    def is_binary_compatible(self) -> bool:
        return True

    def get_binary_description(self) -> dict[str, Any]:
        k = self._bin_kwargs
        return dict(
            file_paths=k["file_paths"],
            dtype=np.dtype(k["dtype"]),
            num_channels=k["num_channels"],
            time_axis=k["time_axis"],
            file_offset=k["file_offset"],
        )

    @staticmethod
    def write_recording(  # type: ignore[override]
        recording: BaseRecording,
        folder_path: str | Path,
        verbose: bool = False,
        overwrite: bool = False,
        dtype: Any = None,
        **job_kwargs: Any,
    ) -> BinaryFolderRecording:
        """Write ``recording`` as a binary folder (a pass through the engine) and open it."""
        from probeinterface import write_probeinterface

        from memphys.ephys.time_series_tools import write_binary

        if not isinstance(recording, BaseRecording):
            raise ext_error("recording", "a BaseRecording", recording)
        folder = Path(folder_path)
        partial = prepare_partial_folder(folder, overwrite)
        try:
            n_seg = recording.get_num_segments()
            dt = np.dtype(recording.get_dtype() if dtype is None else dtype)
            files = [partial / f"traces_cached_seg{i}.raw" for i in range(n_seg)]
            tfiles = (
                [partial / f"times_cached_seg{i}.raw" for i in range(n_seg)]
                if recording.has_any_time_vector()
                else None
            )
            write_binary(
                recording,
                file_paths=files,
                file_timestamps_paths=tfiles,
                dtype=dt,
                verbose=verbose,
                **job_kwargs,
            )
            if tfiles is not None:  # segments without a vector keep t_start only
                tfiles_kw = [str(p) for p in tfiles]
                has = [recording.has_time_vector(i) for i in range(n_seg)]
                if not all(has):
                    tfiles_kw = None  # type: ignore[assignment]
                    _times_note(recording, partial, has)
            else:
                tfiles_kw = None
            save_properties_to_folder(partial / "properties", recording)
            save_provenance_to_folder(partial, recording, relative_to=partial)
            save_annotations_to_folder(partial, recording)
            if recording.has_probe():
                write_probeinterface(partial / "probegroup.json", recording.get_probegroup())
            binary = BinaryRecordingExtractor(
                file_paths=[str(p) for p in files],
                file_timestamps_paths=tfiles_kw,
                sampling_frequency=recording.get_sampling_frequency(),
                num_channels=recording.get_num_channels(),
                dtype=dt,
                t_starts=_t_starts_for_json(recording),
                channel_ids=recording.get_channel_ids(),
                time_axis=0,
                file_offset=0,
                is_filtered=recording.is_filtered(),
                gain_to_uV=recording.get_channel_gains(),
                offset_to_uV=recording.get_channel_offsets(),
            )
            binary.dump(partial / "binary.json", relative_to=partial)
            cached = BinaryFolderRecording(partial)
            cached.dump_to_json(
                partial / "si_folder.json",
                relative_to=partial,
                include_properties=False,
                include_annotations=False,
                include_extra_metadata=False,
            )
            del binary, cached
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        replace_folder(partial, folder)
        return BinaryFolderRecording(folder)


def _t_starts_for_json(recording: BaseRecording) -> list[float] | None:
    """Start times for binary.json: SpikeInterface reads each as a float, so segments
    without one (or with a time vector, which overrides it) get 0.0."""
    t_starts = recording.get_segment_t_starts()
    if t_starts is None:
        return None
    return [0.0 if t is None else float(t) for t in t_starts]


def _times_note(recording: BaseRecording, partial: Path, has: list[bool]) -> None:
    """Some segments have time vectors and others not: SpikeInterface's binary.json cannot
    say so, so the vectors go to ``times_cached_seg{i}.npy`` (read by both libraries)."""
    for i, h in enumerate(has):
        raw = partial / f"times_cached_seg{i}.raw"
        if h and raw.is_file():
            times = np.memmap(raw, dtype="float64", mode="r")
            np.save(partial / f"times_cached_seg{i}.npy", times)
            del times
        if raw.is_file():
            raw.unlink()


#: SpikeInterface's function name for the class
read_binary_folder = BinaryFolderRecording
