"""Probes: wiring, group modes, the location property, errors, propagation."""

from __future__ import annotations

import numpy as np
import pytest
from probeinterface import Probe, ProbeGroup, generate_linear_probe

import memphys.ephys as si
from memphys.errors import ExtractorValueError


def _rec(n=4):
    traces = np.arange(40 * n, dtype="int16").reshape(40, n)
    return si.NumpyRecording(traces, 1000.0)


def test_wiring_reorders_the_probe_to_the_channels():
    rec = _rec()
    probe = generate_linear_probe(num_elec=4, ypitch=10)
    probe.set_device_channel_indices([2, 0, 3, 1])
    rec.set_probe(probe)
    # channel 0 is wired to contact 1 (y=10), channel 1 to contact 3 (y=30) ...
    assert rec.get_channel_locations()[:, 1].tolist() == [10.0, 30.0, 0.0, 20.0]
    assert np.array_equal(rec.get_property("location"), rec.get_channel_locations())
    assert rec.get_probe().device_channel_indices.tolist() == [0, 1, 2, 3]
    assert rec.get_channel_groups().tolist() == [0, 0, 0, 0]


def test_contact_count_must_match_channels():
    rec = _rec()
    probe = generate_linear_probe(num_elec=3)
    probe.set_device_channel_indices([0, 1, 2])
    with pytest.raises(ExtractorValueError, match="as many connected contacts as channels"):
        rec.set_probe(probe)
    probe = generate_linear_probe(num_elec=4)
    with pytest.raises(ExtractorValueError, match="wired probe"):
        rec.set_probe(probe)  # no wiring
    probe.set_device_channel_indices([0, 1, 2, 7])
    with pytest.raises(ExtractorValueError, match="go up to 7"):
        rec.set_probe(probe)
    with pytest.raises(TypeError, match=r"probeinterface\.Probe"):
        rec.set_probe("not a probe")
    assert not rec.has_probe()


def test_group_modes_and_select_channels_with_probe():
    rec = _rec(6)
    probe = Probe(ndim=2)
    pos = [[0, 0], [0, 15], [0, 30], [100, 0], [100, 15], [100, 30]]
    probe.set_contacts(
        positions=pos, shapes="circle", shape_params={"radius": 5}, shank_ids=list("aaabbb")
    )
    probe.set_device_channel_indices([2, -1, 0, 5, -1, 3])
    sub = rec.select_channels_with_probe(probe, group_mode="by_shank")
    assert sub.channel_ids.tolist() == [0, 2, 3, 5]
    assert sub.get_channel_locations().tolist() == [[0, 30], [0, 0], [100, 30], [100, 0]]
    assert sub.get_channel_groups().tolist() == [0, 0, 1, 1]
    assert np.array_equal(sub.get_traces(), rec.get_traces()[:, [0, 2, 3, 5]])
    assert not rec.has_probe()  # the original is untouched
    with pytest.raises(ExtractorValueError, match="group by side"):
        rec.select_channels_with_probe(probe, group_mode="by_side")
    with pytest.raises(ExtractorValueError, match="group_mode"):
        rec.select_channels_with_probe(probe, group_mode="by_color")


def test_in_place_false_is_deprecated_and_returns_a_new_recording():
    rec = _rec()
    probe = generate_linear_probe(num_elec=4)
    probe.set_device_channel_indices(np.arange(4))
    with pytest.warns(FutureWarning, match="in_place"):
        new = rec.set_probe(probe, in_place=False)
    assert new.has_probe()
    assert not rec.has_probe()


def test_overlapping_probes_are_refused():
    rec = _rec(8)
    pg = ProbeGroup()
    for k in range(2):
        p = generate_linear_probe(num_elec=4)
        p.set_device_channel_indices(np.arange(4) + 4 * k)
        pg.add_probe(p)
    with pytest.raises(ExtractorValueError, match="overlapping"):
        rec.set_probegroup(pg)


def test_probe_and_location_follow_slicing_saving_and_aggregation(tmp_path):
    rec = si.generate_recording(num_channels=6, durations=[0.2], seed=0)
    sub = rec.select_channels(["4", "1"])
    assert sub.get_channel_locations().tolist() == rec.get_channel_locations()[[4, 1]].tolist()
    assert np.array_equal(sub.get_property("location"), sub.get_channel_locations())
    saved = sub.save(folder=tmp_path / "s", progress_bar=False)
    loaded = si.load(tmp_path / "s")
    for r in (saved, loaded):
        assert np.array_equal(r.get_channel_locations(), sub.get_channel_locations())
    parts = [rec.select_channels(["0", "1", "2"]), rec.select_channels(["3", "4", "5"])]
    agg = si.aggregate_channels(parts)
    assert np.array_equal(agg.get_channel_locations(), rec.get_channel_locations())


def test_dummy_probe_and_axes():
    rec = _rec(3)
    loc = np.array([[0.0, 0.0, 1.0], [0.0, 20.0, 2.0], [10.0, 5.0, 3.0]])
    rec.set_dummy_probe_from_locations(loc, axes="xy")  # contacts in the xy plane (z = 0)
    assert rec.has_3d_probe()
    assert np.allclose(rec.get_channel_locations(axes="xy"), loc[:, :2])
    assert np.allclose(rec.get_channel_locations(axes="xz")[:, 1], 0)
    assert np.allclose(rec.planarize("yx").get_channel_locations(), loc[:, [1, 0]])
    with pytest.raises(ExtractorValueError, match=r"shape \(3, 2\)"):
        rec.set_dummy_probe_from_locations(np.zeros((2, 2)))
    rec.remove_probe()
    assert "location" not in rec.get_property_keys()
    with pytest.raises(ExtractorValueError, match="needs a probe"):
        rec.get_channel_locations()


def test_split_by():
    rec = _rec(4)
    rec.set_property("area", ["x", "y", "x", "y"])
    parts = rec.split_by("area")
    assert sorted(parts) == ["x", "y"]
    assert parts["y"].channel_ids.tolist() == [1, 3]
    assert parts["x"].get_annotation("split_by_property") == "area"
    assert len(rec.split_by("area", outputs="list")) == 2
    with pytest.raises(ExtractorValueError, match="property nope is not set"):
        rec.split_by("nope")
