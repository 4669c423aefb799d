"""The data model: time index, IntervalSet and the time-series objects.

``core`` imports no file-format library.
"""

from memphys.core import (  # config and metadata_class: pynapple's module paths
    config,
    interval_set,
    metadata_class,
    time_index,
    time_series,
    time_units,
)
from memphys.core.config import nap_config
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
    "config",
    "interval_set",
    "metadata_class",
    "nap_config",
    "sort_by_time",
    "time_index",
    "time_series",
    "time_units",
]
