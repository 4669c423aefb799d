"""The time-series classes, under pynapple's module path (``nap.core.time_series``).

Re-exports only: the classes live in :mod:`memphys.core.ts`, :mod:`memphys.core.tsd`,
:mod:`memphys.core.tsd_frame` and :mod:`memphys.core.tsd_tensor`.

Examples
--------
>>> from memphys.core.time_series import Ts, Tsd, TsdFrame, TsdTensor
>>> Tsd.__module__
'memphys.core.tsd'
"""

from __future__ import annotations

from memphys.core._base_tsd import _BaseTsd
from memphys.core.base_class import _Base, _initialize_tsd_output, is_array_like
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.core.ts import Ts
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.core.tsd_tensor import TsdTensor

__all__ = [
    "IntervalSet",
    "Ts",
    "Tsd",
    "TsdFrame",
    "TsdTensor",
    "TsIndex",
    "_Base",
    "_BaseTsd",
    "_initialize_tsd_output",
    "is_array_like",
]
