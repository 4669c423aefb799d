"""The data model: time index, IntervalSet and (later) the time-series objects.

``core`` imports no file-format library.
"""

from memphys.core import interval_set, time_index, time_units
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import (
    ExplicitTimeIndex,
    RegularTimeIndex,
    TimeIndex,
    TsIndex,
    sort_by_time,
)

__all__ = [
    "ExplicitTimeIndex",
    "IntervalSet",
    "RegularTimeIndex",
    "TimeIndex",
    "TsIndex",
    "interval_set",
    "sort_by_time",
    "time_index",
    "time_units",
]
