"""Time units: seconds internally, ``"s"``, ``"ms"`` and ``"us"`` at the API, as pynapple.

Examples
--------
>>> from memphys.core.time_units import to_seconds, from_seconds
>>> to_seconds(1500, "ms")
1.5
>>> from_seconds(np.array([0.5, 1.0]), "us")
array([ 500000., 1000000.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import check_option
from memphys.config import TIME_UNITS, get_config

__all__ = ["TIME_UNITS", "check_time_units", "to_seconds", "from_seconds", "unit_factor"]

_FACTORS = {"s": 1.0, "ms": 1e3, "us": 1e6}


def check_time_units(time_units: str | None) -> str:
    """Return ``time_units`` (or the configured default when None) after checking it."""
    if time_units is None:
        return str(get_config("time_units"))
    return check_option("time_units", time_units, TIME_UNITS)


def unit_factor(time_units: str | None) -> float:
    """Number of ``time_units`` in one second (1, 1e3 or 1e6)."""
    return _FACTORS[check_time_units(time_units)]


def to_seconds(values: Any, time_units: str | None = "s") -> Any:
    """Convert ``values`` (scalar or array) from ``time_units`` to seconds (float64).

    Seconds are returned unchanged when already float64 (no copy).
    """
    f = unit_factor(time_units)
    if np.isscalar(values):
        return float(values) / f  # type: ignore[arg-type]
    arr = np.asarray(values, dtype=np.float64)
    return arr if f == 1.0 else arr / f


def from_seconds(values: Any, time_units: str | None = "s") -> Any:
    """Convert ``values`` from seconds to ``time_units``."""
    f = unit_factor(time_units)
    if np.isscalar(values):
        return float(values) * f  # type: ignore[arg-type]
    arr = np.asarray(values, dtype=np.float64)
    return arr if f == 1.0 else arr * f
