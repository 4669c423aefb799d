"""NeuroScopeSortingExtractor: .res/.clu files, SpikeInterface's unit numbering, laziness."""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._sorting_helpers import shared_data

import memphys.ephys as si
from memphys.ephys.neuroscopesorting import read_int_lines
from memphys.errors import FileFormatError

DATA = shared_data()
XML = (
    "<parameters><acquisitionSystem><nBits>16</nBits><nChannels>4</nChannels>"
    "<samplingRate>20000</samplingRate></acquisitionSystem></parameters>"
)


def _session(tmp_path, shanks):
    (tmp_path / f"{tmp_path.name}.xml").write_text(XML)
    for k, (res, clu) in shanks.items():
        (tmp_path / f"s.res.{k}").write_text("".join(f"{x}\n" for x in res))
        (tmp_path / f"s.clu.{k}").write_text(f"{len(set(clu))}\n" + "".join(f"{x}\n" for x in clu))
    return tmp_path


def _reference(shanks, keep_mua):
    """SpikeInterface's numbering, by hand: position among the shank's clusters from 1."""
    ids, trains, last = [], [], 0
    for _, (res, clu) in sorted(shanks.items()):
        res, clu = np.array(res), np.array(clu)
        clusters = np.unique(clu)
        new = []
        for pos, c in enumerate(clusters, start=1):
            if c == 0 or (c == 1 and not keep_mua):
                continue
            new.append(pos + last)
            trains.append(res[clu == c])
        ids += new
        last = ids[-1] if ids else 0
    return ids, trains


@pytest.mark.parametrize("keep_mua", [True, False])
def test_units_and_trains_follow_spikeinterface(tmp_path, keep_mua):
    rng = np.random.default_rng(0)
    shanks = {}
    for k in (1, 2):
        res = np.sort(rng.integers(0, 100_000, 300))
        clu = rng.choice([0, 1, 2, 5, 7], 300)
        shanks[k] = (res.tolist(), clu.tolist())
    s = si.read_neuroscope_sorting(_session(tmp_path, shanks), keep_mua_units=keep_mua)
    ids, trains = _reference(shanks, keep_mua)
    assert s.unit_ids.tolist() == ids
    assert s.sampling_frequency == 20000.0
    assert s._cached_spike_vector is None
    assert [int(c) for c in s.count_num_spikes_per_unit(outputs="array")] == [
        t.size for t in trains
    ]
    assert s._cached_spike_vector is None  # counts came from the .clu scan
    for uid, t in zip(ids, trains, strict=True):
        assert np.array_equal(s.get_unit_spike_train(uid, use_cache=False), t)
        assert np.array_equal(s.get_unit_spike_train(uid), t)
    n1 = len(_reference({1: shanks[1]}, keep_mua)[0])
    assert s.get_property("group").tolist() == [1] * n1 + [2] * (len(ids) - n1)
    v = s.to_spike_vector()
    assert np.all(np.diff(v["sample_index"]) >= 0)


def test_text_parsing_in_chunks_and_bad_files(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text("".join(f"{i}\n" for i in range(1000)))
    chunks = list(read_int_lines(p, chunk=100))
    assert len(chunks) > 5
    assert np.array_equal(np.concatenate(chunks), np.arange(1000))
    p.write_text("1\nx\n")
    with pytest.raises(FileFormatError, match="not an integer"):
        list(read_int_lines(p))
    (tmp_path / "b").mkdir()
    bad = _session(tmp_path / "b", {1: ([1, 2], [2, 3])})
    (bad / "s.clu.1").write_text("5\n2\n3\n")
    with pytest.raises(FileFormatError, match="does not match the number of unique ids"):
        si.read_neuroscope_sorting(bad)


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["neuroscope_klusters_pynapple_A2929-200711", "neuroscope_YutaMouse42-151117_stub"]
)
def test_shared_sessions(name):
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"shared test data not found at {folder}")
    shanks = {}
    for res in sorted(folder.glob("*.res.*")):
        k = int(res.suffix[1:])
        r = np.loadtxt(res, dtype=np.int64, ndmin=1)
        c = np.loadtxt(folder / res.name.replace(".res.", ".clu."), dtype=np.int64, ndmin=1)[1:]
        shanks[k] = (r[: c.size].tolist(), c.tolist())
    with pytest.warns(UserWarning, match="unlabelled") if "Yuta" in name else _nothing():
        s = si.read_neuroscope_sorting(folder)
        ids, trains = _reference(shanks, True)
        assert s.unit_ids.tolist() == ids
        for uid, t in zip(ids, trains, strict=True):
            assert np.array_equal(s.get_unit_spike_train(uid), np.sort(t))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
