"""Probe files for recordings: read with probeinterface, refused when they do not match."""

from __future__ import annotations

import numpy as np
import probeinterface as pi
import pytest

import memphys.ephys as si
from memphys.ephys.probes import read_probe_file, set_probe_file
from memphys.errors import FileFormatError, MemphysFileNotFoundError, ProbeMismatchError


def _rec(n_ch=4):
    return si.NumpyRecording(np.zeros((100, n_ch), "int16"), 1000.0)


def _probe(n, wired=True):
    probe = pi.generate_linear_probe(num_elec=n, ypitch=25)
    if wired:
        probe.set_device_channel_indices(np.arange(n)[::-1].copy())
    return probe


def test_json_probe_is_attached_in_wiring_order(tmp_path):
    path = tmp_path / "p.json"
    pi.write_probeinterface(path, _probe(4))
    rec = _rec()
    set_probe_file(rec, path)
    np.testing.assert_array_equal(rec.get_channel_locations()[:, 1], [75.0, 50.0, 25.0, 0.0])


def test_unwired_probe_with_one_contact_per_channel(tmp_path):
    path = tmp_path / "p.json"
    pi.write_probeinterface(path, _probe(4, wired=False))
    rec = _rec()
    set_probe_file(rec, path)
    assert rec.get_probe().get_contact_count() == 4


@pytest.mark.parametrize("wired", [True, False])
def test_probe_that_does_not_match_the_channel_count(tmp_path, wired):
    path = tmp_path / "p.json"
    pi.write_probeinterface(path, _probe(6, wired=wired))
    with pytest.raises(ProbeMismatchError, match=r"6 contacts.*4 channels") as info:
        set_probe_file(_rec(), path)
    assert "p.json" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_prb_file(tmp_path):
    path = tmp_path / "p.prb"
    path.write_text(
        "channel_groups = {0: {'channels': [0, 1, 2], "
        "'geometry': {0: [0, 0], 1: [0, 20], 2: [0, 40]}}}\n"
    )
    rec = _rec(3)
    set_probe_file(rec, path)
    np.testing.assert_array_equal(rec.get_channel_locations()[:, 1], [0.0, 20.0, 40.0])
    with pytest.raises(ProbeMismatchError, match="3 contacts"):
        set_probe_file(_rec(5), path)


def test_bad_files(tmp_path):
    with pytest.raises(MemphysFileNotFoundError):
        read_probe_file(tmp_path / "none.json")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(FileFormatError, match=r"probeinterface \.json"):
        read_probe_file(tmp_path / "x.txt")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(FileFormatError, match="cannot read"):
        read_probe_file(tmp_path / "x.json")
