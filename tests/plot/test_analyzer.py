"""plot_unit_templates / plot_unit_waveforms / plot_sparsity on real ``memphys.ephys``
sorting analyzers built from a generated ground-truth recording (16 channels on a
2-column probe, pitch 20 µm; sparsity: channels within 50 µm).

What is checked is what is drawn: each unit's lines are exactly its sparse channels,
each line is the analyzer's template on that channel at the channel's location (and the
mean of the unit's extracted waveforms there), the shaded band is ±1 std, the waveform
collections hold one segment per (spike, channel) and every segment is one of the unit's
waveforms, the sparsity map is the analyzer's mask."""

from __future__ import annotations

import numpy as np
import pytest
from tests.plot._helpers import fill_between_bounds

import memphys.ephys as si
from memphys.errors import MemphysValueError
from memphys.plot import plot_sparsity, plot_unit_templates, plot_unit_waveforms

FS = 25_000.0


def _recording():
    return si.generate_ground_truth_recording(
        durations=[6.0], sampling_frequency=FS, num_channels=16, num_units=5, seed=7
    )


@pytest.fixture(scope="module")
def sparse_analyzer():
    rec, sorting = _recording()
    an = si.create_sorting_analyzer(
        sorting, rec, sparse=True, format="memory", sparsity_kwargs={"radius_um": 50.0}
    )
    an.compute(["random_spikes", "waveforms", "templates"], progress_bar=False)
    return an


@pytest.fixture(scope="module")
def dense_analyzer():
    rec, sorting = _recording()
    an = si.create_sorting_analyzer(sorting, rec, sparse=False, format="memory")
    an.compute(["random_spikes", "templates"], progress_bar=False)
    return an


def test_fixture_is_sparse_on_a_two_column_probe(sparse_analyzer):
    a = sparse_analyzer
    mask = a.sparsity.mask
    assert mask.shape == (5, 16)
    assert (mask.sum(axis=1) > 0).all()
    assert (mask.sum(axis=1) <= 10).all()  # really sparse
    assert sorted(set(a.get_channel_locations()[:, 0])) == [0.0, 20.0]


