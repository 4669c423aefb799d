"""plot_psd, plot_perievent, plot_tuning_curves, plot_probe and plot_events: the drawn
data are checked against the inputs (a raster has one mark per spike in the window, a
PSD line is the DataFrame's column, probe labels are the wired channel ids ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import memphys as nap
import memphys.ephys as si
from memphys.errors import MemphysTypeError, MemphysValueError
from memphys.plot import plot_perievent, plot_probe, plot_psd, plot_tuning_curves


# --- PSD -----------------------------------------------------------------------------------
def test_psd_from_a_dataframe_draws_its_columns():
    f = np.arange(0.0, 101.0)
    psd = pd.DataFrame({"a": 1 / (1 + f), "b": 2 / (1 + f)}, index=f)
    out = plot_psd(psd, freq_range=(1, 50))
    assert len(out["lines"]) == 2
    assert out["mean"] is None
    np.testing.assert_array_equal(out["lines"][1].get_xdata(), np.arange(1.0, 51.0))
    np.testing.assert_array_equal(out["lines"][1].get_ydata(), 2 / (1 + np.arange(1.0, 51.0)))
    assert out["ax"].get_yscale() == "log"


def test_psd_of_a_signal_peaks_at_its_frequency_and_equals_the_mean_psd():
    t = np.arange(0, 30, 1 / 500)
    d = np.column_stack([np.sin(2 * np.pi * 40 * t), np.sin(2 * np.pi * 7 * t)])
    x = nap.TsdFrame(t=t, d=d)
    out = plot_psd(x, interval_size=2.0)
    ref = nap.compute_mean_power_spectral_density(x, interval_size=2.0)
    ref = ref[ref.index > 0]
    np.testing.assert_allclose(out["lines"][0].get_ydata(), ref.iloc[:, 0].values)
    peaks = [line.get_xdata()[np.argmax(line.get_ydata())] for line in out["lines"]]
    np.testing.assert_allclose(peaks, [40.0, 7.0], atol=0.5)


def test_psd_of_a_recording_is_in_microvolts_and_draws_a_mean_for_many_channels():
    raw = np.random.default_rng(0).integers(-500, 500, (8000, 10)).astype("int16")
    rec = si.NumpyRecording(raw, 2000.0)
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(0.0)
    out = plot_psd(rec, interval_size=0.5, progress_bar=False)
    assert len(out["lines"]) == 10
    m = np.mean([line.get_ydata() for line in out["lines"]], axis=0)
    np.testing.assert_allclose(out["mean"].get_ydata(), m)
    assert "µV²/Hz" in out["ax"].get_ylabel()


def test_psd_errors():
    with pytest.raises(MemphysTypeError, match="obj"):
        plot_psd([1, 2, 3])
    psd = pd.DataFrame({"a": [1.0, 2.0]}, index=[0.0, 1.0])
    with pytest.raises(MemphysValueError, match="freq_range"):
        plot_psd(psd, freq_range=(5, 10))


# --- peri-event ----------------------------------------------------------------------------
def test_raster_has_one_mark_per_spike_in_the_window():
    rng = np.random.default_rng(0)
    spikes = np.sort(rng.uniform(0, 100, 3000))
    events = np.sort(rng.uniform(5, 95, 40))
    out = plot_perievent(nap.Ts(t=spikes), nap.Ts(t=events), window=(0.5, 1.0), binsize=0.05)
    segs = out["raster"].get_segments()
    expected = [spikes[(spikes >= e - 0.5) & (spikes <= e + 1.0)] - e for e in events]
    assert len(segs) == sum(len(r) for r in expected)
    drawn = np.array([s[0, 0] for s in segs])
    rows = np.array([0.5 * (s[0, 1] + s[1, 1]) for s in segs])
    for k, rel in enumerate(expected):
        np.testing.assert_allclose(np.sort(drawn[rows == k]), np.sort(rel), atol=1e-9)
    # the PSTH counts the same spikes
    assert out["counts"].sum() == len(segs)
    np.testing.assert_allclose(out["rate"], out["counts"] / (40 * 0.05))


def test_perievent_of_a_tsgroup_unit_and_a_single_axes():
    import matplotlib.pyplot as plt

    group = nap.TsGroup({3: nap.Ts(t=[1.1, 2.2]), 7: nap.Ts(t=[0.9, 1.05, 3.0])})
    _, ax = plt.subplots()
    out = plot_perievent(group, nap.Ts(t=[1.0, 3.0]), window=0.2, unit=7, ax=ax)
    assert len(out["raster"].get_segments()) == 3
    assert out["axes"][0] is ax
    with pytest.raises(MemphysValueError, match="unit"):
        plot_perievent(group, nap.Ts(t=[1.0, 3.0]), window=0.2)


def test_perievent_of_a_signal_draws_trials_and_their_mean():
    t = np.arange(0, 10, 0.01)
    x = nap.Tsd(t=t, d=np.sin(2 * np.pi * t))
    out = plot_perievent(x, nap.Ts(t=[2.0, 5.0, 8.0]), window=0.25)
    img = np.asarray(out["image"].get_array())
    assert img.shape == (3, len(out["aligned"]))
    np.testing.assert_allclose(out["mean"].get_ydata(), np.asarray(out["aligned"].values).mean(1))


# --- tuning curves -------------------------------------------------------------------------
def test_tuning_curves_lines_and_maps():
    t = np.arange(0.0, 200.0, 0.05)
    rng = np.random.default_rng(1)
    feature = nap.Tsd(t=t, d=(t * 0.3) % 1)
    group = nap.TsGroup({i: nap.Ts(np.sort(rng.choice(t, 300 + 100 * i, False))) for i in range(3)})
    tcs = nap.compute_tuning_curves(group, feature, bins=8)
    out = plot_tuning_curves(tcs)
    assert len(out["lines"]) == 3
    for k, line in enumerate(out["lines"]):
        np.testing.assert_allclose(line.get_ydata(), tcs.values[k])
        np.testing.assert_allclose(line.get_xdata(), tcs.coords[tcs.dims[1]].values)
    f2 = nap.TsdFrame(t=t, d=np.column_stack([(t * 0.3) % 1, (t * 0.17) % 1]))
    maps = nap.compute_tuning_curves(group, f2, bins=5)
    out2 = plot_tuning_curves(maps, units=[0, 2])
    assert len(out2["images"]) == 2
    np.testing.assert_allclose(np.asarray(out2["images"][1].get_array()), maps.values[2].T)
    legacy = pd.DataFrame({"u": [1.0, 2.0, 3.0]}, index=[0.1, 0.2, 0.3])
    out3 = plot_tuning_curves(legacy, polar=True)
    assert out3["axes"].name == "polar"
    with pytest.raises(MemphysTypeError):
        plot_tuning_curves(np.zeros(3))


# --- probe ---------------------------------------------------------------------------------
def test_probe_labels_are_the_wired_channel_ids_and_shanks_get_colours():
    from probeinterface import generate_multi_shank

    probe = generate_multi_shank(num_shank=2, num_columns=1, num_contact_per_column=4)
    wiring = np.array([7, 6, 5, 4, 0, 1, 2, 3])
    probe.set_device_channel_indices(wiring)
    out = plot_probe(probe)
    assert out["channel_labels"] == [str(i) for i in wiring]
    texts = out["texts"]
    pos = probe.contact_positions
    assert [(t.get_position(), t.get_text()) for t in texts] == [
        ((pos[k, 0], pos[k, 1]), str(wiring[k])) for k in range(8)
    ]
    colors = out["contacts"][0].get_facecolor()
    assert len({tuple(c) for c in colors[:4]}) == 1
    assert tuple(colors[0]) != tuple(colors[4])
    assert out["ax"].get_title() == "8 contacts, 2 shanks"


def test_probe_of_a_recording_uses_its_channel_ids():
    rec = si.generate_recording(num_channels=4, durations=[1.0], seed=0)
    rec = rec.rename_channels(np.array(["A", "B", "C", "D"]))
    out = plot_probe(rec)
    assert out["channel_labels"] == ["A", "B", "C", "D"]
    rec2 = si.NumpyRecording(np.zeros((10, 2), dtype="int16"), 1000.0)
    with pytest.raises(MemphysValueError, match="no probe"):
        plot_probe(rec2)
    with pytest.raises(MemphysTypeError):
        plot_probe(42)
