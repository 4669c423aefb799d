"""The data model: time index, IntervalSet and the time-series objects.

``core`` imports no file-format library.
"""

from memphys.core import interval_set, time_index, time_series, time_units
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import (
    ExplicitTimeIndex,
    RegularTimeIndex,
    TimeIndex,
    TsIndex,
    sort_by_time,
)
from memphys.core.time_series import Ts, Tsd, TsdFrame, TsdTensor
from memphys.core.ts_group import TsGroup

__all__ = [
    "ExplicitTimeIndex",
    "IntervalSet",
    "RegularTimeIndex",
    "TimeIndex",
    "Ts",
    "Tsd",
    "TsdFrame",
    "TsdTensor",
    "TsGroup",
    "TsIndex",
    "interval_set",
    "sort_by_time",
    "time_index",
    "time_series",
    "time_units",
]