def test_templates_drawn_are_the_analyzers_on_the_units_sparse_channels(sparse_analyzer):
    a = sparse_analyzer
    ext = a.get_extension("templates")
    average = ext.get_data(operator="average")
    waveforms = a.get_extension("waveforms")
    locs = a.get_channel_locations()
    out = plot_unit_templates(a)
    assert len(out["axes"]) == 5
    assert out["nbefore"] == ext.nbefore == round(1.0 * FS / 1000)
    t = (np.arange(average.shape[1]) - ext.nbefore) * out["x_scale"]
    for k, u in enumerate(a.unit_ids):
        chans = out["channel_indices"][u]
        np.testing.assert_array_equal(chans, np.flatnonzero(a.sparsity.mask[k]))
        assert len(out["lines"][u]) == len(chans)
        mean_wf = waveforms.get_waveforms_one_unit(u).mean(axis=0)  # (samples, sparse chans)
        for j, (line, ch) in enumerate(zip(out["lines"][u], chans, strict=True)):
            x0, y0 = locs[ch]
            np.testing.assert_allclose(line.get_xdata(), x0 + t)
            drawn = (np.asarray(line.get_ydata()) - y0) / out["y_scale"]
            np.testing.assert_allclose(drawn, average[k, :, ch], rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(drawn, mean_wf[:, j], rtol=1e-4, atol=1e-3)
        assert line.axes is out["axes"][k]  # one unit per axes
    # the largest drawn peak spans 1.8 vertical pitches (20 µm)
    peak = max(np.abs(average[k][:, a.sparsity.mask[k]]).max() for k in range(5))
    assert peak * out["y_scale"] == pytest.approx(0.9 * 2 * 20.0)
    # the scale bar: a round amplitude near half that peak, drawn at the same scale
    bar, label = out["scalebar"]
    amplitude = float(label.get_text().removesuffix(" µV"))
    assert peak / 5 < amplitude <= peak / 2
    assert np.ptp(bar.get_ydata()) == pytest.approx(amplitude * out["y_scale"])
    # a grid shares its depth axis: every unit at the same depths
    assert len({ax.get_ylim() for ax in out["axes"]}) == 1


def test_std_band_is_the_template_plus_minus_its_std(sparse_analyzer):
    a = sparse_analyzer
    ext = a.get_extension("templates")
    average, std = ext.get_data(operator="average"), ext.get_data(operator="std")
    u = a.unit_ids[2]
    out = plot_unit_templates(a, unit_ids=[u])
    ax = out["axes"][0]
    chans = out["channel_indices"][u]
    assert len(ax.collections) == len(chans)  # one band per drawn channel
    y0s = a.get_channel_locations()[chans, 1]
    for coll, ch, y0 in zip(ax.collections, chans, y0s, strict=True):
        _, low, high = fill_between_bounds(coll)
        np.testing.assert_allclose((low - y0) / out["y_scale"], average[2, :, ch] - std[2, :, ch])
        np.testing.assert_allclose((high - y0) / out["y_scale"], average[2, :, ch] + std[2, :, ch])
    bare = plot_unit_templates(a, unit_ids=[u], shade_std=False)
    assert len(bare["axes"][0].collections) == 0


def test_dense_analyzer_draws_every_channel_and_one_axes_overlays(dense_analyzer):
    import matplotlib.pyplot as plt

    a = dense_analyzer
    assert a.sparsity is None
    _, ax = plt.subplots()
    units = [a.unit_ids[1], a.unit_ids[3]]
    out = plot_unit_templates(a, unit_ids=units, ax=ax, y_scale=0.5)
    assert all(len(out["lines"][u]) == 16 for u in units)
    assert len(ax.lines) == 32 + 1  # and the scale bar
    assert out["scalebar"][0] in ax.lines
    assert out["y_scale"] == 0.5
    assert out["lines"][units[0]][0].get_color() != out["lines"][units[1]][0].get_color()
    average = a.get_extension("templates").get_data()
    y0 = a.get_channel_locations()[15, 1]
    np.testing.assert_allclose(
        (np.asarray(out["lines"][units[1]][15].get_ydata()) - y0) / 0.5, average[3, :, 15],
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip


def test_waveforms_one_segment_per_spike_and_channel(sparse_analyzer):
    a = sparse_analyzer
    ext = a.get_extension("waveforms")
    locs = a.get_channel_locations()
    out = plot_unit_waveforms(a, max_spikes=12, seed=3)
    for k, u in enumerate(a.unit_ids):
        wf = ext.get_waveforms_one_unit(u)
        chans = out["channel_indices"][u]
        np.testing.assert_array_equal(chans, np.flatnonzero(a.sparsity.mask[k]))
        n = min(12, len(wf))
        assert out["n_spikes"][u] == n
        segs = out["waveforms"][u].get_segments()
        assert len(segs) == n * len(chans)
        for s in range(0, n, 5):  # segments are spike-major, channel-minor
            first = (segs[s * len(chans)][:, 1] - locs[chans[0], 1]) / out["y_scale"]
            matches = [i for i in range(len(wf)) if np.allclose(first, wf[i, :, 0], atol=1e-4)]
            assert matches, f"unit {u}: segment {s} is none of its waveforms"
            last = (segs[s * len(chans) + len(chans) - 1][:, 1] - locs[chans[-1], 1]) / out[
                "y_scale"
            ]
            np.testing.assert_allclose(last, wf[matches[0], :, -1], atol=1e-4)
        assert len(out["lines"][u]) == len(chans)  # the template overlay


def test_all_waveforms_are_drawn_when_fewer_than_max_spikes(sparse_analyzer):
    a = sparse_analyzer
    u = a.unit_ids[0]
    wf = a.get_extension("waveforms").get_waveforms_one_unit(u)
    out = plot_unit_waveforms(a, unit_ids=[u], max_spikes=10_000, plot_templates=False)
    chans = out["channel_indices"][u]
    segs = np.asarray(out["waveforms"][u].get_segments())
    y0 = a.get_channel_locations()[chans, 1]
    drawn = (segs[:, :, 1].reshape(len(wf), len(chans), -1) - y0[None, :, None]) / out["y_scale"]
    np.testing.assert_allclose(drawn, wf.transpose(0, 2, 1), atol=1e-4)
    assert out["lines"][u] == []


def test_sparsity_map_is_the_mask(sparse_analyzer, dense_analyzer):
    a = sparse_analyzer
    out = plot_sparsity(a)
    np.testing.assert_array_equal(np.asarray(out["image"].get_array()), a.sparsity.mask)
    assert [t.get_text() for t in out["ax"].get_yticklabels()] == [str(u) for u in a.unit_ids]
    direct = plot_sparsity(a.sparsity, unit_ids=[a.unit_ids[4], a.unit_ids[0]])
    np.testing.assert_array_equal(direct["mask"], a.sparsity.mask[[4, 0]])
    dense = plot_sparsity(dense_analyzer, unit_ids=[dense_analyzer.unit_ids[2]])
    assert np.asarray(dense["image"].get_array()).tolist() == [[1.0] * 16]


def test_missing_extension_and_units_are_clear_errors(dense_analyzer):
    with pytest.raises(MemphysValueError, match=r"compute\(\"waveforms\"\)"):
        plot_unit_waveforms(dense_analyzer)
    rec, sorting = _recording()
    bare = si.create_sorting_analyzer(sorting, rec, sparse=False, format="memory")
    with pytest.raises(MemphysValueError, match=r"compute\(\"templates\"\)"):
        plot_unit_templates(bare)
    with pytest.raises(MemphysValueError, match="unit_ids"):
        plot_unit_templates(dense_analyzer, unit_ids=["zz"])
