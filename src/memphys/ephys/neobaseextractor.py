"""Vendor files as recordings, events and sortings, through the readers of
:mod:`memphys.io.neo` (one parser per format, shared with ``EphysReader``).

:class:`NeoBaseRecordingExtractor` is SpikeInterface's neo recording: one signal stream of
one block, every segment of it, with neo's channel ids (or names), gains and offsets as
properties (``gain_to_uV``/``offset_to_uV`` for voltage units, and
``gain_to_physical_unit``/``offset_to_physical_unit``/``physical_unit`` always), and the
traces read through :func:`memphys.io.neo.formats.stream_array`: memory-mapped where neo
describes the buffer as a raw file (Open Ephys, SpikeGLX, Neuroscope, raw binary), read
in contiguous chunks with ``get_analogsignal_chunk`` otherwise (Intan, Plexon). The neo
RawIO is parsed once per process (workers rebuild it from the provenance dict).

:func:`read_neo` opens any format neo reads (``read_neo("intan", "x.rhd",
stream_id="0")``); the format modules (:mod:`~memphys.ephys.spikeglx`,
:mod:`~memphys.ephys.openephys`, :mod:`~memphys.ephys.intan`,
:mod:`~memphys.ephys.plexon`, :mod:`~memphys.ephys.neuroscope`) add SpikeInterface's
arguments and probes. A stream, block or experiment that the file does not hold is refused
with :class:`~memphys.errors.StreamNotFoundError` listing the ones it does.

:class:`NeoBaseEventExtractor` gives neo's event and epoch channels (TTL lines, messages)
as events (``time``, ``duration``, ``label``); :class:`NeoBaseSortingExtractor` neo's
spike channels as a sorting.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "x.raw")
>>> np.arange(40, dtype="int16").tofile(path)
>>> rec = read_neo("rawbinary", path, sampling_rate=1000.0, dtype="int16", n_channels=4)
>>> rec.get_traces(start_frame=2, end_frame=3), rec.stream_id
(array([[ 8,  9, 10, 11]], dtype=int16), '0')
>>> read_neo("rawbinary", path, stream_id="7", sampling_rate=1000.0, dtype="int16",
...          n_channels=4)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.StreamNotFoundError: Invalid value for `stream_id`: ... holds the streams ...
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.arrays import LazyArray, from_recipe, register_adapter
from memphys.ephys.baseevent import BaseEvent, BaseEventSegment
from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    StreamNotFoundError,
)

__all__ = [
    "NeoBaseRecordingExtractor",
    "NeoRecordingExtractor",
    "NeoBaseEventExtractor",
    "NeoEventExtractor",
    "NeoBaseSortingExtractor",
    "read_neo",
    "read_neo_event",
    "read_neo_sorting",
    "open_neo",
    "get_neo_streams",
    "get_neo_num_blocks",
]

#: voltage units -> factor to µV (SpikeInterface's table)
VOLT_TO_UV = {"V": 1e6, "Volt": 1e6, "Volts": 1e6, "mV": 1e3, "uV": 1.0}
NEO_EVENT_DTYPE = np.dtype([("time", "float64"), ("duration", "float64"), ("label", "<U100")])


def open_neo(format: Any, path: Any, neo_kwargs: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """``(rawio_name, kwargs, rawio)``: the parsed neo RawIO of ``path`` (cached per process).

    The format name, the RawIO arguments and the per-format checks are
    :mod:`memphys.io.neo.formats`' (as for ``EphysReader``).

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If ``path`` does not exist.
    memphys.errors.FileFormatError
        If the format is unknown or neo cannot parse the files.
    """
    from memphys.arrays.neo_array import open_rawio
    from memphys.errors import MemphysFileNotFoundError
    from memphys.io.neo.formats import (
        check_spikeglx_sizes,
        detect_format,
        rawio_arguments,
        resolve_format,
    )

    p = Path(path)
    if not p.exists():
        raise MemphysFileNotFoundError(f"Invalid value for the path: {str(p)!r} does not exist.")
    rawio_name = resolve_format(format) if format is not None else detect_format(p)
    kwargs = rawio_arguments(rawio_name, p, dict(neo_kwargs or {}))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*progress_bar.*")
        try:
            rawio = open_rawio(rawio_name, kwargs)
        except (OSError, ValueError, KeyError, IndexError, TypeError, AssertionError) as exc:
            raise FileFormatError(
                f"neo's {rawio_name} cannot read {str(p)!r} with arguments {kwargs}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    if rawio_name == "SpikeGLXRawIO":
        check_spikeglx_sizes(rawio)
    return rawio_name, kwargs, rawio


def get_neo_streams(format: Any, path: Any, **neo_kwargs: Any) -> tuple[list[str], list[str]]:
    """``(stream_names, stream_ids)`` of a file, as SpikeInterface's ``get_streams``."""
    _, _, rawio = open_neo(format, path, neo_kwargs)
    streams = rawio.header["signal_streams"]
    return [str(n) for n in streams["name"]], [str(i) for i in streams["id"]]


