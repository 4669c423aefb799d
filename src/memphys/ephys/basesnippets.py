"""Snippets: waveform cutouts around detected events, with their frames, in segments.

:class:`BaseSnippets` adds to :class:`~memphys.ephys.baserecordingsnippets.BaseRecordingSnippets`
(channels, gains, groups, probes) the snippets of each segment: ``get_frames`` (the
sample index of each snippet's peak, sorted), ``get_snippets`` (``(n, snippet_len,
channels)``), ``nbefore`` (samples before the peak). Selections are lazy views:
``select_channels``, ``frame_slice`` (snippets whose frame is in a range, frames counted
from the range's start) and ``select_segments``. ``save(format="npy", folder=...)``
writes SpikeInterface's snippets folder, ``save(format="memory")`` a
:class:`NumpySnippets`.

SpikeInterface 0.105 deprecates its snippets classes (a FutureWarning on every object);
memphys keeps them without the warning.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySnippets
>>> wf = np.arange(2 * 4 * 3, dtype="int16").reshape(2, 4, 3)
>>> snip = NumpySnippets(wf, np.array([100, 250]), sampling_frequency=30000.0, nbefore=1)
>>> snip.get_num_snippets(), snip.snippet_len, snip.nafter
(2, 4, 3)
>>> snip.get_snippets(indices=[1], channel_ids=[2]).ravel().tolist()
[14, 17, 20, 23]
>>> snip.frame_slice(200, 300).get_frames().tolist()
[50]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import as_id_array, check_in, ext_error
from memphys.ephys._roles import role
from memphys.ephys.base import BaseSegment
from memphys.ephys.baserecordingsnippets import BaseRecordingSnippets
from memphys.errors import ExtractorValueError, MemphysTypeError, ShapeMismatchError

__all__ = [
    "BaseSnippets",
    "BaseSnippetsSegment",
    "NumpySnippets",
    "NumpySnippetsSegment",
    "ChannelSliceSnippets",
    "FrameSliceSnippets",
    "SelectSegmentSnippets",
]


def _index_snippets(data: Any, indices: Any, channel_indices: Any) -> np.ndarray:
    """``data[indices][:, :, channel_indices]`` without pairing the two selections."""
    rows = data if indices is None else data[indices]
    if channel_indices is None or (
        isinstance(channel_indices, slice) and channel_indices == slice(None)
    ):
        return np.asarray(rows)
    return np.asarray(rows[:, :, channel_indices])


class BaseSnippets(BaseRecordingSnippets):
    """Snippets of several channels in segments (see the module docstring).

    Parameters
    ----------
    sampling_frequency : float
    nbefore : int or None
        Samples before the peak (None: snippets not aligned).
    snippet_len : int
        Samples per snippet.
    channel_ids : sequence
    dtype : dtype_like
    """

    _main_properties = ["group", "gain_to_uV", "offset_to_uV"]

    def __init__(
        self,
        sampling_frequency: float,
        nbefore: int | None,
        snippet_len: int,
        channel_ids: Any,
        dtype: Any,
    ) -> None:
        BaseRecordingSnippets.__init__(
            self, sampling_frequency=sampling_frequency, channel_ids=channel_ids, dtype=dtype
        )
        snippet_len = int(snippet_len)
        if nbefore is not None:
            if isinstance(nbefore, bool) or not isinstance(nbefore, int | np.integer):
                raise ext_error("nbefore", "an integer number of samples or None", nbefore)
            if not 0 <= int(nbefore) < max(snippet_len, 1):
                raise ext_error(
                    "nbefore",
                    f"samples before the peak in [0, {snippet_len}) (the snippets have "
                    f"{snippet_len} samples)",
                    nbefore,
                )
            nbefore = int(nbefore)
        self._nbefore = nbefore
        self._snippet_len = snippet_len

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}: {self.get_num_channels()} channels - "
            f"{self.get_num_segments()} "
            f"segments -  {self.get_sampling_frequency() / 1000.0:0.1f}kHz \n snippet_len:"
            f"{self._snippet_len} before peak:{self._nbefore}"
        )

    @property
    def _snippets_segments(self) -> list[Any]:
        return self._segments

    @property
    def nbefore(self) -> int | None:
        return self._nbefore

    @property
    def snippet_len(self) -> int:
        return self._snippet_len

    @property
    def nafter(self) -> int | None:
        return None if self._nbefore is None else self._snippet_len - self._nbefore

    def is_aligned(self) -> bool:
        return self._nbefore is not None

    def add_snippets_segment(self, snippets_segment: BaseSnippetsSegment) -> None:
        """Append a segment."""
        self.add_segment(snippets_segment)

    def get_num_snippets(self, segment_index: int | None = None) -> int:
        """Snippets of a segment."""
        return int(self._segments[self._check_segment_index(segment_index)].get_num_snippets())

    def get_total_snippets(self) -> int:
        """Snippets of all segments."""
        return sum(self.get_num_snippets(s) for s in range(self.get_num_segments()))

    def get_frames(self, indices: Any = None, segment_index: int | None = None) -> np.ndarray:
        """Sample index of each snippet's peak (all, or those at ``indices``)."""
        seg = self._segments[self._check_segment_index(segment_index)]
        return seg.get_frames(indices)

    def get_times(self, segment_index: int | None = None) -> np.ndarray:
        """Times (s) of the snippets' peaks."""
        return self.get_frames(segment_index=segment_index) / self.get_sampling_frequency()

    def get_snippets(
        self,
        indices: Any = None,
        segment_index: int | None = None,
        channel_ids: Any = None,
        return_in_uV: bool = False,
        return_scaled: bool | None = None,
    ) -> np.ndarray:
        """Snippets ``(n, snippet_len, channels)``: all, or those at ``indices``, on the
        given channels; scaled to µV (float32) with ``return_in_uV``.

        Raises
        ------
        memphys.errors.ExtractorValueError
            On unknown channel ids, or ``return_in_uV`` without gains.
        """
        if return_scaled is not None:
            return_in_uV = bool(return_scaled)
        seg = self._segments[self._check_segment_index(segment_index)]
        channel_indices = self.ids_to_indices(channel_ids, prefer_slice=True)
        wfs = seg.get_snippets(indices, channel_indices=channel_indices)
        if return_in_uV:
            if not self.has_scaleable_traces():
                raise ExtractorValueError(
                    "These snippets do not support return_in_uV=True (need gain_to_uV and "
                    "offset_to_uV properties): set them with set_channel_gains() and "
                    "set_channel_offsets()."
                )
            gains = np.asarray(self.get_property("gain_to_uV"))[channel_indices].astype("float32")
            offsets = np.asarray(self.get_property("offset_to_uV"))[channel_indices].astype(
                "float32"
            )
            wfs = wfs.astype("float32") * gains + offsets
        return wfs

    def get_snippets_from_frames(
        self,
        segment_index: int | None = None,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_ids: Any = None,
        return_in_uV: bool = False,
    ) -> np.ndarray:
        """Snippets whose frame is in ``[start_frame, end_frame)``."""
        segment_index = self._check_segment_index(segment_index)
        indices = self._segments[segment_index].frames_to_indices(start_frame, end_frame)
        return self.get_snippets(
            indices, segment_index, channel_ids=channel_ids, return_in_uV=return_in_uV
        )

    # ------------------------------------------------------------------ views
    def select_channels(self, channel_ids: Any) -> BaseSnippets:
        """A lazy view with the given channels, in this order."""
        return ChannelSliceSnippets(self, channel_ids)

    def channel_slice(self, channel_ids: Any, renamed_channel_ids: Any = None) -> BaseSnippets:
        """Older spelling of :meth:`select_channels` (optionally renaming)."""
        return ChannelSliceSnippets(self, channel_ids, renamed_channel_ids=renamed_channel_ids)

    def _remove_channels(self, remove_channel_ids: Any) -> BaseSnippets:
        ids = np.asarray(remove_channel_ids)
        self.ids_to_indices(ids)  # unknown ids: a clear error
        return ChannelSliceSnippets(self, self.channel_ids[~np.isin(self.channel_ids, ids)])

    def frame_slice(self, start_frame: int | None, end_frame: int | None) -> BaseSnippets:
        """A lazy view of the snippets whose frame is in ``[start_frame, end_frame)``
        (one segment only), frames counted from ``start_frame``."""
        return FrameSliceSnippets(self, start_frame, end_frame)

    def _select_segments(self, segment_indices: Any) -> BaseSnippets:
        return SelectSegmentSnippets(self, segment_indices)

    # ------------------------------------------------------------------- save
    def save(self, format: str = "npy", **save_kwargs: Any) -> Any:
        """Save to SpikeInterface's npy snippets folder (``format="npy"``, ``folder=``,
        ``dtype``, ``overwrite``) or to memory (``"memory"``: a :class:`NumpySnippets`)."""
        check_in("format", format, ("npy", "memory"))
        if format == "npy":
            folder = save_kwargs.get("folder")
            if folder is None:
                raise ExtractorValueError(
                    "For the 'npy' format, `folder` must be given (snippets.save(folder=...))."
                )
            return role("snippets.npy_folder").write_snippets(
                self,
                Path(folder),
                dtype=save_kwargs.get("dtype"),
                overwrite=save_kwargs.get("overwrite", False),
            )
        cached = NumpySnippets(
            snippets_list=[
                self.get_snippets(segment_index=s) for s in range(self.get_num_segments())
            ],
            spikesframes_list=[
                np.array(self.get_frames(segment_index=s)) for s in range(self.get_num_segments())
            ],
            sampling_frequency=self.get_sampling_frequency(),
            nbefore=self.nbefore,
            channel_ids=self.channel_ids,
        )
        self.copy_metadata(cached)
        return cached


