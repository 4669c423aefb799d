"""Assertions for tests: two sortings are equal (SpikeInterface's ``check_sortings_equal``).

>>> import memphys.ephys as si
>>> s = si.generate_sorting(num_units=3, durations=[1.0], seed=0)
>>> check_sortings_equal(s, s.to_numpy_sorting(), check_annotations=True, check_properties=True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_array_equal

__all__ = ["check_sortings_equal"]


def _annotations_equal(a: Any, b: Any) -> None:
    assert sorted(a.get_annotation_keys()) == sorted(b.get_annotation_keys())
    for key in a.get_annotation_keys():
        x, y = a.get_annotation(key), b.get_annotation(key)
        assert x == y if isinstance(x, dict) else np.array_equal(x, y)


def _properties_equal(a: Any, b: Any) -> None:
    assert sorted(a.get_property_keys()) == sorted(b.get_property_keys())
    for key in a.get_property_keys():
        x, y = np.asarray(a.get_property(key)), np.asarray(b.get_property(key))
        if x.dtype.kind == "f":
            assert np.allclose(x, y, equal_nan=True)
        else:
            assert np.array_equal(x, y)


def _slice(spikes: np.ndarray, start: Any, end: Any) -> np.ndarray:
    keep = np.ones(spikes.size, dtype=bool)
    if start is not None:
        keep &= spikes["sample_index"] >= start
    if end is not None:
        keep &= spikes["sample_index"] < end
    return spikes[keep]


def check_sortings_equal(
    SX1: Any,
    SX2: Any,
    check_annotations: bool = False,
    check_properties: bool = False,
    check_exact_lexsort: bool = True,
) -> None:
    """Assert the same segments and spike vectors (exactly, or up to the order of spikes
    at one sample with ``check_exact_lexsort=False``), the same spikes in frame ranges,
    and optionally the same annotations and properties."""
    assert SX1.get_num_segments() == SX2.get_num_segments()
    s1, s2 = SX1.to_spike_vector(), SX2.to_spike_vector()
    if not check_exact_lexsort:
        s1 = s1[np.lexsort((s1["unit_index"], s1["sample_index"], s1["segment_index"]))]
        s2 = s2[np.lexsort((s2["unit_index"], s2["sample_index"], s2["segment_index"]))]
    assert_array_equal(s1, s2)
    top = int(s1["sample_index"].max()) if s1.size else 0
    for start, end in ((None, None), (30, None), (None, top - 30), (30, top - 30)):
        assert np.array_equal(_slice(s1, start, end), _slice(s2, start, end))
    if check_annotations:
        _annotations_equal(SX1, SX2)
    if check_properties:
        _properties_equal(SX1, SX2)