def get_neo_num_blocks(format: Any, path: Any, **neo_kwargs: Any) -> int:
    """Number of blocks (Open Ephys experiments) of a file."""
    _, _, rawio = open_neo(format, path, neo_kwargs)
    return int(rawio.block_count())


def select_block(rawio: Any, block_index: int | None, path: Any) -> int:
    """The block to read: ``block_index``, or the only one (else an error naming them)."""
    from memphys.io.neo.formats import block_names

    n = int(rawio.block_count())
    names = block_names(rawio)
    if block_index is None:
        if n > 1:
            raise StreamNotFoundError(
                f"{str(path)!r} holds {n} blocks (experiments) {names}: choose one with "
                "`block_index` (or `experiment_name` for Open Ephys)."
            )
        return 0
    if isinstance(block_index, bool) or not -n <= int(block_index) < n:
        raise StreamNotFoundError(
            f"Invalid value for `block_index`: {str(path)!r} holds {n} block(s) {names}, but "
            f"got {block_index}."
        )
    return int(block_index) % n


def select_stream(rawio: Any, stream_id: Any, stream_name: Any, path: Any) -> int:
    """The index of the stream named by ``stream_id`` or ``stream_name`` (or the only one).

    Raises
    ------
    memphys.errors.StreamNotFoundError
        For a stream that does not exist, or none given when there are several; the
        message lists the streams (ids and names) of the file.
    """
    streams = rawio.header["signal_streams"]
    ids = [str(i) for i in streams["id"]]
    names = [str(n) for n in streams["name"]]
    listing = ", ".join(f"{i!r} ({n})" for i, n in zip(ids, names, strict=True)) or "none"
    if not ids:
        raise StreamNotFoundError(
            f"{str(path)!r} holds no signal stream (no continuous data); it may hold spikes "
            "or events only (read them with read_neo_sorting / read_neo_event)."
        )
    if stream_id is None and stream_name is None:
        if len(ids) > 1:
            raise StreamNotFoundError(
                f"{str(path)!r} holds several streams: {listing}. Choose one with `stream_id` "
                "or `stream_name`."
            )
        return 0
    k_id = ids.index(str(stream_id)) if stream_id is not None and str(stream_id) in ids else -1
    if stream_id is not None and k_id < 0:
        raise StreamNotFoundError(
            f"Invalid value for `stream_id`: {str(path)!r} holds the streams {listing}, but got "
            f"{stream_id!r}."
        )
    if stream_name is not None:
        if str(stream_name) not in names:
            raise StreamNotFoundError(
                f"Invalid value for `stream_name`: {str(path)!r} holds the streams {listing}, "
                f"but got {stream_name!r}."
            )
        k_name = names.index(str(stream_name))
        if k_id >= 0 and k_id != k_name:
            raise StreamNotFoundError(
                f"`stream_id` {stream_id!r} and `stream_name` {stream_name!r} name different "
                f"streams of {str(path)!r} ({listing})."
            )
        return k_name
    return k_id


