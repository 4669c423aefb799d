"""pynapple's module path ``pynapple.io.interface_nwb``.

NWB reading lives in :mod:`memphys.io.nwb`; this module gives pynapple's path to the same
objects: :class:`NWBFile`, and the helpers pynapple's tests and some user code call
(``_make_tsd_frame``, ``_get_unique_identifier``, ...).

Examples
--------
>>> import memphys as nap
>>> nap.io.interface_nwb.NWBFile is nap.NWBFile
True
>>> nap.io.interface_nwb._get_unique_identifier({"/a/b/c": "c", "/a/e/c": "c"})
{'/a/b/c': 'b/c', '/a/e/c': 'e/c'}
"""

from __future__ import annotations

from memphys.io.nwb._build import (
    make_interval_set as _make_interval_set,
)
from memphys.io.nwb._build import (
    make_ts as _make_ts,
)
from memphys.io.nwb._build import (
    make_tsd as _make_tsd,
)
from memphys.io.nwb._build import (
    make_tsd_frame as _make_tsd_frame,
)
from memphys.io.nwb._build import (
    make_tsd_tensor as _make_tsd_tensor,
)
from memphys.io.nwb._build import (
    make_tsgroup as _make_tsgroup,
)
from memphys.io.nwb.read import NWBFile
from memphys.io.nwb.read import unique_keys as _get_unique_identifier

__all__ = [
    "NWBFile",
    "_get_unique_identifier",
    "_make_interval_set",
    "_make_ts",
    "_make_tsd",
    "_make_tsd_frame",
    "_make_tsd_tensor",
    "_make_tsgroup",
]
