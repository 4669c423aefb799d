"""plot_traces: what is drawn, not only that something is.

- a long window is an envelope whose polygons are numpy's min and max of the samples in
  each pixel column (read from the drawn ``fill_between`` vertices);
- a short window is drawn sample by sample (the Line2D data are the samples);
- channels are stacked by the probe's depth (the deepest at the bottom) when a probe is
  known, else in order with the first channel at the top;
- events are marked inside the window only; errors name the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.plot._helpers import fill_between_bounds, reference_envelope

import memphys as nap
import memphys.ephys as si
from memphys.errors import MemoryBudgetError, MemphysTypeError, MemphysValueError
from memphys.plot import plot_traces


@pytest.fixture
def memmap_frame(tmp_path):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(200_000, 6)) * 200).astype("int16")
    path = tmp_path / "rec.dat"
    x.tofile(path)
    mm = np.memmap(path, dtype="int16", mode="r", shape=x.shape)
    return nap.TsdFrame(d=mm, rate=2000.0), x


def test_long_window_draws_numpy_min_max_per_pixel_column(memmap_frame):
    frame, x = memmap_frame
    out = plot_traces(frame, 3.0, 97.3, n_columns=500, chunk_size=7_777, progress_bar=False)
    assert out.mode == "envelope"
    assert len(out.artists) == 6
    times = np.arange(len(x)) / 2000.0
    ref_lo, ref_hi = reference_envelope(x.astype(np.float64), times, out.edges)
    lo, hi = out.envelope
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)
    centers = 0.5 * (out.edges[:-1] + out.edges[1:])
    for j, coll in enumerate(out.artists):
        xs, y1, y2 = fill_between_bounds(coll)
        np.testing.assert_allclose(xs, centers)
        np.testing.assert_array_equal(y1 - out.offsets[j], ref_lo[:, j])
        np.testing.assert_array_equal(y2 - out.offsets[j], ref_hi[:, j])
    # the window is exactly what was asked
    assert out.ax.get_xlim() == (3.0, 97.3)


def test_envelope_columns_default_to_the_axes_pixels(memmap_frame):
    import matplotlib.pyplot as plt

    frame, _ = memmap_frame
    _, ax = plt.subplots(figsize=(6, 3), dpi=100)
    out = plot_traces(frame, ax=ax, progress_bar=False)
    width = ax.get_position().width * 600
    assert abs(len(out.edges) - 1 - width) <= 1


def test_short_window_draws_every_sample(memmap_frame):
    frame, x = memmap_frame
    out = plot_traces(frame, 10.0, 10.2, channels=[1, 3, 4])
    assert out.mode == "lines"
    rows = slice(20_000, 20_401)  # 10.0 .. 10.2 s inclusive at 2 kHz
    np.testing.assert_array_equal(out.times, np.arange(20_000, 20_401) / 2000.0)
    for j, (line, c) in enumerate(zip(out.artists, [1, 3, 4], strict=True)):
        np.testing.assert_array_equal(line.get_xdata(), out.times)
        np.testing.assert_array_equal(line.get_ydata() - out.offsets[j], x[rows, c])
    assert out.channel_ids.tolist() == [1, 3, 4]


def test_without_probe_the_first_channel_is_on_top(memmap_frame):
    frame, _ = memmap_frame
    out = plot_traces(frame, 0, 0.1, channels=slice(0, 4), spacing=100.0)
    assert out.offsets.tolist() == [300.0, 200.0, 100.0, 0.0]
    labels = [t.get_text() for t in out.ax.get_yticklabels()]
    assert labels == ["3", "2", "1", "0"]  # bottom to top


def _recording_with_shuffled_depths(seed=0, n_ch=8, duration=20.0):
    rec = si.generate_recording(num_channels=n_ch, durations=[duration], seed=seed)
    rng = np.random.default_rng(seed)
    depths = rng.permutation(n_ch) * 25.0
    locs = np.column_stack([np.zeros(n_ch), depths])
    rec.set_dummy_probe_from_locations(locs)
    return rec, depths


@pytest.mark.parametrize("window", [(1.0, 1.02), (0.0, 20.0)])
def test_channel_offsets_follow_the_probe_depth_order(window):
    rec, depths = _recording_with_shuffled_depths()
    out = plot_traces(rec, *window, progress_bar=False)
    # deepest (smallest y) at the bottom, offsets increasing with depth coordinate
    assert np.array_equal(np.argsort(out.offsets), np.argsort(depths))
    assert np.all(np.diff(out.offsets[np.argsort(depths)]) > 0)
    assert out.ax.get_ylabel() == "channel (by depth)"
    labels = [t.get_text() for t in out.ax.get_yticklabels()]
    assert labels == [str(c) for c in rec.channel_ids[np.argsort(depths)]]


def test_probe_attached_to_a_recording_orders_by_its_contacts():
    from probeinterface import generate_linear_probe

    rec = si.generate_recording(num_channels=6, durations=[2.0], seed=3)
    probe = generate_linear_probe(num_elec=6, ypitch=20)
    wiring = np.array([3, 0, 5, 1, 4, 2])  # contact k -> channel wiring[k]
    probe.set_device_channel_indices(wiring)
    rec.set_probe(probe)  # in place (SpikeInterface 0.105)
    out = plot_traces(rec, 0, 0.01)
    y = rec.get_channel_locations()[:, 1]
    assert np.array_equal(np.argsort(out.offsets), np.argsort(y, kind="stable"))


def test_tsdframe_with_probe_argument_and_depth_metadata():
    from probeinterface import generate_linear_probe

    d = np.random.default_rng(0).normal(size=(1000, 4))
    frame = nap.TsdFrame(d=d, rate=100.0)
    probe = generate_linear_probe(num_elec=4, ypitch=10)
    probe.set_device_channel_indices([2, 0, 3, 1])  # channel 2 is the deepest contact
    out = plot_traces(frame, 0, 1, probe=probe)
    assert out.offsets.argmin() == 2
    assert out.offsets.argmax() == 1
    frame2 = nap.TsdFrame(d=d, rate=100.0, metadata={"y": [30.0, 10.0, 0.0, 20.0]})
    out2 = plot_traces(frame2, 0, 1)
    assert np.array_equal(np.argsort(out2.offsets), [2, 1, 3, 0])


def test_recording_is_drawn_in_microvolts_and_equals_scaled_traces():
    rec = si.generate_recording(num_channels=4, durations=[30.0], seed=1)
    raw = np.round(rec.get_traces() * 20).astype("int16")
    nrec = si.NumpyRecording(raw, 30000.0)
    nrec.set_channel_gains([0.195, 0.5, 2.0, -1.0])
    nrec.set_channel_offsets([0.0, 3.0, 0.0, 0.0])
    out = plot_traces(nrec, 2.0, 29.0, n_columns=300, progress_bar=False)
    assert out.units == "uV"
    scaled = nrec.get_traces(return_in_uV=True).astype(np.float64)
    times = np.arange(len(raw)) / 30000.0
    ref_lo, ref_hi = reference_envelope(scaled, times, out.edges)
    np.testing.assert_array_equal(out.envelope[0], ref_lo)
    np.testing.assert_array_equal(out.envelope[1], ref_hi)
    assert out.scalebar[1].get_text().endswith("µV")


def test_gaps_between_epochs_are_empty_columns():
    t = np.concatenate([np.arange(0, 10, 0.01), np.arange(20, 30, 0.01)])
    d = np.sin(t)[:, None] * np.array([1.0, 2.0])
    ep = nap.IntervalSet([0, 20], [10, 30])
    frame = nap.TsdFrame(t=t, d=d, time_support=ep)
    out = plot_traces(frame, 0, 30, n_columns=300)
    centers = 0.5 * (out.edges[:-1] + out.edges[1:])
    gap = (centers > 10.1) & (centers < 19.9)
    data = (centers < 9.95) | (centers > 20.05)
    assert np.isnan(out.envelope[0][gap]).all()
    assert not np.isnan(out.envelope[0][data]).any()
    ref_lo, ref_hi = reference_envelope(d, t, out.edges)
    np.testing.assert_array_equal(out.envelope[0], ref_lo)
    np.testing.assert_array_equal(out.envelope[1], ref_hi)
    # a short window across the gap breaks the line there
    short = plot_traces(frame, 9.0, 21.0, n_columns=2000)
    assert short.mode == "lines"
    assert np.isnan(short.artists[0].get_ydata()).sum() == 1


def test_a_tsd_is_one_channel():
    x = nap.Tsd(t=np.arange(100) / 10, d=np.arange(100.0))
    out = plot_traces(x, 1, 2)
    assert len(out.artists) == 1
    np.testing.assert_array_equal(out.artists[0].get_ydata(), np.arange(10.0, 21.0))


def test_events_are_marked_inside_the_window(memmap_frame):
    frame, _ = memmap_frame
    ev = nap.Ts(t=[0.5, 1.0, 1.5, 50.0])
    ep = nap.IntervalSet([0.2, 1.8], [0.4, 9.0])
    out = plot_traces(frame, 0, 2, channels=[0], events={"stim": ev, "epochs": ep}, n_columns=300)
    lines, spans = out.events
    assert [seg[0, 0] for seg in lines.get_segments()] == [0.5, 1.0, 1.5]
    assert len(spans.get_paths()) == 2
    np.testing.assert_allclose(spans.get_paths()[1].vertices[:, 0].max(), 2.0)  # clipped


def test_ephys_style_events_are_marked_per_channel():
    class Events:
        channel_ids = np.array(["ttl1", "ttl2"])

        def get_event_times(self, channel_id=None, segment_index=None, start_time=None,
                            end_time=None):  # fmt: skip
            t = {"ttl1": np.array([0.1, 0.3, 5.0]), "ttl2": np.array([0.25])}[channel_id]
            return t[(t >= start_time) & (t < end_time)]

    x = nap.TsdFrame(d=np.zeros((1000, 2)), rate=1000.0)
    out = plot_traces(x, 0, 0.5, events=Events())
    assert [len(c.get_segments()) for c in out.events] == [2, 1]
    assert [c.get_label() for c in out.events] == ["ttl1", "ttl2"]


def test_errors_name_the_argument(memmap_frame):
    frame, _ = memmap_frame
    with pytest.raises(MemphysValueError, match="start, end"):
        plot_traces(frame, 5, 5)
    with pytest.raises(MemphysValueError, match="channels"):
        plot_traces(frame, 0, 1, channels=[7])
    with pytest.raises(MemphysValueError, match="mode"):
        plot_traces(frame, 0, 1, mode="dots")
    with pytest.raises(MemphysTypeError, match="obj"):
        plot_traces(nap.TsdTensor(t=np.arange(3.0), d=np.zeros((3, 2, 2))), 0, 1)
    rec = si.generate_recording(num_channels=2, durations=[1.0, 1.0], seed=0)
    with pytest.raises(MemphysValueError, match="segment_index"):
        plot_traces(rec, 0, 1)
    with pytest.raises(MemphysValueError, match="channel_ids"):
        plot_traces(rec, 0, 0.01, segment_index=1, channel_ids=["nope"])


def test_lines_mode_beyond_the_memory_budget_is_refused(memmap_frame):
    frame, _ = memmap_frame
    with nap.config_context(memory_budget=1_000_000), pytest.raises(MemoryBudgetError):
        plot_traces(frame, 0, 99, mode="lines")


def test_channel_ids_of_a_recording_and_scalebar():
    rec = si.generate_recording(num_channels=5, durations=[1.0], seed=0)
    out = plot_traces(rec, 0, 0.01, channel_ids=rec.channel_ids[[4, 1]])
    assert out.channel_indices.tolist() == [4, 1]
    bar_line, bar_text = out.scalebar
    y = bar_line.get_ydata()
    assert float(bar_text.get_text().split()[0]) == pytest.approx(y[1] - y[0])