@register_adapter
class NegatedArray(LazyArray):
    """``-raw`` per block (neo streams whose gains are all negative, as SpikeInterface
    turns them positive)."""

    kind = "negated"

    def __init__(self, source: LazyArray) -> None:
        self._source = source
        self.shape = source.shape
        self.dtype = source.dtype

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        return np.negative(self._source.read(start, stop, channels))

    def recipe(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self._source.recipe()}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> NegatedArray:
        return cls(from_recipe(recipe["source"]))


class NeoBaseRecordingExtractor(BaseRecording):
    """One stream of one block of a neo-readable recording (see the module docstring).

    Subclasses set ``NeoRawIOClass`` and call :meth:`_init_neo` with the path and the RawIO
    options.
    """

    NeoRawIOClass: ClassVar[str] = ""

    def _init_neo(
        self,
        path: Any,
        neo_kwargs: dict[str, Any],
        stream_id: Any = None,
        stream_name: Any = None,
        block_index: int | None = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = False,
        sampling_frequency: float | None = None,
        rawio_name: str | None = None,
    ) -> None:
        name, kwargs, rawio = open_neo(rawio_name or self.NeoRawIOClass, path, neo_kwargs)
        self.neo_reader = rawio
        self.neo_kwargs = kwargs
        self.rawio_name = name
        b = select_block(rawio, block_index, path)
        k = select_stream(rawio, stream_id, stream_name, path)
        header = rawio.header
        stream = header["signal_streams"][k]
        self.stream_index = k
        self.stream_id = str(stream["id"])
        self.stream_name = str(stream["name"])
        self.block_index = b
        chans = header["signal_channels"][header["signal_channels"]["stream_id"] == stream["id"]]
        if use_names_as_ids:
            ids = np.asarray(chans["name"]).astype(str)
            if np.unique(ids).size != ids.size:
                raise ExtractorValueError(
                    "use_names_as_ids=True is not possible: the channel names of stream "
                    f"{self.stream_id!r} are not unique."
                )
        else:
            ids = np.asarray(chans["id"]).astype(str)
        fs = (
            float(sampling_frequency)
            if sampling_frequency is not None
            else float(rawio.get_signal_sampling_rate(stream_index=k))
        )
        dtype = np.dtype(chans["dtype"][0])
        BaseRecording.__init__(self, fs, ids, dtype)
        self.extra_requirements.append("neo")
        gains = np.asarray(chans["gain"], dtype=np.float64)
        offsets = np.asarray(chans["offset"], dtype=np.float64)
        self.inverted_gain = bool(dtype.kind == "i" and np.all(gains < 0) and np.all(offsets == 0))
        if self.inverted_gain:
            gains = -gains
        units = np.asarray(chans["units"]).astype(str)
        to_uv = np.array([VOLT_TO_UV.get(u, 1.0) for u in units.tolist()], dtype=np.float64)
        self.set_property("gain_to_uV", gains * to_uv)
        self.set_property("offset_to_uV", offsets * to_uv)
        self.set_property("physical_unit", units)
        self.set_property("gain_to_physical_unit", gains)
        self.set_property("offset_to_physical_unit", offsets)
        is_volt = np.isin(units, list(VOLT_TO_UV))
        if is_volt.any() and not is_volt.all():
            warnings.warn(
                "Found a mix of voltage and non-voltage units. Proceed with caution. Check "
                'channel units with `recording.get_property("physical_unit")`.',
                ExtractorWarning,
                stacklevel=3,
            )
        if not use_names_as_ids:
            self.set_property("channel_name", np.asarray(chans["name"]).astype(str))
        if all_annotations:
            self._add_annotations(rawio, b, k, use_names_as_ids)
        from memphys.io.neo.formats import stream_array

        for s in range(int(rawio.segment_count(b))):
            array = stream_array(name, kwargs, rawio, b, s, k)
            if self.inverted_gain:
                array = NegatedArray(array)
            t0 = float(rawio.get_signal_t_start(b, s, k))
            self.add_recording_segment(ArrayRecordingSegment(array, fs, t0))

    def _add_annotations(self, rawio: Any, b: int, k: int, use_names_as_ids: bool) -> None:
        try:
            sig = rawio.raw_annotations["blocks"][b]["segments"][0]["signals"][k]
        except (KeyError, IndexError, TypeError):
            return
        scalars = {n: v for n, v in sig.items() if not n.startswith("__")}
        name = scalars.pop("name", None)
        if name:
            self.set_annotation("stream_name", name)
        for key, value in scalars.items():
            self.set_annotation(key, value)
        arrays = dict(sig.get("__array_annotations__", {}))
        arrays.pop("channel_ids", None)
        if use_names_as_ids:
            arrays.pop("channel_name", None)
        for key, values in arrays.items():
            if len(values) == self.get_num_channels():
                self.set_property(key, np.asarray(values))

    @classmethod
    def get_streams(cls, *args: Any, **kwargs: Any) -> tuple[list[str], list[str]]:
        """``(stream_names, stream_ids)`` of the file (arguments as the constructor's path)."""
        return get_neo_streams(cls.NeoRawIOClass, *args, **kwargs)


