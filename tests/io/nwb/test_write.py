"""memphys.io.nwb.write: every object type written and read back with pynwb, the three
locations, appending, scratch, the processed copy with external links, crash safety and
bad input. Every written file passes the NWB validator and has no CRITICAL nwbinspector
message."""

from __future__ import annotations

import os
import pathlib
import warnings

import h5py
import numpy as np
import pandas as pd
import pytest
from pynwb import NWBHDF5IO, validate

import memphys as nap
from memphys.errors import (
    FileFormatError,
    MemphysError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.io.nwb import write as nwb_write
from memphys.io.nwb._iter import LazyDataIterator
from memphys.io.nwb.copies import add_scratch, get_scratch, make_processed_copy
from memphys.io.nwb.write import write_nwb

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def check_nwb(path: os.PathLike[str] | str) -> None:
    """The NWB schema validator finds nothing; nwbinspector has no CRITICAL message."""
    from nwbinspector import Importance, inspect_nwbfile

    errors = validate(path=str(path))
    assert list(errors) == [], errors
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        messages = list(inspect_nwbfile(nwbfile_path=str(path)))
    critical = [m for m in messages if m.importance == Importance.CRITICAL]
    assert critical == [], [(m.check_function_name, m.message) for m in critical]


def no_partial(folder: pathlib.Path) -> bool:
    return not [p for p in folder.iterdir() if ".partial" in p.name]


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# --- every object type ------------------------------------------------------------------------
def test_regular_tsd_is_written_with_rate_and_starting_time(tmp_path, rng):
    d = rng.normal(size=500)
    tsd = nap.Tsd(t=np.arange(500) / 250.0 + 3.0, d=d)
    path = tmp_path / "tsd.nwb"
    assert write_nwb(tsd, path, "speed", unit="cm/s", description="running speed") == path
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        ts = io.read().acquisition["speed"]
        assert ts.timestamps is None
        assert ts.rate == 250.0
        assert ts.starting_time == 3.0
        assert ts.unit == "cm/s"
        assert ts.description == "running speed"
        np.testing.assert_array_equal(ts.data[:], d)
        assert ts.data.compression == "gzip"
        names = set(io.read().acquisition)
    assert names == {"speed"}  # a default time support writes no side table
    assert no_partial(tmp_path)


def test_explicit_timestamps_are_written(tmp_path, rng):
    t = np.sort(rng.uniform(0, 100, 300))
    tsd = nap.Tsd(t=t, d=np.arange(300, dtype="int32"))
    path = tmp_path / "explicit.nwb"
    write_nwb(tsd, path, "x", compression=None)
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        ts = io.read().acquisition["x"]
        assert ts.rate is None
        np.testing.assert_array_equal(ts.timestamps[:], t)
        np.testing.assert_array_equal(ts.data[:], np.arange(300))
        assert ts.data.dtype == np.int32
        assert ts.data.compression is None


def test_tsdframe_columns_and_metadata_into_processing_module(tmp_path, rng):
    d = rng.normal(size=(400, 3)).astype("float32")
    frame = nap.TsdFrame(
        t=np.arange(400) / 1000.0,
        d=d,
        columns=["a", "b", "c"],
        metadata={"area": ["CA1", "CA3", "DG"], "depth": [1.0, 2.0, 3.5]},
    )
    path = tmp_path / "frame.nwb"
    write_nwb(frame, path, "lfp", location="processing", module="ecephys", unit="V")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        mod = io.read().processing["ecephys"]
        np.testing.assert_array_equal(mod["lfp"].data[:], d)
        assert mod["lfp"].rate == 1000.0
        cols = mod["lfp_columns"].to_dataframe()
        assert list(cols["label"]) == ["a", "b", "c"]
        assert list(cols["area"]) == ["CA1", "CA3", "DG"]
        np.testing.assert_array_equal(cols["depth"], [1.0, 2.0, 3.5])


def test_tsdtensor_into_scratch_round_trips(tmp_path, rng):
    d = rng.normal(size=(50, 2, 3))
    tensor = nap.TsdTensor(t=np.arange(50) / 10.0, d=d)
    path = tmp_path / "tensor.nwb"
    add_scratch(path, "frames", tensor, notes="some frames")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        ts = io.read().scratch["frames"]
        np.testing.assert_array_equal(ts.data[:], d)
        assert ts.description == "some frames"
    back = get_scratch(path, "frames")
    assert isinstance(back, nap.TsdTensor)
    np.testing.assert_array_equal(np.asarray(back.values[:]), d)
    np.testing.assert_allclose(back.t, tensor.t)


def test_ts_is_an_events_table(tmp_path, rng):
    t = np.sort(rng.uniform(0, 10, 40))
    path = tmp_path / "ts.nwb"
    write_nwb(nap.Ts(t=t), path, "licks")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        table = io.read().acquisition["licks"]
        assert type(table).__name__ == "EventsTable"
        np.testing.assert_array_equal(table["timestamp"].data[:], t)


def test_tsgroup_is_the_units_table_with_metadata(tmp_path, rng):
    spikes = {
        3: nap.Ts(t=np.sort(rng.uniform(0, 50, 30))),
        7: nap.Ts(t=np.sort(rng.uniform(0, 50, 12))),
        9: nap.Ts(t=np.sort(rng.uniform(0, 50, 20))),
    }
    group = nap.TsGroup(
        spikes,
        time_support=nap.IntervalSet(0, 50),
        metadata={"area": ["CA1", "CA1", "V1"], "depth": [10.5, 20.0, 30.0]},
    )
    path = tmp_path / "units.nwb"
    write_nwb(group, path, "units", description="sorted units")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        units = io.read().units
        assert units is not None
        df = units.to_dataframe()
        assert list(df.index) == [3, 7, 9]
        assert list(df["area"]) == ["CA1", "CA1", "V1"]
        np.testing.assert_array_equal(df["depth"], [10.5, 20.0, 30.0])
        for k in (3, 7, 9):
            np.testing.assert_array_equal(df.loc[k, "spike_times"], spikes[k].t)
            np.testing.assert_array_equal(df.loc[k, "obs_intervals"], [[0.0, 50.0]])
        assert "rate" not in df.columns  # computed by TsGroup, not stored


def test_tsgroup_in_processing_module_and_scratch_round_trip(tmp_path, rng):
    group = nap.TsGroup(
        {0: nap.Ts(t=[0.15, 0.45]), 4: nap.Ts(t=[1.25])},
        time_support=nap.IntervalSet([0, 1], [0.5, 2]),
        metadata={"label": ["pyr", "int"]},
    )
    path = tmp_path / "g.nwb"
    write_nwb(group, path, "curated", location="processing", module="ecephys")
    add_scratch(path, "group", group, notes="a copy")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        df = io.read().processing["ecephys"]["curated"].to_dataframe()
        assert list(df.index) == [0, 4]
    back = get_scratch(path, "group")
    assert isinstance(back, nap.TsGroup)
    assert list(back.index) == [0, 4]
    assert list(back.metadata["label"]) == ["pyr", "int"]
    np.testing.assert_array_equal(back[4].t, [1.25])
    np.testing.assert_array_equal(back.time_support.values, group.time_support.values)


def test_intervalset_with_metadata(tmp_path):
    iset = nap.IntervalSet(
        start=[0.0, 10.0, 20.0],
        end=[5.0, 15.0, 30.0],
        metadata={"condition": ["light", "dark", "light"], "trial": [1, 2, 3]},
    )
    path = tmp_path / "iset.nwb"
    write_nwb(iset, path, "trials_blocks", location="processing", module="behavior")
    add_scratch(path, "iset", iset)
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        df = io.read().processing["behavior"]["trials_blocks"].to_dataframe()
        np.testing.assert_array_equal(df["start_time"], [0.0, 10.0, 20.0])
        np.testing.assert_array_equal(df["stop_time"], [5.0, 15.0, 30.0])
        assert list(df["condition"]) == ["light", "dark", "light"]
        np.testing.assert_array_equal(df["trial"], [1, 2, 3])
    back = get_scratch(path, "iset")
    np.testing.assert_array_equal(back.values, iset.values)
    assert list(back.metadata["condition"]) == ["light", "dark", "light"]


def test_multi_epoch_time_support_round_trips(tmp_path, rng):
    tsd = nap.Tsd(t=np.arange(1000) / 100.0, d=rng.normal(size=1000))
    ep = nap.IntervalSet([1.0, 5.0], [2.0, 7.5])
    r = tsd.restrict(ep)
    path = tmp_path / "support.nwb"
    add_scratch(path, "r", r)
    ts_only = nap.Ts(t=np.array([1.5, 6.0]), time_support=ep)
    add_scratch(path, "events", ts_only)
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        scratch = io.read().scratch
        df = scratch["r_time_support"].to_dataframe()
        np.testing.assert_array_equal(df["start_time"], [1.0, 5.0])
        np.testing.assert_array_equal(df["stop_time"], [2.0, 7.5])
        np.testing.assert_array_equal(scratch["r"].timestamps[:], r.t)
    back = get_scratch(path, "r")
    np.testing.assert_array_equal(back.time_support.values, ep.values)
    np.testing.assert_array_equal(back.t, r.t)
    np.testing.assert_array_equal(np.asarray(back.values[:]), r.values)
    assert get_scratch(path, "events").time_support.values.tolist() == ep.values.tolist()


def test_tsdframe_columns_round_trip_through_scratch(tmp_path, rng):
    frame = nap.TsdFrame(
        t=np.arange(20) / 5.0,
        d=rng.normal(size=(20, 2)),
        columns=["x", "y"],
        metadata={"group": [1, 2]},
    )
    path = tmp_path / "cols.nwb"
    add_scratch(path, "pos", frame)
    back = get_scratch(path, "pos")
    assert list(back.columns) == ["x", "y"]
    np.testing.assert_array_equal(back.metadata["group"], [1, 2])
    assert back._ti.is_regular
    assert back.rate == pytest.approx(frame.rate)


def test_plain_scratch_array_and_dataframe(tmp_path):
    path = tmp_path / "plain.nwb"
    add_scratch(path, "w", np.arange(6.0).reshape(2, 3), notes="weights")
    add_scratch(path, "df", pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}), notes="table")
    check_nwb(path)
    np.testing.assert_array_equal(get_scratch(path, "w"), np.arange(6.0).reshape(2, 3))
    df = get_scratch(path, "df")
    assert list(df["a"]) == [1, 2]
    with pytest.raises(MemphysValueError, match="no scratch object named 'nope'"):
        get_scratch(path, "nope")


