"""Aggregating channels of several recordings: :func:`aggregate_channels`, lazy.

The recordings must share sampling frequency, dtype, segments and lengths. Channel ids
are kept when all are integers or all strings and unique, else renamed ``"0", "1", ...``.
Properties present in every recording are concatenated, an ``aggregation_key`` property
says which recording (list position or dict key) each channel comes from, annotations
shared by all recordings with equal values are kept, and probes are gathered into one
probegroup. A read asks each parent for its channels only, and returns the channels in the
requested order (SpikeInterface groups them by parent instead).

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> a = NumpyRecording(np.zeros((10, 2), "int16"), 1000.0, channel_ids=["a", "b"])
>>> b = NumpyRecording(np.ones((10, 1), "int16"), 1000.0, channel_ids=["c"])
>>> agg = aggregate_channels([a, b])
>>> agg.channel_ids.tolist(), agg.get_property("aggregation_key").tolist()
(['a', 'b', 'c'], [0, 0, 1])
>>> agg.get_traces(end_frame=1, channel_ids=["c", "a"]).tolist()
[[1, 0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.errors import ExtractorValueError, MemphysTypeError

__all__ = [
    "ChannelsAggregationRecording",
    "ChannelsAggregationRecordingSegment",
    "aggregate_channels",
]


class ChannelsAggregationRecording(BaseRecording):
    """Channels of several recordings side by side (see the module docstring)."""

    _si_class_path = "spikeinterface.core.channelsaggregationrecording.ChannelsAggregationRecording"

    def __init__(self, recording_list_or_dict: Any = None, renamed_channel_ids: Any = None) -> None:
        if isinstance(recording_list_or_dict, dict):
            recordings = list(recording_list_or_dict.values())
            keys: list[Any] = list(recording_list_or_dict.keys())
        elif isinstance(recording_list_or_dict, list | tuple):
            recordings = list(recording_list_or_dict)
            keys = list(range(len(recordings)))
        else:
            raise MemphysTypeError(
                "`aggregate_channels` only accepts a list of recordings or a dict whose values are "
                f"all recordings, but got {type(recording_list_or_dict).__name__}."
            )
        if not recordings or not all(isinstance(r, BaseRecording) for r in recordings):
            raise ext_error(
                "recording_list_or_dict",
                "a non-empty list or dict of recordings",
                recording_list_or_dict,
            )
        self._recordings = recordings
        self._check_consistency()
        n_all = sum(r.get_num_channels() for r in recordings)
        if renamed_channel_ids is not None:
            if len(np.unique(renamed_channel_ids)) != n_all or len(renamed_channel_ids) != n_all:
                raise ExtractorValueError(
                    "'renamed_channel_ids' doesn't have the right size or has duplicates: "
                    f"expected {n_all} unique ids, but got {len(renamed_channel_ids)}."
                )
            channel_ids: Any = list(renamed_channel_ids)
        else:
            all_int = all(np.issubdtype(r.channel_ids.dtype, np.integer) for r in recordings)
            all_str = all(np.issubdtype(r.channel_ids.dtype, np.str_) for r in recordings)
            combined = (
                np.concatenate([r.channel_ids for r in recordings])
                if (all_int or all_str)
                else None
            )
            if combined is not None and np.unique(combined).size == n_all:
                channel_ids = combined
            else:
                channel_ids = [str(i) for i in range(n_all)]
        rec0 = recordings[0]
        BaseRecording.__init__(self, rec0.get_sampling_frequency(), channel_ids, rec0.get_dtype())
        props: dict[str, Any] = {}
        for key in rec0.get_property_keys():
            if not all(key in r.get_property_keys() for r in recordings):
                continue
            try:
                props[key] = np.concatenate([np.asarray(r.get_property(key)) for r in recordings])
            except ValueError:
                continue  # shapes differ across recordings: the property is dropped
        props["aggregation_key"] = np.concatenate(
            [np.asarray([k] * r.get_num_channels()) for k, r in zip(keys, recordings, strict=True)]
        )
        for key, values in props.items():
            self.set_property(key, values)
        for name in rec0.get_annotation_keys():
            if not all(name in r.get_annotation_keys() for r in recordings):
                continue
            values = [r.get_annotation(name, copy=False) for r in recordings]
            try:
                shared = all(np.array_equal(v, values[0]) for v in values[1:])
            except Exception:
                shared = False
            if shared:
                self.set_annotation(name, rec0.get_annotation(name), overwrite=True)
        with_probe = [r for r in recordings if r.has_probe()]
        if len(with_probe) == len(recordings):
            from probeinterface import ProbeGroup

            pg = ProbeGroup()
            for r in recordings:
                for p in r.get_probegroup().probes:
                    pg.add_probe(p.copy())
            pg.set_global_device_channel_indices(np.arange(n_all))
            self.set_probegroup(pg, check_overlap=False)
        elif with_probe:
            raise ExtractorValueError(
                "Some recordings have probes while others do not. Cannot aggregate recordings with "
                "inconsistent probe information."
            )
        which = np.concatenate([np.full(r.get_num_channels(), i) for i, r in enumerate(recordings)])
        local = np.concatenate([np.arange(r.get_num_channels()) for r in recordings])
        for s in range(rec0.get_num_segments()):
            self.add_recording_segment(
                ChannelsAggregationRecordingSegment(
                    which, local, [r.segments[s] for r in recordings]
                )
            )
        self._kwargs = {
            "recording_list_or_dict": recordings,
            "renamed_channel_ids": renamed_channel_ids,
        }

    @classmethod
    def _handle_kwargs_backward_compatibility(
        cls, old_kwargs: dict[str, Any], full_dict: Any
    ) -> dict[str, Any]:
        if "recording_list" in old_kwargs:
            new = dict(old_kwargs)
            new["recording_list_or_dict"] = new.pop("recording_list")
            return new
        return old_kwargs

    @property
    def recordings(self) -> list[BaseRecording]:
        return self._recordings

    def _check_consistency(self) -> None:
        recs = self._recordings
        fs = [r.get_sampling_frequency() for r in recs]
        if any(f != fs[0] for f in fs):
            raise ExtractorValueError(f"Inconsistent sampling frequency among recordings: {fs}")
        ns = [r.get_num_segments() for r in recs]
        if any(n != ns[0] for n in ns):
            raise ExtractorValueError(f"Inconsistent number of segments among recordings: {ns}")
        dts = [r.get_dtype() for r in recs]
        if any(d != dts[0] for d in dts):
            raise ExtractorValueError(f"Inconsistent data type among recordings: {dts}")
        for s in range(ns[0]):
            lengths = [r.get_num_samples(segment_index=s) for r in recs]
            if any(n != lengths[0] for n in lengths):
                raise ExtractorValueError(
                    f"Inconsistent number of samples in segment {s} among recordings: {lengths}"
                )


class ChannelsAggregationRecordingSegment(BaseRecordingSegment):
    """Reads each parent's channels and puts them in the requested order."""

    def __init__(self, which: np.ndarray, local: np.ndarray, parent_segments: list[Any]) -> None:
        tk = parent_segments[0].get_times_kwargs()
        for ps in parent_segments[1:]:
            other = ps.get_times_kwargs()
            if (tk["time_vector"] is None) != (other["time_vector"] is None) or (
                tk["time_vector"] is None and other["t_start"] != tk["t_start"]
            ):
                raise ExtractorValueError(
                    "All segments should have the same times (t_start or time vector) to "
                    "aggregate their channels."
                )
        BaseRecordingSegment.__init__(self, **tk)
        self._which = np.asarray(which)
        self._local = np.asarray(local)
        self._parent_segments = parent_segments
        self._n = int(self._which.size)
        self.num_channels = self._n

    def get_num_samples(self) -> int:
        return int(self._parent_segments[0].get_num_samples())

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        if channel_indices is None:
            wanted = np.arange(self._n)
        elif isinstance(channel_indices, slice):
            wanted = np.arange(self._n)[channel_indices]
        else:
            wanted = np.asarray(channel_indices, dtype=np.int64)
        if wanted.size and np.array_equal(wanted, np.arange(self._n)):
            parts = [seg.get_traces(start_frame, end_frame, None) for seg in self._parent_segments]
            return np.concatenate(parts, axis=1)
        which = self._which[wanted]
        out = None
        for r in np.unique(which):
            sel = np.flatnonzero(which == r)
            block = self._parent_segments[r].get_traces(
                start_frame, end_frame, self._local[wanted[sel]]
            )
            if out is None:
                out = np.empty((block.shape[0], wanted.size), dtype=block.dtype)
            out[:, sel] = block
        if out is None:  # no channel asked
            block = self._parent_segments[0].get_traces(
                start_frame, end_frame, np.zeros(0, dtype=np.int64)
            )
            out = np.empty((block.shape[0], 0), dtype=block.dtype)
        return out


def aggregate_channels(
    recording_list_or_dict: Any = None, renamed_channel_ids: Any = None
) -> ChannelsAggregationRecording:
    """One recording with the channels of several (see the module docstring)."""
    return ChannelsAggregationRecording(recording_list_or_dict, renamed_channel_ids)