class NeoRecordingExtractor(NeoBaseRecordingExtractor):
    """Any format neo reads, named by ``format`` (see :func:`read_neo`).

    Parameters
    ----------
    format : str or neo RawIO class
        A short name (``"spikeglx"``, ``"openephys"``, ``"intan"``, ``"plexon"``,
        ``"neuroscope"``, ``"rawbinary"``), any neo RawIO name, or None to detect it.
    path : str or Path
        The file or folder.
    stream_id, stream_name : str, optional
        The stream to read (required when the file holds several).
    block_index : int, optional
        The block (required when there are several).
    all_annotations : bool, default False
        Neo's annotations as annotations and per-channel properties.
    use_names_as_ids : bool, default False
        Channel names as channel ids.
    **neo_kwargs
        Options of the RawIO (``sampling_rate``, ``dtype``, ``n_channels`` for raw binary).
    """

    def __init__(
        self,
        format: Any,
        path: Any,
        stream_id: Any = None,
        stream_name: Any = None,
        block_index: int | None = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = False,
        **neo_kwargs: Any,
    ) -> None:
        self._init_neo(
            path,
            neo_kwargs,
            stream_id,
            stream_name,
            block_index,
            all_annotations,
            use_names_as_ids,
            rawio_name=format,
        )
        self._kwargs = {
            "format": self.rawio_name,
            "path": str(Path(path).absolute()),
            "stream_id": self.stream_id,
            "stream_name": stream_name,
            "block_index": block_index,
            "all_annotations": all_annotations,
            "use_names_as_ids": use_names_as_ids,
            **neo_kwargs,
        }


def read_neo(
    format: Any,
    path: Any,
    stream_id: Any = None,
    stream_name: Any = None,
    block_index: int | None = None,
    all_annotations: bool = False,
    use_names_as_ids: bool = False,
    **neo_kwargs: Any,
) -> NeoRecordingExtractor:
    """One stream of any neo-readable recording (see :class:`NeoRecordingExtractor`)."""
    return NeoRecordingExtractor(
        format,
        path,
        stream_id,
        stream_name,
        block_index,
        all_annotations,
        use_names_as_ids,
        **neo_kwargs,
    )


