"""Channel selection and renaming: :class:`ChannelSliceRecording`, lazy.

Made by ``recording.select_channels(ids)``, ``channel_slice(ids, renamed_channel_ids)``,
``rename_channels(new_ids)`` and ``remove_channels(ids)``. Reads ask the parent segment for
the selected channels only; properties, annotations and the probe (sliced, rewired to the
new channel order) follow.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> rec = NumpyRecording(np.tile(np.arange(3, dtype="int16"), (10, 1)), 1000.0)
>>> sub = rec.channel_slice([2, 0], renamed_channel_ids=["c", "a"])
>>> sub.channel_ids.tolist(), sub.get_traces(end_frame=1).tolist()
(['c', 'a'], [[2, 0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import as_id_array
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.errors import ExtractorValueError

__all__ = ["ChannelSliceRecording", "ChannelSliceRecordingSegment"]


@register_role("recording.channel_slice")
class ChannelSliceRecording(BaseRecording):
    """A lazy selection (and optional renaming) of a recording's channels.

    Parameters
    ----------
    recording : BaseRecording
    channel_ids : list, optional
        Channels to keep, in this order (default: all).
    renamed_channel_ids : list, optional
        New ids, one per kept channel (unique).
    """

    _si_class_path = "spikeinterface.core.channelslice.ChannelSliceRecording"

    def __init__(
        self, recording: BaseRecording, channel_ids: Any = None, renamed_channel_ids: Any = None
    ) -> None:
        if channel_ids is None:
            channel_ids = recording.get_channel_ids()
        ids = as_id_array(
            list(channel_ids) if not isinstance(channel_ids, np.ndarray) else channel_ids,
            "channel_ids",
        )
        if renamed_channel_ids is None:
            renamed = ids
        else:
            renamed = as_id_array(renamed_channel_ids, "renamed_channel_ids")
            if renamed.size != ids.size:
                raise ExtractorValueError(
                    f"ChannelSliceRecording: renamed channel_ids must be the same size: expected "
                    f"{ids.size} ids, but got {renamed.size}."
                )
        parent_indices = recording.ids_to_indices(ids)  # unknown ids: a clear error
        BaseRecording.__init__(
            self, recording.get_sampling_frequency(), renamed, recording.get_dtype()
        )
        self._channel_ids = ids
        self._renamed_channel_ids = renamed
        self._parent_channel_indices = np.asarray(parent_indices)
        for parent_segment in recording.segments:
            self.add_recording_segment(
                ChannelSliceRecordingSegment(parent_segment, self._parent_channel_indices)
            )
        self._parent = recording
        recording.copy_metadata(self, only_main=False, ids=ids)
        if recording.has_probe():
            pg = recording.get_probegroup().get_slice(self._parent_channel_indices)
            pg.set_global_device_channel_indices(np.arange(ids.size))
            groups = recording.get_channel_groups()
            self.set_probegroup(pg, check_overlap=False)
            if groups is not None:
                self.set_channel_groups(np.asarray(groups)[self._parent_channel_indices])
        self._kwargs = {
            "recording": recording,
            "channel_ids": channel_ids,
            "renamed_channel_ids": renamed_channel_ids,
        }

    @classmethod
    def _handle_kwargs_backward_compatibility(
        cls, old_kwargs: dict[str, Any], full_dict: Any
    ) -> dict[str, Any]:
        if "parent_recording" in old_kwargs:
            new = dict(old_kwargs)
            new["recording"] = new.pop("parent_recording")
            return new
        return old_kwargs


class ChannelSliceRecordingSegment(BaseRecordingSegment):
    """Reads the selected channels of the parent segment."""

    def __init__(self, parent_recording_segment: Any, parent_channel_indices: np.ndarray) -> None:
        BaseRecordingSegment.__init__(self, **parent_recording_segment.get_times_kwargs())
        self._parent_recording_segment = parent_recording_segment
        self._parent_channel_indices = np.asarray(parent_channel_indices, dtype=np.int64)
        self._n = int(self._parent_channel_indices.size)
        self.num_channels = self._n
        idx = self._parent_channel_indices
        # a run of consecutive parent channels reads as a slice (a view for binary files)
        self._as_slice = (
            slice(int(idx[0]), int(idx[-1]) + 1) if idx.size and np.all(np.diff(idx) == 1) else None
        )

    def get_num_samples(self) -> int:
        return int(self._parent_recording_segment.get_num_samples())

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        if channel_indices is None or (
            isinstance(channel_indices, slice)
            and channel_indices.indices(self._n) == (0, self._n, 1)
        ):
            parent: Any = (
                self._as_slice if self._as_slice is not None else self._parent_channel_indices
            )
        else:
            parent = self._parent_channel_indices[channel_indices]
        return self._parent_recording_segment.get_traces(start_frame, end_frame, parent)
