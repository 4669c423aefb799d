"""Assertions for tests: two recordings (or any extractors' metadata) are equal.

>>> import memphys.ephys as si
>>> rec = si.generate_recording(durations=[1.0], seed=0)
>>> check_recordings_equal(rec, rec.clone(), check_annotations=True, check_properties=True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_array_equal

from memphys.ephys.sorting_testing import check_sortings_equal

__all__ = [
    "check_recordings_equal",
    "check_extractor_annotations_equal",
    "check_extractor_properties_equal",
    "check_sorted_arrays_equal",
    "check_sortings_equal",
]


def check_sorted_arrays_equal(a1: Any, a2: Any) -> None:
    """Equal once sorted."""
    assert_array_equal(np.sort(np.array(a1)), np.sort(np.array(a2)))


def check_recordings_equal(
    RX1: Any,
    RX2: Any,
    return_in_uV: bool = True,
    force_dtype: Any = None,
    check_annotations: bool = False,
    check_properties: bool = False,
    return_scaled: bool | None = None,
) -> None:
    """Assert equal segments, channels, sampling frequency and traces (all channels, and
    the first and last), and optionally annotations and properties."""
    if return_scaled is not None:
        return_in_uV = return_scaled
    assert RX1.get_num_segments() == RX2.get_num_segments()
    assert np.array_equal(RX1.get_channel_ids(), RX2.get_channel_ids())
    assert RX1.get_num_channels() == RX2.get_num_channels()
    assert np.isclose(RX1.get_sampling_frequency(), RX2.get_sampling_frequency())
    ids = RX1.get_channel_ids()
    pick = [ids[0], ids[-1]] if len(ids) > 1 else [ids[0]]
    for s in range(RX1.get_num_segments()):
        assert RX1.get_num_samples(s) == RX2.get_num_samples(s)
        for kw in ({}, {"channel_ids": pick}):
            t1 = RX1.get_traces(segment_index=s, return_in_uV=return_in_uV, **kw)
            t2 = RX2.get_traces(segment_index=s, return_in_uV=return_in_uV, **kw)
            if force_dtype is not None:
                t1, t2 = t1.astype(force_dtype), t2.astype(force_dtype)
            assert np.allclose(t1, t2)
    if check_annotations:
        check_extractor_annotations_equal(RX1, RX2)
    if check_properties:
        check_extractor_properties_equal(RX1, RX2)


def check_extractor_annotations_equal(EX1: Any, EX2: Any) -> None:
    """Same annotation keys and values."""
    assert np.array_equal(sorted(EX1.get_annotation_keys()), sorted(EX2.get_annotation_keys()))
    for key in EX1.get_annotation_keys():
        a, b = EX1.get_annotation(key), EX2.get_annotation(key)
        if isinstance(a, dict):
            assert a == b
        else:
            assert np.array_equal(a, b)


def check_extractor_properties_equal(EX1: Any, EX2: Any) -> None:
    """Same property keys and values (NaNs equal)."""
    assert np.array_equal(sorted(EX1.get_property_keys()), sorted(EX2.get_property_keys()))
    for key in EX1.get_property_keys():
        a, b = np.asarray(EX1.get_property(key)), np.asarray(EX2.get_property(key))
        if a.dtype.kind == "f":
            assert np.allclose(a, b, equal_nan=True)
        else:
            assert np.array_equal(a, b)
