"""plot_unit_templates / plot_unit_waveforms / plot_sparsity on a fake analyzer with known
templates (``conftest.FakeAnalyzer``: SpikeInterface 0.105's public analyzer API only):
each channel's line is the template at that channel's location, scaled; only a unit's
sparse channels are drawn; one waveform segment per (spike, channel)."""

from __future__ import annotations

import numpy as np
import pytest

from memphys.errors import MemphysValueError
from memphys.plot import plot_sparsity, plot_unit_templates, plot_unit_waveforms


def test_templates_are_drawn_at_channel_locations(fake_analyzer):
    a = fake_analyzer
    out = plot_unit_templates(a)
    assert len(out["axes"]) == 4
    t = (np.arange(90) - 30) * out["x_scale"]
    for u_idx, u in enumerate(a.unit_ids):
        chans = out["channel_indices"][u]
        np.testing.assert_array_equal(chans, np.flatnonzero(a.sparsity.mask[u_idx]))
        assert len(out["lines"][u]) == 4
        for line, ch in zip(out["lines"][u], chans, strict=True):
            x0, y0 = a.locations[ch]
            np.testing.assert_allclose(line.get_xdata(), x0 + t)
            np.testing.assert_allclose(
                line.get_ydata(), y0 + a.average[u_idx, :, ch] * out["y_scale"]
            )
    # the largest peak spans 1.8 vertical pitches (20 µm)
    peak = max(np.abs(a.average[u][:, a.sparsity.mask[u]]).max() for u in range(4))
    assert peak * out["y_scale"] == pytest.approx(0.9 * 2 * 20.0)
    assert out["nbefore"] == 30


def test_dense_analyzer_draws_every_channel_and_one_axes_overlays(dense_fake_analyzer):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = plot_unit_templates(dense_fake_analyzer, unit_ids=["b", "d"], ax=ax, y_scale=0.5)
    assert all(len(v) == 8 for v in out["lines"].values())
    assert len(ax.lines) == 16
    assert out["y_scale"] == 0.5
    assert out["lines"]["b"][0].get_color() != out["lines"]["d"][0].get_color()


def test_waveforms_one_segment_per_spike_and_channel(fake_analyzer):
    out = plot_unit_waveforms(fake_analyzer, max_spikes=25)
    for u_idx, u in enumerate(fake_analyzer.unit_ids):
        n_spikes = min(20 + 10 * u_idx, 25)
        assert out["n_spikes"][u] == n_spikes
        segs = out["waveforms"][u].get_segments()
        assert len(segs) == n_spikes * 4
        wf = fake_analyzer.get_extension("waveforms").get_waveforms_one_unit(u)
        drawn = segs[0][:, 1] - fake_analyzer.locations[out["channel_indices"][u][0], 1]
        assert any(
            np.allclose(drawn, wf[s, :, 0] * out["y_scale"]) for s in range(len(wf))
        )  # the first segment is one of the unit's waveforms on its first channel
        assert len(out["lines"][u]) == 4  # the template overlay


def test_sparsity_map_is_the_mask(fake_analyzer, dense_fake_analyzer):
    out = plot_sparsity(fake_analyzer)
    np.testing.assert_array_equal(np.asarray(out["image"].get_array()), fake_analyzer.sparsity.mask)
    assert [t.get_text() for t in out["ax"].get_yticklabels()] == ["a", "b", "c", "d"]
    dense = plot_sparsity(dense_fake_analyzer, unit_ids=["c"])
    assert np.asarray(dense["image"].get_array()).tolist() == [[1.0] * 8]
    direct = plot_sparsity(fake_analyzer.sparsity)
    np.testing.assert_array_equal(direct["mask"], fake_analyzer.sparsity.mask)


def test_missing_extension_and_units_are_clear_errors(fake_analyzer):
    fake_analyzer._ext.pop("templates")
    with pytest.raises(MemphysValueError, match=r"compute\(\"templates\"\)"):
        plot_unit_templates(fake_analyzer)
    with pytest.raises(MemphysValueError, match="unit_ids"):
        plot_unit_waveforms(fake_analyzer, unit_ids=["zz"])