# --- lazy sources are streamed ------------------------------------------------------------------
def test_memmap_frame_streams_through_the_chunk_iterator(tmp_path, rng, monkeypatch):
    raw = tmp_path / "raw.dat"
    d = rng.integers(-1000, 1000, size=(50_000, 4)).astype("int16")
    d.tofile(raw)
    mm = np.memmap(raw, dtype="int16", mode="r", shape=d.shape)
    frame = nap.TsdFrame(t=np.arange(50_000) / 1250.0, d=mm)
    calls = []
    orig = LazyDataIterator.__next__

    def counting(self):
        chunk = orig(self)
        calls.append(chunk.data.shape[0])
        return chunk

    monkeypatch.setattr(LazyDataIterator, "__next__", counting)
    path = tmp_path / "mm.nwb"
    write_nwb(frame, path, "raw", compression="gzip", compression_opts=1, chunk_size=8192)
    check_nwb(path)
    assert len(calls) > 1
    assert sum(calls) == 50_000
    with NWBHDF5IO(path, "r") as io:
        ds = io.read().acquisition["raw"].data
        np.testing.assert_array_equal(ds[:], d)
        assert ds.compression == "gzip"
        assert ds.compression_opts == 1
        assert ds.chunks[1] == 4
        assert ds.chunks[0] <= 8192