class BaseSnippetsSegment(BaseSegment):
    """One segment of snippets: frames and cutouts."""

    def get_snippets(self, indices: Any, channel_indices: Any = None) -> np.ndarray:
        raise NotImplementedError

    def get_num_snippets(self) -> int:
        raise NotImplementedError

    def get_frames(self, indices: Any = None) -> np.ndarray:
        raise NotImplementedError

    def frames_to_indices(
        self, start_frame: int | None = None, end_frame: int | None = None
    ) -> slice:
        """The snippets whose frame is in ``[start_frame, end_frame)``, as a slice."""
        frames = self.get_frames()
        a = 0 if start_frame is None else int(np.searchsorted(frames, start_frame, side="left"))
        b = (
            len(frames)
            if end_frame is None
            else int(np.searchsorted(frames, end_frame, side="left"))
        )
        return slice(a, b, 1)


def _check_frames(frames: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(frames)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ext_error(
            name,
            "a 1-D array of integer frames",
            f"an array of dtype {arr.dtype}, shape {arr.shape}",
        )
    if arr.size != n:
        raise ShapeMismatchError(
            f"Invalid value for `{name}`: expected {n} frames (one per snippet), but got "
            f"{arr.size}."
        )
    if arr.size and arr.min() < 0:
        raise ext_error(name, "frames >= 0", int(arr.min()))
    if arr.size > 1 and np.any(arr[1:] < arr[:-1]):
        i = int(np.argmax(arr[1:] < arr[:-1])) + 1
        raise ext_error(
            name,
            "frames in increasing order",
            f"frame {int(arr[i])} at position {i} after {int(arr[i - 1])}",
            "Sort the frames and their snippets together (order = np.argsort(frames, "
            "kind='stable'); frames[order], snippets[order]).",
        )
    return arr


class NumpySnippets(BaseSnippets):
    """Snippets held in memory (arrays referenced, not copied).

    Parameters
    ----------
    snippets_list : array or list of arrays
        ``(num_snippets, snippet_len, num_channels)`` per segment.
    spikesframes_list : array or list of arrays
        The frame of each snippet (sorted), per segment.
    sampling_frequency : float
    nbefore : int, optional
        Samples before the peak (``0 <= nbefore < snippet_len``).
    channel_ids : sequence, optional
        Default ``0 .. num_channels - 1``.

    Raises
    ------
    memphys.errors.ShapeMismatchError
        If frames and snippets differ in number, segments differ in shape, or
        ``channel_ids`` does not match the channel count.
    memphys.errors.ExtractorValueError
        If ``nbefore`` is outside the snippet, or frames are negative or unsorted.
    """

    _si_class_path = "spikeinterface.core.numpyextractors.NumpySnippets"

    def __init__(
        self,
        snippets_list: Any,
        spikesframes_list: Any,
        sampling_frequency: float,
        nbefore: int | None = None,
        channel_ids: Any = None,
    ) -> None:
        snippets_list = (
            list(snippets_list) if isinstance(snippets_list, list | tuple) else [snippets_list]
        )
        spikesframes_list = (
            list(spikesframes_list)
            if isinstance(spikesframes_list, list | tuple)
            else [spikesframes_list]
        )
        if not snippets_list or not all(isinstance(x, np.ndarray) for x in snippets_list):
            raise MemphysTypeError(
                "Invalid type for `snippets_list`: expected a numpy array or a list of numpy "
                "arrays."
            )
        if len(spikesframes_list) != len(snippets_list):
            raise ShapeMismatchError(
                f"Invalid value for `spikesframes_list`: expected one frames array per segment "
                f"({len(snippets_list)}), but got {len(spikesframes_list)}."
            )
        first = snippets_list[0]
        for k, wf in enumerate(snippets_list):
            if wf.ndim != 3:
                raise ext_error(
                    f"snippets_list[{k}]",
                    "a 3-D array (num_snippets, snippet_len, num_channels)",
                    f"shape {wf.shape}",
                )
            if wf.shape[1:] != first.shape[1:] or wf.dtype != first.dtype:
                raise ShapeMismatchError(
                    f"Invalid value for `snippets_list[{k}]`: expected snippets of shape (n, "
                    f"{first.shape[1]}, {first.shape[2]}) and dtype {first.dtype} like segment 0, "
                    f"but got shape {wf.shape} and dtype {wf.dtype}."
                )
        frames = [
            _check_frames(f, wf.shape[0], f"spikesframes_list[{k}]")
            for k, (f, wf) in enumerate(zip(spikesframes_list, snippets_list, strict=True))
        ]
        n_ch = first.shape[2]
        if channel_ids is None:
            channel_ids = np.arange(n_ch)
        ids = as_id_array(channel_ids)
        if ids.size != n_ch:
            raise ShapeMismatchError(
                f"Invalid value for `channel_ids`: expected {n_ch} ids (the snippets have {n_ch} "
                f"channels), but got {ids.size}."
            )
        BaseSnippets.__init__(
            self,
            sampling_frequency,
            nbefore=nbefore,
            snippet_len=first.shape[1],
            channel_ids=ids,
            dtype=first.dtype,
        )
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        for wf, fr in zip(snippets_list, frames, strict=True):
            self.add_snippets_segment(NumpySnippetsSegment(wf, fr))
        self._kwargs = {
            "snippets_list": snippets_list,
            "spikesframes_list": frames,
            "nbefore": nbefore,
            "sampling_frequency": sampling_frequency,
            "channel_ids": channel_ids,
        }


class NumpySnippetsSegment(BaseSnippetsSegment):
    """In-memory (or memory-mapped) snippets and frames of one segment."""

    def __init__(self, snippets: Any, spikesframes: np.ndarray) -> None:
        BaseSnippetsSegment.__init__(self)
        self._snippets = snippets
        self._spikestimes = spikesframes

    def get_snippets(self, indices: Any, channel_indices: Any = None) -> np.ndarray:
        return _index_snippets(self._snippets, indices, channel_indices)

    def get_num_snippets(self) -> int:
        return int(self._spikestimes.shape[0])

    def get_frames(self, indices: Any = None) -> np.ndarray:
        return self._spikestimes if indices is None else self._spikestimes[indices]


class ChannelSliceSnippets(BaseSnippets):
    """A lazy channel selection (and renaming) of snippets; the probe is sliced too."""

    _si_class_path = "spikeinterface.core.channelslice.ChannelSliceSnippets"

    def __init__(
        self,
        parent_snippets: BaseSnippets,
        channel_ids: Any = None,
        renamed_channel_ids: Any = None,
    ) -> None:
        ids = (
            parent_snippets.channel_ids
            if channel_ids is None
            else as_id_array(channel_ids, "channel_ids")
        )
        renamed = (
            ids
            if renamed_channel_ids is None
            else as_id_array(renamed_channel_ids, "renamed_channel_ids")
        )
        if renamed.size != ids.size:
            raise ShapeMismatchError(
                "ChannelSliceSnippets: renamed channel_ids must be the same size: expected "
                f"{ids.size} "
                f"ids, but got {renamed.size}."
            )
        indices = np.asarray(parent_snippets.ids_to_indices(ids), dtype=np.int64)
        BaseSnippets.__init__(
            self,
            parent_snippets.get_sampling_frequency(),
            nbefore=parent_snippets.nbefore,
            snippet_len=parent_snippets.snippet_len,
            channel_ids=renamed,
            dtype=parent_snippets.get_dtype(),
        )
        self._parent_channel_indices = indices
        for seg in parent_snippets.segments:
            self.add_snippets_segment(ChannelSliceSnippetsSegment(seg, indices))
        parent_snippets.copy_metadata(self, only_main=False, ids=ids)
        self._probegroup = None
        if parent_snippets.has_probe() and ids.size:
            pg = parent_snippets.get_probegroup().get_slice(indices)
            pg.set_global_device_channel_indices(np.arange(ids.size))
            groups = parent_snippets.get_property("group")
            self.set_probegroup(pg, check_overlap=False)
            if groups is not None:
                self.set_property("group", np.asarray(groups)[indices])
        self._parent = parent_snippets
        self._kwargs = {
            "parent_snippets": parent_snippets,
            "channel_ids": channel_ids,
            "renamed_channel_ids": renamed_channel_ids,
        }


class ChannelSliceSnippetsSegment(BaseSnippetsSegment):
    def __init__(
        self, parent_segment: BaseSnippetsSegment, parent_channel_indices: np.ndarray
    ) -> None:
        BaseSnippetsSegment.__init__(self)
        self._parent_segment = parent_segment
        self._parent_channel_indices = parent_channel_indices

    def get_snippets(self, indices: Any, channel_indices: Any = None) -> np.ndarray:
        ch = (
            self._parent_channel_indices
            if channel_indices is None
            else self._parent_channel_indices[channel_indices]
        )
        return self._parent_segment.get_snippets(indices, channel_indices=ch)

    def get_num_snippets(self) -> int:
        return self._parent_segment.get_num_snippets()

    def get_frames(self, indices: Any = None) -> np.ndarray:
        return self._parent_segment.get_frames(indices)


class FrameSliceSnippets(BaseSnippets):
    """The snippets of a one-segment object whose frame is in ``[start_frame, end_frame)``,
    frames counted from ``start_frame`` (lazy)."""

    def __init__(
        self,
        parent_snippets: BaseSnippets,
        start_frame: int | None = None,
        end_frame: int | None = None,
    ) -> None:
        if parent_snippets.get_num_segments() != 1:
            raise ExtractorValueError(
                "frame_slice works with one segment only: these snippets have "
                f"{parent_snippets.get_num_segments()} (use select_segments() first)."
            )
        start = 0 if start_frame is None else int(start_frame)
        if start < 0 or (end_frame is not None and int(end_frame) < start):
            raise ExtractorValueError(
                f"Invalid frames: expected 0 <= start_frame <= end_frame, but got start_frame="
                f"{start_frame}, end_frame={end_frame}."
            )
        BaseSnippets.__init__(
            self,
            parent_snippets.get_sampling_frequency(),
            nbefore=parent_snippets.nbefore,
            snippet_len=parent_snippets.snippet_len,
            channel_ids=parent_snippets.channel_ids,
            dtype=parent_snippets.get_dtype(),
        )
        parent_seg = parent_snippets.segments[0]
        sl = parent_seg.frames_to_indices(start, end_frame)
        self.add_snippets_segment(_RangeSnippetsSegment(parent_seg, sl.start, sl.stop, start))
        parent_snippets.copy_metadata(self)
        self._parent = parent_snippets
        self._kwargs = {
            "parent_snippets": parent_snippets,
            "start_frame": start_frame,
            "end_frame": end_frame,
        }


class _RangeSnippetsSegment(BaseSnippetsSegment):
    """Snippets ``[a, b)`` of a parent segment, frames shifted by ``-offset``."""

    def __init__(self, parent: BaseSnippetsSegment, a: int, b: int, offset: int) -> None:
        BaseSnippetsSegment.__init__(self)
        self._parent_segment = parent
        self._a, self._b, self._offset = int(a), int(b), int(offset)

    def _parent_indices(self, indices: Any) -> Any:
        if indices is None:
            return slice(self._a, self._b)
        if isinstance(indices, slice):
            start, stop, step = indices.indices(self._b - self._a)
            return slice(self._a + start, self._a + stop, step)
        idx = np.asarray(indices)
        n = self._b - self._a
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ext_error("indices", f"snippet indices in [0, {n})", indices)
        return self._a + np.where(idx < 0, idx + n, idx)

    def get_snippets(self, indices: Any, channel_indices: Any = None) -> np.ndarray:
        return self._parent_segment.get_snippets(self._parent_indices(indices), channel_indices)

    def get_num_snippets(self) -> int:
        return self._b - self._a

    def get_frames(self, indices: Any = None) -> np.ndarray:
        return (
            np.asarray(self._parent_segment.get_frames(self._parent_indices(indices)))
            - self._offset
        )


class SelectSegmentSnippets(BaseSnippets):
    """Some segments of a snippets object (lazy)."""

    def __init__(self, snippets: BaseSnippets, segment_indices: Any) -> None:
        if isinstance(segment_indices, int | np.integer):
            segment_indices = [int(segment_indices)]
        n = snippets.get_num_segments()
        if not isinstance(segment_indices, list | tuple | np.ndarray) or not all(
            isinstance(s, int | np.integer) and 0 <= s < n for s in segment_indices
        ):
            raise ext_error(
                "segment_indices", f"segment indices between 0 and {n - 1}", segment_indices
            )
        BaseSnippets.__init__(
            self,
            snippets.get_sampling_frequency(),
            nbefore=snippets.nbefore,
            snippet_len=snippets.snippet_len,
            channel_ids=snippets.channel_ids,
            dtype=snippets.get_dtype(),
        )
        for s in segment_indices:
            seg = snippets.segments[int(s)]
            self.add_snippets_segment(_RangeSnippetsSegment(seg, 0, seg.get_num_snippets(), 0))
        snippets.copy_metadata(self)
        self._parent = snippets
        self._kwargs = {"snippets": snippets, "segment_indices": [int(s) for s in segment_indices]}
