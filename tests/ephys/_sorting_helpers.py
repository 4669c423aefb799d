"""Helpers shared by the sorting, event and snippets tests.

Recordings (``NumpyRecording``, ``generate_recording``, ``NoiseGeneratorRecording``) come
from issue 12's modules; tests that need one call :func:`recordings`, which skips with a
clear reason when those modules are absent (a branch without them).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest


def recordings() -> ModuleType:
    """``memphys.ephys`` once the recording modules exist; skip otherwise."""
    pytest.importorskip(
        "memphys.ephys.numpyextractors", reason="needs the recordings of issue 12 (numpyextractors)"
    )
    pytest.importorskip(
        "memphys.ephys.recording_generators", reason="needs issue 12's recording generators"
    )
    import memphys.ephys as si

    return si


def reference_vector(samples_list, labels_list, unit_ids):
    """The spike vector by plain numpy: keep known labels, sort by (sample, unit)."""
    from memphys.ephys.sorting_tools import SPIKE_DTYPE

    pieces = []
    ids = list(np.asarray(unit_ids).tolist())
    for seg, (s, lab) in enumerate(zip(samples_list, labels_list, strict=True)):
        s = np.asarray(s, dtype=np.int64)
        lab = np.asarray(lab)
        units = np.array([ids.index(x) if x in ids else -1 for x in lab.tolist()], dtype=np.int64)
        keep = units >= 0
        s, units = s[keep], units[keep]
        order = np.lexsort((units, s))
        piece = np.zeros(s.size, dtype=SPIKE_DTYPE)
        piece["sample_index"] = s[order]
        piece["unit_index"] = units[order]
        piece["segment_index"] = seg
        pieces.append(piece)
    return np.concatenate(pieces)


def shared_data():
    """The shared real-data folder (``shared/data`` next to a parent of this checkout)."""
    import os
    from pathlib import Path

    env = os.environ.get("MEMPHYS_SHARED_DATA")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[3] / "shared" / "data"