def test_lzf_and_shuffle(tmp_path, rng):
    tsd = nap.Tsd(t=np.arange(1000) / 10.0, d=rng.normal(size=1000))
    path = tmp_path / "lzf.nwb"
    write_nwb(tsd, path, "x", compression="lzf", shuffle=True, stream=True)
    with h5py.File(path, "r") as f:
        assert f["acquisition/x/data"].compression == "lzf"
        assert f["acquisition/x/data"].shuffle
    check_nwb(path)


# --- existing files -----------------------------------------------------------------------------
def test_append_keeps_existing_content(tmp_path, rng):
    path = tmp_path / "session.nwb"
    a = nap.Tsd(t=np.arange(100) / 10.0, d=rng.normal(size=100))
    write_nwb(a, path, "a", nwbfile_kwargs={"session_description": "my session"})
    with NWBHDF5IO(path, "r") as io:
        ident = io.read().identifier
    b = nap.IntervalSet([0, 5], [1, 6])
    write_nwb(b, path, "b", location="processing", module="behavior")
    c = nap.Tsd(t=np.arange(10) / 2.0, d=np.ones(10))
    write_nwb(c, path, "c", location="processing", module="behavior")
    check_nwb(path)
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        assert nwb.identifier == ident
        assert nwb.session_description == "my session"
        np.testing.assert_array_equal(nwb.acquisition["a"].data[:], a.values)
        assert set(nwb.processing["behavior"].data_interfaces) == {"b", "c"}
    assert no_partial(tmp_path)


