"""Template generators: shapes, peaks, parameters, unit locations."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.errors import ExtractorValueError


def test_single_waveform_peaks_at_nbefore():
    wf = si.generate_single_fake_waveform(sampling_frequency=30000.0, ms_before=1.0, ms_after=3.0)
    assert wf.shape == (120,)
    assert int(np.argmin(wf)) == 30
    assert wf.min() == pytest.approx(-1.0, abs=1e-6)
    with pytest.raises(ExtractorValueError, match="ms_after"):
        si.generate_single_fake_waveform(sampling_frequency=30000.0, ms_after=0.5)


@pytest.mark.parametrize(("profile", "mode"), [("exponential", "ellipsoid"), ("power", "sphere")])
def test_templates_shapes_and_spatial_decay(profile, mode):
    channels = si.generate_channel_locations(12, 1, 20.0)
    units = si.generate_unit_locations(5, channels, margin_um=15.0, seed=0)
    t = si.generate_templates(
        channels, units, 30000.0, 1.0, 3.0, seed=42, spatial_profile=profile, mode=mode
    )
    assert t.shape == (5, 120, 12)
    assert t.dtype == np.float32
    amp = np.abs(t).max(axis=1)
    nearest = np.argmin(np.abs(channels[:, 1][None, :] - units[:, 1][:, None]), axis=1)
    assert np.all(np.abs(np.argmax(amp, axis=1) - nearest) <= 2)
    up = si.generate_templates(channels, units, 30000.0, 1.0, 3.0, seed=42, upsample_factor=3)
    assert up.shape == (5, 120, 12, 3)
    fixed = si.generate_templates(
        channels, units, 30000.0, 1.0, 3.0, seed=1, unit_params=dict(alpha=np.full(5, 500.0))
    )
    assert np.all(np.abs(fixed).max(axis=(1, 2)) < 500.0)  # alpha * a decay below 1
    with pytest.raises(ExtractorValueError, match="unit_params"):
        si.generate_templates(channels, units, 30000.0, 1.0, 3.0, unit_params=dict(nope=1))
    with pytest.raises(ExtractorValueError, match="num_units, 3"):
        si.generate_templates(channels, units[:, :2], 30000.0, 1.0, 3.0)


def test_unit_locations_apart_and_strict():
    channels = si.generate_channel_locations(40, 2, 20.0)
    loc = si.generate_unit_locations(30, channels, minimum_distance=20.0, max_iteration=500, seed=0)
    d = np.linalg.norm(loc[:, None] - loc[None, :], axis=2)
    assert d[np.triu_indices(30, 1)].min() > 20.0
    with pytest.raises(ExtractorValueError, match="no solution"):
        si.generate_unit_locations(
            200,
            channels[:4],
            margin_um=1.0,
            minimum_distance=50.0,
            max_iteration=2,
            distance_strict=True,
            seed=0,
        )
    with pytest.warns(UserWarning, match="no solution"):
        si.generate_unit_locations(
            200, channels[:4], margin_um=1.0, minimum_distance=50.0, max_iteration=2, seed=0
        )
    multi = si.generate_unit_locations(
        50, channels, distribution="multimodal", minimum_distance=None, seed=0
    )
    assert multi.shape == (50, 3)