class NeoBaseEventExtractor(BaseEvent):
    """The event and epoch channels of one block of a neo-readable file.

    Each channel's events are ``NEO_EVENT_DTYPE`` (``time`` in seconds, ``duration`` (0 for
    events), ``label``), read on demand, sorted by time.
    """

    NeoRawIOClass: ClassVar[str] = ""

    def _init_neo_events(
        self,
        path: Any,
        neo_kwargs: dict[str, Any],
        block_index: int | None = None,
        use_names_as_ids: bool = False,
        rawio_name: str | None = None,
    ) -> None:
        name, _, rawio = open_neo(rawio_name or self.NeoRawIOClass, path, neo_kwargs)
        self.neo_reader = rawio
        self.rawio_name = name
        b = select_block(rawio, block_index, path)
        self.block_index = b
        chans = rawio.header["event_channels"]
        field = "name" if use_names_as_ids else "id"
        ids = np.asarray(chans[field]).astype(str)
        if use_names_as_ids and np.unique(ids).size != ids.size:
            raise ExtractorValueError(
                "use_names_as_ids=True is not possible: the event channel names are not unique "
                f"({ids.tolist()})."
            )
        BaseEvent.__init__(self, ids, structured_dtype=NEO_EVENT_DTYPE)
        for s in range(int(rawio.segment_count(b))):
            self.add_event_segment(NeoEventSegment(rawio, b, s, ids))


class NeoEventSegment(BaseEventSegment):
    """One segment of neo events, read channel by channel."""

    def __init__(self, rawio: Any, block_index: int, segment_index: int, ids: Any) -> None:
        BaseEventSegment.__init__(self)
        self.neo_reader = rawio
        self.block_index = block_index
        self.segment_index = segment_index
        self._ids = list(np.asarray(ids).tolist())

    def get_events(
        self, channel_id: Any, start_time: float | None, end_time: float | None
    ) -> np.ndarray:
        c = self._ids.index(channel_id)
        rawio = self.neo_reader
        ts, dur, labels = rawio.get_event_timestamps(
            block_index=self.block_index, seg_index=self.segment_index, event_channel_index=c
        )
        out = np.zeros(len(ts), dtype=NEO_EVENT_DTYPE)
        out["time"] = rawio.rescale_event_timestamp(ts, dtype="float64", event_channel_index=c)
        if dur is not None:
            out["duration"] = rawio.rescale_epoch_duration(
                dur, dtype="float64", event_channel_index=c
            )
        out["label"] = np.asarray(labels).astype(str)
        out = out[np.argsort(out["time"], kind="stable")]
        if start_time is not None:
            out = out[out["time"] >= start_time]
        if end_time is not None:
            out = out[out["time"] <= end_time]
        return out


class NeoEventExtractor(NeoBaseEventExtractor):
    """The events of any neo-readable file (see :func:`read_neo_event`)."""

    def __init__(
        self,
        format: Any,
        path: Any,
        block_index: int | None = None,
        use_names_as_ids: bool = False,
        **neo_kwargs: Any,
    ) -> None:
        self._init_neo_events(path, neo_kwargs, block_index, use_names_as_ids, rawio_name=format)
        self._kwargs = {
            "format": self.rawio_name,
            "path": str(Path(path).absolute()),
            "block_index": block_index,
            "use_names_as_ids": use_names_as_ids,
            **neo_kwargs,
        }


def read_neo_event(
    format: Any,
    path: Any,
    block_index: int | None = None,
    use_names_as_ids: bool = False,
    **neo_kwargs: Any,
) -> NeoEventExtractor:
    """The event channels (TTL lines, messages, epochs) of a neo-readable file."""
    return NeoEventExtractor(format, path, block_index, use_names_as_ids, **neo_kwargs)