def test_name_clash_is_refused_and_file_unchanged(tmp_path):
    path = tmp_path / "clash.nwb"
    write_nwb(nap.Ts(t=[1.0, 2.0]), path, "x")
    before = path.read_bytes()
    with pytest.raises(MemphysValueError, match="already has an object named 'x'"):
        write_nwb(nap.Ts(t=[3.5]), path, "x")
    group = nap.TsGroup({0: nap.Ts(t=[0.5])}, time_support=nap.IntervalSet(0, 1))
    write_nwb(group, path, "units")
    with pytest.raises(MemphysValueError, match="already has a units table"):
        write_nwb(group, path, "units")
    assert path.read_bytes() != before  # the units table was added
    mid = path.read_bytes()
    with pytest.raises(MemphysValueError, match="more than once"):
        write_nwb(
            {
                "r": nap.Ts(t=[1.0], time_support=nap.IntervalSet(0, 2)),
                "r_time_support": nap.IntervalSet(0, 1),
            },
            path,
        )
    assert path.read_bytes() == mid
    assert no_partial(tmp_path)


def test_overwrite_replaces_the_file(tmp_path):
    path = tmp_path / "o.nwb"
    write_nwb(nap.Ts(t=[1.0]), path, "x")
    write_nwb(nap.Ts(t=[2.0]), path, "y", overwrite=True)
    with NWBHDF5IO(path, "r") as io:
        assert set(io.read().acquisition) == {"y"}


# --- processed copy with external links -----------------------------------------------------------
def test_processed_copy_links_the_raw_data(tmp_path, rng):
    from pynwb.file import Subject

    raw_data = rng.integers(-2000, 2000, size=(400_000, 8)).astype("int16")  # 6.4 MB
    raw = nap.TsdFrame(t=np.arange(400_000) / 1250.0, d=raw_data)
    raw_path = tmp_path / "raw.nwb"
    subject = Subject(subject_id="rat1", species="Rattus norvegicus", sex="M", age="P90D")
    write_nwb(
        raw,
        raw_path,
        "ElectricalSeries",
        unit="uV",
        compression=None,
        nwbfile_kwargs={"session_description": "raw session", "subject": subject},
    )
    raw_before = raw_path.read_bytes()

    filtered = nap.apply_lowpass_filter(raw[:, [0]], 10.0)
    low = nap.TsdFrame(t=filtered.t[::25], d=np.asarray(filtered.values)[::25])
    spikes = nap.TsGroup({0: nap.Ts(t=np.sort(rng.uniform(0, 300, 50)))})
    out = make_processed_copy(
        raw_path, tmp_path / "processed.nwb", {"lowpass": low, "units": spikes}, module="ecephys"
    )
    check_nwb(out)
    assert raw_path.read_bytes() == raw_before  # the raw file is untouched
    raw_size, out_size = raw_path.stat().st_size, out.stat().st_size
    print(f"\nraw {raw_size / 1e6:.2f} MB, processed copy {out_size / 1e6:.3f} MB")
    assert out_size < raw_size / 10
    with h5py.File(out, "r") as f:
        link = f.get("acquisition/ElectricalSeries", getlink=True)
        assert isinstance(link, h5py.ExternalLink)
        assert link.filename == "raw.nwb"
        assert link.path == "/acquisition/ElectricalSeries"
        assert f["acquisition/ElectricalSeries/data"].file.filename.endswith("raw.nwb")
    with NWBHDF5IO(out, "r") as io:
        nwb = io.read()
        assert nwb.session_description == "raw session"
        assert nwb.subject.subject_id == "rat1"
        assert nwb.subject.age == "P90D"
        np.testing.assert_array_equal(
            nwb.acquisition["ElectricalSeries"].data[:1000], raw_data[:1000]
        )
        np.testing.assert_array_equal(nwb.acquisition["ElectricalSeries"].data[-5:], raw_data[-5:])
        proc = nwb.processing["ecephys"]
        np.testing.assert_allclose(proc["lowpass"].data[:], np.asarray(low.values))
        assert proc["lowpass"].rate == pytest.approx(50.0)
        assert len(proc["units"].id[:]) == 1
    assert no_partial(tmp_path)


