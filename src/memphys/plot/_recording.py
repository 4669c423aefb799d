"""A :mod:`memphys.ephys` recording segment seen as a lazy TsdFrame (for the analyses of
the time-series face): its traces stay where they are and are read block by block through
``recording.traces_array`` (scaled to µV per block when asked).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=3, durations=[2.0], seed=0)
>>> x = recording_as_series(rec)
>>> type(x).__name__, x.shape, x.columns.tolist()
('TsdFrame', (60000, 3), ['0', '1', '2'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import value_error

__all__ = ["is_recording", "recording_as_series", "segment_of"]


def is_recording(obj: Any) -> bool:
    """A SpikeInterface-style recording (``get_traces`` and segments)."""
    return hasattr(obj, "get_traces") and hasattr(obj, "get_num_segments")


def segment_of(rec: Any, segment_index: int | None) -> int:
    """``segment_index`` checked, or 0 for a recording with one segment."""
    n_seg = int(rec.get_num_segments())
    if segment_index is None:
        if n_seg > 1:
            raise value_error(
                "segment_index", f"one of 0 .. {n_seg - 1} (the recording has {n_seg})", None
            )
        return 0
    if not 0 <= int(segment_index) < n_seg:
        raise value_error("segment_index", f"one of 0 .. {n_seg - 1}", segment_index)
    return int(segment_index)


def recording_as_series(
    rec: Any, segment_index: int | None = None, return_in_uV: bool | None = None
) -> Any:
    """One segment of ``rec`` as a lazy ``TsdFrame`` (columns: the channel ids).

    ``return_in_uV`` (default: when the recording has gains) scales each block to µV as
    it is read.
    """
    from memphys.core.tsd_frame import TsdFrame

    seg = segment_of(rec, segment_index)
    scaled = rec.has_scaleable_traces() if return_in_uV is None else bool(return_in_uV)
    array = rec.traces_array(segment_index=seg, return_in_uV=scaled)
    columns = np.asarray(rec.channel_ids)
    if rec.has_time_vector(segment_index=seg):
        t = np.asarray(rec.get_times(segment_index=seg))
        return TsdFrame(t=t, d=array, columns=columns)
    return TsdFrame(
        d=array,
        rate=float(rec.get_sampling_frequency()),
        start=float(rec.get_start_time(segment_index=seg)),
        columns=columns,
    )