class NeoBaseSortingExtractor(BaseSorting):
    """The spike channels of one block of a neo-readable file, as units.

    Neo gives spike timestamps either as frames of the signals' clock
    (``neo_returns_frames``, Plexon) or as times, turned into frames
    ``round((t - t_start) * sampling_frequency)``.
    """

    NeoRawIOClass: ClassVar[str] = ""
    neo_returns_frames: ClassVar[bool] = False

    def _init_neo_sorting(
        self,
        path: Any,
        neo_kwargs: dict[str, Any],
        sampling_frequency: float | None,
        block_index: int | None = None,
        use_format_ids: bool = False,
        rawio_name: str | None = None,
    ) -> None:
        _, _, rawio = open_neo(rawio_name or self.NeoRawIOClass, path, neo_kwargs)
        self.neo_reader = rawio
        b = select_block(rawio, block_index, path)
        self.block_index = b
        chans = rawio.header["spike_channels"]
        if use_format_ids:
            ids = np.asarray(chans["id"]).astype(str)
            if np.unique(ids).size != ids.size:
                raise ExtractorValueError(f"The spike channel ids of {path} are not unique.")
        else:
            ids = np.arange(len(chans), dtype=np.int64)
        if sampling_frequency is None:
            rates = {float(r) for r in rawio.header["signal_channels"]["sampling_rate"]}
            if len(rates) != 1:
                raise ExtractorValueError(
                    f"Cannot infer the sampling frequency of the spikes of {str(path)!r}: its "
                    f"streams are sampled at {sorted(rates) or 'no rate'}; pass "
                    "sampling_frequency=."
                )
            sampling_frequency = rates.pop()
        BaseSorting.__init__(self, float(sampling_frequency), ids)
        for s in range(int(rawio.segment_count(b))):
            self.add_sorting_segment(
                NeoSortingSegment(rawio, b, s, float(sampling_frequency), self.neo_returns_frames)
            )


class NeoSortingSegment(BaseSortingSegment):
    """One segment of neo spike channels."""

    def __init__(
        self, rawio: Any, block_index: int, segment_index: int, fs: float, frames: bool
    ) -> None:
        BaseSortingSegment.__init__(self)
        self.neo_reader = rawio
        self.block_index = block_index
        self.segment_index = segment_index
        self._fs = fs
        self._frames = frames

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        c = list(np.asarray(self.parent_extractor.unit_ids).tolist()).index(unit_id)
        raw = self.neo_reader.get_spike_timestamps(
            block_index=self.block_index, seg_index=self.segment_index, spike_channel_index=c
        )
        if self._frames:
            frames = np.asarray(raw, dtype=np.int64)
        else:
            t = self.neo_reader.rescale_spike_timestamp(raw, dtype="float64")
            frames = np.round(np.asarray(t) * self._fs).astype(np.int64)
        frames = np.sort(frames, kind="stable")
        a = 0 if start_frame is None else int(np.searchsorted(frames, start_frame, side="left"))
        b = frames.size if end_frame is None else int(np.searchsorted(frames, end_frame))
        return frames[a:b]


class NeoSortingExtractor(NeoBaseSortingExtractor):
    """The spike channels of any neo-readable file (see :func:`read_neo_sorting`)."""

    def __init__(
        self,
        format: Any,
        path: Any,
        block_index: int | None = None,
        sampling_frequency: float | None = None,
        use_format_ids: bool = False,
        **neo_kwargs: Any,
    ) -> None:
        self._init_neo_sorting(
            path, neo_kwargs, sampling_frequency, block_index, use_format_ids, rawio_name=format
        )
        self._kwargs = {
            "format": format,
            "path": str(Path(path).absolute()),
            "block_index": block_index,
            "sampling_frequency": sampling_frequency,
            "use_format_ids": use_format_ids,
            **neo_kwargs,
        }


def read_neo_sorting(
    format: Any,
    path: Any,
    block_index: int | None = None,
    sampling_frequency: float | None = None,
    use_format_ids: bool = False,
    **neo_kwargs: Any,
) -> NeoSortingExtractor:
    """The spike channels (sorted units) of a neo-readable file as a sorting."""
    return NeoSortingExtractor(
        format, path, block_index, sampling_frequency, use_format_ids, **neo_kwargs
    )
