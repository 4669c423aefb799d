"""Neuroscope / Klusters sessions: ``.dat``/``.lfp``/``.eeg`` recordings, ``.res``/``.clu``
sortings, ``.evt`` events and ``.spk`` snippets, described by the session's ``.xml``.

- :class:`NeuroScopeRecordingExtractor`: a binary file read through neo's
  ``NeuroScopeRawIO`` (the reader ``EphysReader`` uses; memory-mapped), at the rate the
  ``.xml`` gives *for that file*: ``.lfp``/``.eeg`` files are sampled at
  ``lfpSamplingRate`` (neo 0.14 and SpikeInterface 0.105 report ``samplingRate``, 16x too
  fast for a 20 kHz / 1250 Hz session). Channels' anatomical groups are the ``group``
  property.
- :func:`read_neuroscope`: SpikeInterface's entry point (recording and/or sorting);
  also reads a CellExplorer session (``*.session.mat`` instead of an ``.xml``: channel
  count, rates, precision and gain) as a raw binary recording.
- :class:`NeuroScopeEventExtractor` / :func:`read_neuroscope_events`: every ``.evt`` file
  of a session as one event channel (``time`` in seconds, ``label``).
- :class:`NeuroScopeSnippetsExtractor` / :func:`read_neuroscope_snippets`: a ``.spk.N``
  file (int16 ``(spikes, nSamples, channels of group N)``, memory-mapped) with the frames of
  its ``.res.N``; ``nbefore`` is the group's ``peakSampleIndex``.

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_neuroscope("YutaMouse42-151117.lfp")  # doctest: +SKIP
>>> rec.get_sampling_frequency()  # doctest: +SKIP
1250.0
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys.baseevent import BaseEvent, NumpyEventSegment
from memphys.ephys.basesnippets import BaseSnippets, NumpySnippetsSegment, _check_frames
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.neobaseextractor import NeoBaseRecordingExtractor, NeoRecordingExtractor
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
)

__all__ = [
    "NeuroScopeRecordingExtractor",
    "read_neuroscope_recording",
    "read_neuroscope",
    "read_cellexplorer_recording",
    "NeuroScopeEventExtractor",
    "read_neuroscope_events",
    "NeuroScopeSnippetsExtractor",
    "read_neuroscope_snippets",
]

_LFP = (".lfp", ".eeg")


def _xml_for(file_path: Path, xml_file_path: Any) -> Path:
    from memphys.io.binary import find_xml

    if xml_file_path is not None:
        xml = Path(xml_file_path)
    else:
        found = find_xml(file_path) if file_path.is_file() else None
        if file_path.is_dir():
            from memphys.ephys.neuroscopesorting import _find_xml

            found = _find_xml(file_path)
        if found is None:
            raise MemphysFileNotFoundError(
                f"No Neuroscope .xml describes {str(file_path)!r}: pass xml_file_path=."
            )
        xml = Path(found)
    if not xml.is_file():
        raise MemphysFileNotFoundError(
            f"Invalid value for `xml_file_path`: {str(xml)!r} does not exist."
        )
    return xml


class NeuroScopeRecordingExtractor(NeoBaseRecordingExtractor):
    """A Neuroscope binary file (``.dat``, ``.lfp``, ``.eeg``) and its ``.xml``.

    Parameters
    ----------
    file_path : str or Path
        The binary file.
    xml_file_path : str or Path, optional
        Its ``.xml`` (default: found beside it, as Neuroscope does).
    stream_id, stream_name : str, optional
    all_annotations : bool, default False
    use_names_as_ids : bool, default False
    """

    NeoRawIOClass = "NeuroScopeRawIO"
    _si_class_path = (
        "spikeinterface.extractors.neoextractors.neuroscope.NeuroScopeRecordingExtractor"
    )

    def __init__(
        self,
        file_path: Any,
        xml_file_path: Any = None,
        stream_id: Any = None,
        stream_name: Any = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = False,
    ) -> None:
        from memphys.io.binary import read_xml
        from memphys.io.neo.formats import lfp_sampling_rate

        path = Path(file_path)
        if not path.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `file_path`: {str(path)!r} does not exist."
            )
        xml = _xml_for(path, xml_file_path)
        rate = lfp_sampling_rate(xml) if path.suffix.lower() in _LFP else None
        self._init_neo(
            xml,
            {"binary_file": str(path)},
            stream_id,
            stream_name,
            None,
            all_annotations,
            use_names_as_ids,
            sampling_frequency=rate,
        )
        groups = read_xml(xml).channel_groups()
        if groups.size == self.get_num_channels():
            self.set_channel_groups(groups)
        self.xml_file_path = xml
        self._kwargs = {
            "file_path": str(path.absolute()),
            "xml_file_path": None if xml_file_path is None else str(Path(xml_file_path).absolute()),
            "stream_id": stream_id,
            "stream_name": stream_name,
            "all_annotations": all_annotations,
            "use_names_as_ids": use_names_as_ids,
        }


read_neuroscope_recording = define_function_from_class(
    NeuroScopeRecordingExtractor, "read_neuroscope_recording"
)


def read_cellexplorer_recording(file_path: Any) -> NeoRecordingExtractor:
    """A ``.dat``/``.lfp`` of a CellExplorer session (``*.session.mat`` beside it, no
    ``.xml``) as a raw binary recording: channels, precision, rates (``sr``, ``srLfp``)
    and gain (``leastSignificantBit``, µV) from the session.

    Raises
    ------
    memphys.errors.FileFormatError
        If there is no (single) session file, or it lacks these fields.
    """
    from memphys.io.neo.formats import cellexplorer_session

    path = Path(file_path)
    found = cellexplorer_session(path)
    if found is None:
        raise FileFormatError(
            f"No CellExplorer session (*.session.mat with .dat/.lfp files) at {str(path)!r}."
        )
    params, binaries = found
    binary = path if path.is_file() else binaries[0]
    lfp = binary.suffix.lower() in _LFP
    rec = NeoRecordingExtractor(
        "rawbinary",
        binary,
        sampling_rate=params["lfp_rate"] if lfp else params["sampling_rate"],
        dtype=params["dtype"],
        n_channels=params["n_channels"],
        signal_gain=params["gain"],
        signal_offset=0.0,
    )
    rec.set_channel_gains(params["gain"])
    rec.set_channel_offsets(0.0)
    return rec


def read_neuroscope(
    file_path: Any,
    stream_id: Any = None,
    keep_mua_units: bool = False,
    exclude_shanks: Any = None,
    load_recording: bool = True,
    load_sorting: bool = False,
) -> Any:
    """A Neuroscope session: its recording, its sorting, or both (SpikeInterface's entry).

    Parameters
    ----------
    file_path : str or Path
        A binary file (``.dat``, ``.lfp``, ``.eeg``); for the sorting, the session folder
        is the file's folder. A folder holding one binary file is accepted too. Without an
        ``.xml``, a CellExplorer ``*.session.mat`` describes the binary file.
    stream_id : str, optional
    keep_mua_units : bool, default False
        Keep cluster 1 (multi-unit activity) in the sorting.
    exclude_shanks : list of int, optional
    load_recording, load_sorting : bool

    Returns
    -------
    BaseRecording, BaseSorting or (BaseRecording, BaseSorting)
    """
    path = Path(file_path)
    if not path.exists():
        raise MemphysFileNotFoundError(
            f"Invalid value for `file_path`: {str(path)!r} does not exist."
        )
    folder = path if path.is_dir() else path.parent
    out: list[Any] = []
    if load_recording:
        binary = path
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".dat", *_LFP))
            dats = [p for p in found if p.suffix.lower() == ".dat"]
            if not found:
                raise MemphysFileNotFoundError(f"No .dat/.lfp/.eeg file in {str(path)!r}.")
            binary = (dats or found)[0]
        from memphys.io.binary import find_xml

        if find_xml(binary) is None and any(folder.glob("*.session.mat")):
            out.append(read_cellexplorer_recording(binary))
        else:
            out.append(NeuroScopeRecordingExtractor(binary, stream_id=stream_id))
    if load_sorting:
        from memphys.ephys.neuroscopesorting import NeuroScopeSortingExtractor

        out.append(
            NeuroScopeSortingExtractor(
                folder, keep_mua_units=keep_mua_units, exclude_shanks=exclude_shanks
            )
        )
    if not out:
        raise ExtractorValueError("Nothing to read: load_recording and load_sorting are False.")
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------------------- events
_EVT = re.compile(r"(\.evt(\..+)?$)|(\.[^.]+\.evt$)")


def _evt_channel(path: Path) -> str:
    name = path.name
    if ".evt." in name:
        return name.split(".evt.", 1)[1]
    return name[: -len(".evt")].rsplit(".", 1)[-1]


def _read_evt(path: Path) -> np.ndarray:
    times: list[float] = []
    labels: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for k, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            head, _, label = text.partition("\t") if "\t" in text else text.partition(" ")
            try:
                t = float(head)
            except ValueError:
                raise FileFormatError(
                    f"{str(path)!r} line {k}: expected '<time in ms> <label>', but got {text!r}."
                ) from None
            times.append(t / 1000.0)
            labels.append(label.strip())
    width = max([1, *(len(s) for s in labels)])
    out = np.zeros(len(times), dtype=[("time", "float64"), ("label", f"<U{width}")])
    out["time"] = times
    out["label"] = labels
    return out[np.argsort(out["time"], kind="stable")]


class NeuroScopeEventExtractor(BaseEvent):
    """The ``.evt`` files of a Neuroscope session as event channels.

    Each file ``<base>.<name>.evt`` or ``<base>.evt.<name>`` is channel ``name``; its lines
    ``<time in ms> <label>`` become events ``time`` (seconds) and ``label``, sorted by time.
    """

    def __init__(self, folder_path: Any = None, file_paths: Any = None) -> None:
        if file_paths is not None:
            files = [
                Path(p)
                for p in (file_paths if isinstance(file_paths, list | tuple) else [file_paths])
            ]
        else:
            folder = Path(folder_path) if folder_path is not None else None
            if folder is None or not folder.is_dir():
                raise MemphysFileNotFoundError(
                    f"Invalid value for `folder_path`: {str(folder)!r} is not a folder."
                )
            files = sorted(p for p in folder.iterdir() if p.is_file() and _EVT.search(p.name))
        missing = [str(p) for p in files if not p.is_file()]
        if missing or not files:
            raise MemphysFileNotFoundError(f"No .evt files to read ({missing or folder_path}).")
        channels = {_evt_channel(p): _read_evt(p) for p in files}
        BaseEvent.__init__(self, list(channels), {c: v.dtype for c, v in channels.items()})
        self.add_event_segment(NumpyEventSegment(channels))
        self._kwargs = {
            "folder_path": None if folder_path is None else str(Path(folder_path).absolute()),
            "file_paths": None if file_paths is None else [str(p.absolute()) for p in files],
        }


def read_neuroscope_events(
    folder_path: Any = None, file_paths: Any = None
) -> NeuroScopeEventExtractor:
    """The ``.evt`` events of a Neuroscope session (a folder, or given files)."""
    return NeuroScopeEventExtractor(folder_path, file_paths)


# -------------------------------------------------------------------------- snippets
def _spike_group(xml: Path, shank: int) -> tuple[list[int], int, int | None]:
    root = ET.parse(xml).getroot()
    groups = root.findall("spikeDetection/channelGroups/group")
    if not 1 <= shank <= len(groups):
        raise FileFormatError(
            f"{str(xml)!r} describes {len(groups)} spike groups (shanks 1..{len(groups)}), but "
            f"the .spk file is for shank {shank}."
        )
    g = groups[shank - 1]
    chans = [int(str(c.text)) for c in g.findall("channels/channel")]
    n = g.find("nSamples")
    peak = g.find("peakSampleIndex")
    if n is None or not (n.text or "").strip():
        raise FileFormatError(f"{str(xml)!r}: spike group {shank} has no nSamples.")
    return chans, int(str(n.text)), None if peak is None else int(str(peak.text))


def _res_for(spk: Path, shank: int) -> Path:
    same = spk.with_name(spk.name.replace(f".spk.{shank}", f".res.{shank}"))
    if same.is_file():
        return same
    found = sorted(spk.parent.glob(f"*.res.{shank}"))
    if len(found) != 1:
        raise MemphysFileNotFoundError(
            f"Cannot find the .res.{shank} file of {spk.name!r} (found {[p.name for p in found]}): "
            "pass res_file_path=."
        )
    return found[0]


class NeuroScopeSnippetsExtractor(BaseSnippets):
    """One shank's ``.spk.N`` waveforms (memory-mapped) with the frames of ``.res.N``.

    Parameters
    ----------
    file_path : str or Path
        The ``.spk.N`` file.
    res_file_path, xml_file_path : str or Path, optional
        Default: the session's ``.res.N`` and ``.xml``.

    Raises
    ------
    memphys.errors.FileFormatError
        If the file size is not a whole number of snippets, or the ``.xml`` does not
        describe shank ``N``.

    Warns
    -----
    UserWarning
        If ``.res.N`` does not hold one frame per snippet (a truncated file): the snippets
        that have both are read.
    """

    def __init__(
        self, file_path: Any, res_file_path: Any = None, xml_file_path: Any = None
    ) -> None:
        from memphys.ephys.neuroscopesorting import read_int_lines
        from memphys.io.binary import read_xml

        spk = Path(file_path)
        if not spk.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `file_path`: {str(spk)!r} does not exist."
            )
        suffix = spk.name.rsplit(".", 1)[-1]
        if ".spk." not in spk.name or not suffix.isdigit():
            raise FileFormatError(
                f"Invalid value for `file_path`: expected a '.spk.N' file, got {spk.name!r}."
            )
        shank = int(suffix)
        xml = _xml_for(spk, xml_file_path)
        params = read_xml(xml)
        chans, n_samples, peak = _spike_group(xml, shank)
        dtype = params.dtype
        per = n_samples * len(chans) * dtype.itemsize
        size = spk.stat().st_size
        if size % per:
            raise FileFormatError(
                f"{str(spk)!r} holds {size} bytes, not a whole number of snippets of {n_samples} "
                f"samples x {len(chans)} channels x {dtype.itemsize} bytes ({per} bytes)."
            )
        n = size // per
        res = Path(res_file_path) if res_file_path is not None else _res_for(spk, shank)
        parts = list(read_int_lines(res))
        frames = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if frames.size != n:
            # as for .clu/.res pairs: a truncated file is read as far as both go, and said
            m = min(frames.size, n)
            warnings.warn(
                f"{res.name!r} holds {frames.size} spike frames, but {spk.name!r} holds {n} "
                f"snippets: expected one frame per snippet; reading the first {m} (a truncated "
                "file?).",
                ExtractorWarning,
                stacklevel=2,
            )
            frames, n = frames[:m], m
        frames = _check_frames(frames, n, f"frames of {res.name}")
        shape = (n, n_samples, len(chans))
        data = np.memmap(spk, dtype=dtype, mode="r", shape=shape) if n else np.zeros(shape, dtype)
        BaseSnippets.__init__(
            self,
            params.sampling_rate,
            nbefore=peak,
            snippet_len=n_samples,
            channel_ids=np.asarray(chans),
            dtype=dtype,
        )
        self.add_snippets_segment(NumpySnippetsSegment(data, frames))
        if params.gain_uv is not None:
            self.set_channel_gains(params.gain_uv)
            self.set_channel_offsets(0.0)
        self.set_channel_groups(np.full(len(chans), shank))
        self._kwargs = {
            "file_path": str(spk.absolute()),
            "res_file_path": None if res_file_path is None else str(Path(res_file_path).absolute()),
            "xml_file_path": None if xml_file_path is None else str(Path(xml_file_path).absolute()),
        }


def read_neuroscope_snippets(
    file_path: Any, res_file_path: Any = None, xml_file_path: Any = None
) -> NeuroScopeSnippetsExtractor:
    """One shank's ``.spk.N`` snippets (see :class:`NeuroScopeSnippetsExtractor`)."""
    return NeuroScopeSnippetsExtractor(file_path, res_file_path, xml_file_path)
