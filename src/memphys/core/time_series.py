"""The time-series classes, under pynapple's module path (``nap.core.time_series``).

The classes are defined in :mod:`memphys.core.ts`, :mod:`memphys.core.tsd`,
:mod:`memphys.core.tsd_frame` and :mod:`memphys.core.tsd_tensor`; their public path (their
``__module__``, shown in reprs and messages such as numpy's "no implementation found for
... [<class '...Tsd'>]", and used by pickle) is this module's, as in pynapple.

Examples
--------
>>> from memphys.core.time_series import Ts, Tsd, TsdFrame, TsdTensor
>>> Tsd
<class 'memphys.core.time_series.Tsd'>
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

for _cls in (Ts, Tsd, TsdFrame, TsdTensor):
    _cls.__module__ = __name__

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