def test_processed_copy_chain_links_every_earlier_object(tmp_path, rng):
    """raw (acquisition + a processing module + scratch) -> processed copy -> scratch copy:
    each copy links every earlier object (none is copied) and is under 5% of the raw file."""
    n = 1_250_000  # 8 channels of int16: 20 MB
    raw_data = rng.integers(-2000, 2000, size=(n, 8)).astype("int16")
    raw_path = tmp_path / "raw.nwb"
    lfp = nap.TsdFrame(t=np.arange(n // 25) / 50.0, d=raw_data[::25, :2].astype("float32"))
    write_nwb(
        {"ElectricalSeries": nap.TsdFrame(t=np.arange(n) / 1250.0, d=raw_data)},
        raw_path,
        unit="uV",
        compression=None,
    )
    write_nwb(lfp, raw_path, "lfp", location="processing", module="ecephys", compression=None)
    write_nwb(nap.Tsd(t=np.arange(5.0), d=np.arange(5.0)), raw_path, "note", location="scratch")
    speed = nap.Tsd(t=np.arange(1000) / 10.0, d=rng.random(1000))
    write_nwb(speed, raw_path, "speed", location="processing", module="behavior")

    spikes = nap.TsGroup({0: nap.Ts(t=np.sort(rng.uniform(0, 900, 200)))})
    proc = make_processed_copy(raw_path, tmp_path / "processed.nwb", {"units": spikes})
    check_nwb(proc)
    theta = nap.Tsd(t=np.arange(100) / 2.0, d=np.ones(100))
    scratch = make_processed_copy(
        proc, tmp_path / "scratch.nwb", {"theta": theta}, location="scratch"
    )
    check_nwb(scratch)
    raw_size = raw_path.stat().st_size
    sizes = {p.name: p.stat().st_size for p in (proc, scratch)}
    print(f"\nraw {raw_size / 1e6:.2f} MB, copies (bytes) {sizes}")
    assert all(size < 0.05 * raw_size for size in sizes.values()), (raw_size, sizes)
    with h5py.File(proc, "r") as f:
        # the module that gets new objects is recreated with a link to each old one
        link = f.get("processing/ecephys/lfp", getlink=True)
        assert isinstance(link, h5py.ExternalLink)
        assert (link.filename, link.path) == ("raw.nwb", "/processing/ecephys/lfp")
        assert isinstance(f.get("processing/behavior", getlink=True), h5py.ExternalLink)
        assert isinstance(f.get("scratch/note", getlink=True), h5py.ExternalLink)
        assert isinstance(f.get("processing/ecephys/units", getlink=True), h5py.HardLink)
    with h5py.File(scratch, "r") as f:
        for key in ("acquisition/ElectricalSeries", "processing/ecephys", "scratch/note"):
            assert isinstance(f.get(key, getlink=True), h5py.ExternalLink), key
        assert f.get("processing/ecephys", getlink=True).filename == "processed.nwb"
        # pynwb does not read a scratch link: it is re-created, pointing to its target
        assert f.get("scratch/note", getlink=True).filename == "raw.nwb"
        assert isinstance(f.get("scratch/theta", getlink=True), h5py.HardLink)
    with NWBHDF5IO(scratch, "r") as io:
        nwb = io.read()
        np.testing.assert_array_equal(nwb.acquisition["ElectricalSeries"].data[-3:], raw_data[-3:])
        ecephys = nwb.processing["ecephys"]
        np.testing.assert_array_equal(ecephys["lfp"].data[:10], np.asarray(lfp.values)[:10])
        np.testing.assert_array_equal(ecephys["units"]["spike_times"][0], spikes[0].t)
        np.testing.assert_array_equal(nwb.processing["behavior"]["speed"].data[:], speed.values)
        assert set(nwb.scratch) == {"theta"}  # pynwb skips linked scratch objects
    np.testing.assert_array_equal(get_scratch(scratch, "note").values[:], np.arange(5.0))
    assert no_partial(tmp_path)


def test_processed_copy_without_links_and_errors(tmp_path):
    raw_path = tmp_path / "raw.nwb"
    write_nwb(nap.Tsd(t=np.arange(10) / 10.0, d=np.ones(10)), raw_path, "x")
    out = make_processed_copy(
        raw_path, tmp_path / "p.nwb", {"y": nap.Ts(t=[0.5])}, link_raw=False, module="behavior"
    )
    with NWBHDF5IO(out, "r") as io:
        nwb = io.read()
        assert set(nwb.acquisition) == set()
        assert set(nwb.processing["behavior"].data_interfaces) == {"y"}
    with pytest.raises(MemphysValueError, match="exists"):
        make_processed_copy(raw_path, out, {"y": nap.Ts(t=[0.5])})
    with pytest.raises(MemphysValueError, match="is the raw file"):
        make_processed_copy(raw_path, raw_path, {"y": nap.Ts(t=[0.5])}, overwrite=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        make_processed_copy(tmp_path / "nope.nwb", tmp_path / "q.nwb", {"y": nap.Ts(t=[0.5])})
    with pytest.raises(MemphysTypeError, match="processed"):
        make_processed_copy(raw_path, tmp_path / "q.nwb", [nap.Ts(t=[0.5])])  # type: ignore[arg-type]


# --- crash safety ---------------------------------------------------------------------------
class Boom(RuntimeError):
    pass


def _explode_on_third_block(monkeypatch):
    orig = LazyDataIterator.__next__
    count = {"n": 0}

    def exploding(self):
        count["n"] += 1
        if count["n"] == 3:
            raise Boom("injected failure mid-write")
        return orig(self)

    monkeypatch.setattr(LazyDataIterator, "__next__", exploding)
    return count


def _big_lazy_frame(tmp_path, rng):
    raw = tmp_path / "src.dat"
    rng.integers(-100, 100, size=(40_000, 4)).astype("int16").tofile(raw)
    mm = np.memmap(raw, dtype="int16", mode="r", shape=(40_000, 4))
    return nap.TsdFrame(t=np.arange(40_000) / 1000.0, d=mm)


def test_failed_new_file_leaves_nothing(tmp_path, rng, monkeypatch):
    frame = _big_lazy_frame(tmp_path, rng)
    count = _explode_on_third_block(monkeypatch)
    path = tmp_path / "new.nwb"
    with pytest.raises(Boom):
        write_nwb(frame, path, "x", chunk_size=4096)
    assert count["n"] == 3  # it failed mid-write, after two blocks were written
    assert not path.exists()
    assert no_partial(tmp_path)


def test_failed_append_leaves_the_original_byte_identical(tmp_path, rng, monkeypatch):
    path = tmp_path / "existing.nwb"
    write_nwb(nap.Tsd(t=np.arange(100) / 10.0, d=rng.normal(size=100)), path, "keep")
    before = path.read_bytes()
    stat = path.stat()
    frame = _big_lazy_frame(tmp_path, rng)
    _explode_on_third_block(monkeypatch)
    with pytest.raises(Boom):
        write_nwb(frame, path, "x", location="processing", module="ecephys", chunk_size=4096)
    assert path.read_bytes() == before
    assert path.stat().st_ino == stat.st_ino  # not even replaced
    assert no_partial(tmp_path)
    check_nwb(path)


def test_failed_processed_copy_leaves_nothing(tmp_path, rng, monkeypatch):
    raw_path = tmp_path / "raw.nwb"
    write_nwb(nap.Tsd(t=np.arange(10) / 10.0, d=np.ones(10)), raw_path, "x")
    before = raw_path.read_bytes()
    frame = _big_lazy_frame(tmp_path, rng)
    _explode_on_third_block(monkeypatch)
    with pytest.raises(Boom):
        make_processed_copy(raw_path, tmp_path / "p.nwb", {"f": frame}, chunk_size=4096)
    assert not (tmp_path / "p.nwb").exists()
    assert raw_path.read_bytes() == before
    assert no_partial(tmp_path)


def test_invalid_result_is_not_saved(tmp_path, monkeypatch):
    path = tmp_path / "v.nwb"
    write_nwb(nap.Ts(t=[1.0]), path, "x")
    before = path.read_bytes()
    monkeypatch.setattr("pynwb.validate", lambda **kw: ["a fake validation error"])
    with pytest.raises(FileFormatError, match="does not pass the NWB schema validator"):
        write_nwb(nap.Ts(t=[2.0]), path, "y")
    assert path.read_bytes() == before
    assert no_partial(tmp_path)


def test_append_refused_without_disk_space(tmp_path, monkeypatch):
    path = tmp_path / "full.nwb"
    write_nwb(nap.Ts(t=[1.0]), path, "x")
    before = path.read_bytes()
    usage = type("U", (), {"free": 1024, "total": 2048, "used": 1024})
    monkeypatch.setattr(nwb_write.shutil, "disk_usage", lambda p: usage)
    with pytest.raises(OSError, match="Cannot append safely"):
        write_nwb(nap.Ts(t=[2.0]), path, "y")
    assert path.read_bytes() == before


# --- bad input ----------------------------------------------------------------------------------
def test_bad_input_errors(tmp_path):
    path = tmp_path / "bad.nwb"
    ts = nap.Ts(t=[1.0])
    with pytest.raises(MemphysValueError, match="`location`"):
        write_nwb(ts, path, "x", location="stimulus")
    with pytest.raises(MemphysTypeError, match="expected a memphys"):
        write_nwb(np.arange(3), path, "x")
    with pytest.raises(MemphysTypeError, match="expected a memphys"):
        add_scratch(path, "x", [1, 2, 3])
    with pytest.raises(MemphysValueError, match="`module`"):
        write_nwb(ts, path, "x", location="processing")
    with pytest.raises(MemphysValueError, match="`name`"):
        write_nwb(ts, path)
    with pytest.raises(MemphysValueError, match="`name`"):
        write_nwb(ts, path, "a/b")
    with pytest.raises(MemphysValueError, match="`compression`"):
        write_nwb(ts, path, "x", compression="zstd")
    with pytest.raises(FileNotFoundError):
        write_nwb(ts, tmp_path / "missing" / "x.nwb", "x")
    assert not path.exists()
    not_nwb = tmp_path / "not.nwb"
    not_nwb.write_bytes(b"hello, I am not HDF5")
    with pytest.raises(FileFormatError, match="Cannot open"):
        write_nwb(ts, not_nwb, "x")
    assert not_nwb.read_bytes() == b"hello, I am not HDF5"
    write_nwb(ts, path, "x")
    with pytest.raises(MemphysValueError, match="nwbfile_kwargs"):
        write_nwb(ts, path, "y", nwbfile_kwargs={"session_description": "s"})
    with pytest.raises(MemphysValueError, match="nwbfile_kwargs"):
        write_nwb(ts, tmp_path / "k.nwb", "y", nwbfile_kwargs={"not_an_arg": 1})
    with pytest.raises(FileNotFoundError):
        get_scratch(tmp_path / "nope.nwb", "x")
    assert issubclass(FileFormatError, MemphysError)
    assert no_partial(tmp_path)
