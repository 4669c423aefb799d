"""Small helpers shared by the core modules (and kept at pynapple's module path).

Examples
--------
>>> import numpy as np
>>> is_array_like(np.zeros(3))
True
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from memphys.config import nap_config

__all__ = ["is_array_like", "get_backend", "terminal_size", "_get_terminal_size"]


def get_backend() -> str:
    """The compute backend, as pynapple reports it (memphys has one: numpy + its engine)."""
    return nap_config.backend


def terminal_size() -> tuple[int, int]:
    """``(columns, rows)`` of the terminal (shutil's fallback when there is none)."""
    try:
        size = os.get_terminal_size()
    except (OSError, ValueError):
        size = shutil.get_terminal_size()
    return int(size[0]), int(size[1])


#: pynapple's name for :func:`terminal_size` (its repr tests call it).
_get_terminal_size = terminal_size


def is_array_like(obj: Any) -> bool:
    """True if ``obj`` has ``shape``, ``dtype`` and ``ndim``, is indexable and iterable.

    pynapple's test for objects it accepts as data (numpy arrays, zarr arrays, h5py
    datasets, dask arrays, ...). Indexing probes ``obj[0]`` (one row of a lazy source).

    Examples
    --------
    >>> import numpy as np
    >>> is_array_like(np.zeros(3)), is_array_like([1, 2]), is_array_like("abc")
    (True, False, False)
    """
    if not (hasattr(obj, "shape") and hasattr(obj, "dtype") and hasattr(obj, "ndim")):
        return False
    try:
        obj[0]
        indexable = True
    except Exception:
        try:
            indexable = len(obj) == 0
        except Exception:
            indexable = False
    try:
        iter(obj)
        iterable = True
    except Exception:
        iterable = False
    return indexable and iterable
