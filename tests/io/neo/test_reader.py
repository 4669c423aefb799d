"""EphysReader on every real vendor recording of ../shared/data, compared with neo itself."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import neo.rawio
import numpy as np
import pytest

import memphys as nap
from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysTypeError

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def _data(name: str) -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not found: {DATA}")
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared dataset not found: {path}")
    return path


def _neo(cls_name: str, **kwargs: Any) -> Any:
    r = getattr(neo.rawio, cls_name)(**kwargs)
    r.parse_header()
    return r


def _reader(path: Path, **kwargs: Any) -> nap.EphysReader:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SpikeGLX size warnings: tested below
        return nap.EphysReader(path, **kwargs)


# dataset, path inside it, neo RawIO, its arguments (path key added), memphys kwargs
_D = "dirname"
_F = "filename"
CASES = [
    ("intan_rhd_fpc_test_231117", "info.rhd", "IntanRawIO", _F, {}, {}),
    ("intan_rhd_fps_test_231117", "info.rhd", "IntanRawIO", _F, {}, {}),
    ("intan_rhd_intan-sampledata", "sampledata.rhd", "IntanRawIO", _F, {}, {}),
    ("intan_rhd_olveczky_r4_part", "r4_210612_195804_part.rhd", "IntanRawIO", _F, {}, {}),
    ("intan_rhd_onefilepersignal_ephys2", "info.rhd", "IntanRawIO", _F, {}, {}),
    ("openephys_binary_v0.4.4.1_cinpla_video_tracking", "", "OpenEphysBinaryRawIO", _D, {}, {}),
    ("openephys_binary_v0.4.4.1_cinpla_with_spikes", "", "OpenEphysBinaryRawIO", _D, {}, {}),
    ("openephys_binary_v0.6_neuropixels_multiexp", "", "OpenEphysBinaryRawIO", _D, {}, {}),
    ("plexon_plx_File_plexon_1", "File_plexon_1.plx", "PlexonRawIO", _F, {}, {}),
    ("plexon_plx_File_plexon_3", "File_plexon_3.plx", "PlexonRawIO", _F, {}, {}),
    ("spikeglx_NP2_with_sync", "", "SpikeGLXRawIO", _D, {}, {}),
    ("spikeglx_Noise4Sam_g0", "", "SpikeGLXRawIO", _D, {}, {}),
    ("spikeglx_TEST_20210920_0_g0", "", "SpikeGLXRawIO", _D, {}, {}),
    ("spikeglx_long_nhp_stubbed", "", "SpikeGLXRawIO", _D, {}, {}),
    ("spikeglx_multi_probe_multi_dock", "", "SpikeGLXRawIO", _D, {}, {}),
    ("spikeglx_np_ultra_stub", "", "SpikeGLXRawIO", _D, {}, {}),
]
_LOCUST = {"dtype": "int16", "sampling_rate": 15000.0, "nb_channel": 4}
_RAW = [
    ("rawbinary_tridesclous_locust", "locust_trial_01.raw", _LOCUST),
    ("rawbinary_tridesclous_locust", "locust_trial_02.raw", _LOCUST),
    (
        "rawbinary_phy-data_test-4ch-1s",
        "test-4ch-1s.dat",
        {"dtype": "int16", "sampling_rate": 20000.0, "nb_channel": 4},
    ),
    (
        "rawbinary_tridesclous_purkinje",
        "purkinje_cell_attached.raw",
        {"dtype": "float32", "sampling_rate": 15000.0, "nb_channel": 1},
    ),
]
CASES += [
    (
        d,
        f,
        "RawBinarySignalRawIO",
        _F,
        kw,
        {
            "dtype": kw["dtype"],
            "sampling_rate": kw["sampling_rate"],
            "n_channels": kw["nb_channel"],
        },
    )
    for d, f, kw in _RAW
]


def _compare_signals(
    reader: nap.EphysReader, ref: Any, key_of: Any, rate_of: Any = None, blocks: Any = None
) -> int:
    """Every stream of every block/segment: raw and scaled samples, channels, rate, t_start."""
    h = ref.header
    n = 0
    for b in blocks if blocks is not None else range(h["nb_block"]):
        for s in range(ref.segment_count(b)):
            for k, stream in enumerate(h["signal_streams"]):
                key = key_of(b, s, k, str(stream["name"]))
                frame = reader[key]
                expected = ref.get_analogsignal_chunk(b, s, None, None, k)
                got = np.asarray(frame.values)
                assert got.dtype == expected.dtype, key
                np.testing.assert_array_equal(got, expected, err_msg=key)
                scaled = np.asarray(reader.get(key, scaled=True).values)
                expected_scaled = ref.rescale_signal_raw_to_float(
                    expected, dtype="float32", stream_index=k
                )
                assert scaled.dtype == np.float32
                np.testing.assert_array_equal(scaled, expected_scaled, err_msg=key)
                chans = h["signal_channels"][h["signal_channels"]["stream_id"] == stream["id"]]
                np.testing.assert_array_equal(frame.channel_name.values, chans["name"].astype(str))
                np.testing.assert_array_equal(frame.channel_id.values, chans["id"].astype(str))
                np.testing.assert_array_equal(frame.gain.values, chans["gain"])
                np.testing.assert_array_equal(frame.offset.values, chans["offset"])
                rate = rate_of(k) if rate_of else ref.get_signal_sampling_rate(k)
                assert frame._ti.rate == pytest.approx(rate, rel=1e-12)
                assert frame.t[0] == pytest.approx(ref.get_signal_t_start(b, s, k), abs=1e-12)
                assert len(frame) == ref.get_signal_size(b, s, k)
                n += 1
    return n


def _compare_spikes_events(reader: nap.EphysReader, ref: Any, prefix: str = "", b: int = 0) -> None:
    h = ref.header
    nseg = ref.segment_count(b)
    spk = h["spike_channels"]
    if len(spk) > 1:
        group = reader[f"{prefix}TsGroup"]
        assert len(group) == len(spk)
        for c in range(len(spk)):
            t = np.concatenate(
                [
                    ref.rescale_spike_timestamp(
                        ref.get_spike_timestamps(b, s, c, None, None), "float64"
                    )
                    for s in range(nseg)
                ]
            )
            np.testing.assert_array_equal(group[c].t, np.sort(t))
        np.testing.assert_array_equal(group.neo_name.values, spk["name"].astype(str))
    n_ev = 0
    for c, ch in enumerate(h["event_channels"]):
        if ch["type"] != b"event":
            continue
        key = f"{prefix}{n_ev}:{ch['name']}"
        n_ev += 1
        parts = [ref.get_event_timestamps(b, s, c, None, None) for s in range(nseg)]
        t = np.concatenate([ref.rescale_event_timestamp(p[0], "float64", c) for p in parts])
        labels = np.concatenate([np.asarray(p[2]).astype(str) for p in parts])
        order = np.argsort(t, kind="stable")
        np.testing.assert_array_equal(reader[key].t, t[order])
        np.testing.assert_array_equal(reader.labels(key), labels[order])


@pytest.mark.parametrize(
    ("dataset", "rel", "cls", "path_key", "neo_kw", "memphys_kw"),
    CASES,
    ids=[f"{c[0]}/{c[1]}" if c[1] else c[0] for c in CASES],
)
def test_equals_neo(
    dataset: str, rel: str, cls: str, path_key: str, neo_kw: dict, memphys_kw: dict
) -> None:
    root = _data(dataset)
    path = root / rel if rel else root
    reader = _reader(path, **memphys_kw)
    assert reader.format == cls
    ref = _neo(cls, **{path_key: str(path), **neo_kw})
    multi = ref.header["nb_block"] > 1

    def key_of(b: int, s: int, k: int, name: str) -> str:
        return (f"block{b}/" if multi else "") + (f"seg{s}/" if s else "") + f"{k}:{name}"

    n = _compare_signals(reader, ref, key_of)
    assert n == sum(ref.segment_count(b) for b in range(ref.header["nb_block"])) * len(
        ref.header["signal_streams"]
    )
    for b in range(ref.header["nb_block"]):
        _compare_spikes_events(reader, ref, f"block{b}/" if multi else "", b)
    n_keys = n + sum(1 for e in ref.header["event_channels"]) * ref.header["nb_block"]
    n_keys += (len(ref.header["spike_channels"]) > 0) * ref.header["nb_block"]
    assert len(reader) == n_keys


def test_memmapped_where_neo_describes_a_buffer() -> None:
    from memphys.arrays import MemmapArray
    from memphys.arrays.neo_array import ColumnSelectArray, NeoArray

    glx = _reader(_data("spikeglx_np_ultra_stub"))
    ap = glx["0:imec0.ap"].values
    assert isinstance(ap, ColumnSelectArray)
    assert isinstance(ap.source, MemmapArray)
    assert ap.source.shape == (5000, 385)
    assert ap.shape == (5000, 384)
    oe = _reader(_data("openephys_binary_v0.4.4.1_cinpla_video_tracking"))
    assert isinstance(oe["0:Rhythm_FPGA-100.0"].values, MemmapArray)
    intan = _reader(_data("intan_rhd_intan-sampledata") / "sampledata.rhd")
    assert isinstance(intan["0:RHD2000 amplifier channel"].values, NeoArray)


def test_neo_reads_are_contiguous_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = _reader(_data("plexon_plx_File_plexon_3") / "File_plexon_3.plx")
    frame = reader["0:V"]
    calls: list[tuple[int, int]] = []
    rawio = frame.values._get_reader()
    original = rawio.get_analogsignal_chunk

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((kwargs["i_start"], kwargs["i_stop"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(rawio, "get_analogsignal_chunk", spy)
    n = len(frame)
    part = frame.values[1000:1010]
    assert part.shape == (10, 1)
    sub = frame.restrict(nap.IntervalSet(start=[10.0, 100.0], end=[10.5, 100.25]))
    assert len(sub) == 501 + 251
    assert frame.get(200.0, 200.01).shape == (11, 1)
    assert calls, "no read went through neo"
    assert all(stop > start for start, stop in calls)
    assert max(stop - start for start, stop in calls) <= 501
    assert not any(start == 0 and stop == n for start, stop in calls)
    # the same samples as one whole read
    np.testing.assert_array_equal(part, original(0, 0, 1000, 1010, 0))


def _pickled_checksum(obj: Any) -> str:
    code = (
        "import pickle, sys, numpy as np\n"
        "obj = pickle.loads(sys.stdin.buffer.read())\n"
        "v = np.asarray(obj.values)\n"
        "s = repr(float(v.astype('float64').sum()))\n"
        "print(type(obj.values).__name__, v.dtype, v.shape, s)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(obj),
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return out.stdout.decode().strip()


@pytest.mark.parametrize(
    ("dataset", "rel", "key"),
    [
        ("plexon_plx_File_plexon_3", "File_plexon_3.plx", "0:V"),
        ("intan_rhd_fps_test_231117", "info.rhd", "1:RHD2000 auxiliary input channel"),
        ("spikeglx_TEST_20210920_0_g0", "", "0:imec0.ap"),
    ],
)
@pytest.mark.parametrize("scaled", [False, True])
def test_pickled_frame_reads_the_same_in_a_subprocess(
    dataset: str, rel: str, key: str, scaled: bool
) -> None:
    root = _data(dataset)
    frame = _reader(root / rel if rel else root).get(key, scaled=scaled)
    payload = pickle.dumps(frame)
    assert len(payload) < 1_000_000  # a recipe, not the samples
    v = np.asarray(frame.values)
    expected = (
        f"{type(frame.values).__name__} {v.dtype} {v.shape} {float(v.astype('float64').sum())!r}"
    )
    assert _pickled_checksum(frame) == expected


def test_spikeglx_sample_count_from_file_size_with_warning() -> None:
    root = _data("spikeglx_TEST_20210920_0_g0")
    with pytest.warns(UserWarning, match=r"fileSizeBytes=23598960 .* holds 770000 bytes"):
        reader = nap.EphysReader(root)
    size = (root / "TEST_20210920_0_g0_t0.imec0.ap.bin").stat().st_size
    assert len(reader["0:imec0.ap"]) == size // (2 * 385) == 1000
    # the long-NHP stub's .meta agrees with its file: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nap.EphysReader(_data("spikeglx_long_nhp_stubbed"))


def test_neuroscope_lfp_at_lfp_sampling_rate() -> None:
    root = _data("neuroscope_YutaMouse42-151117_stub")
    reader = _reader(root)
    assert reader.format == "NeuroScopeRawIO"
    xml = root / "YutaMouse42-151117.xml"
    for ext in ("lfp", "eeg"):
        name = f"YutaMouse42-151117.{ext}"
        ref = _neo("NeuroScopeRawIO", filename=str(xml), binary_file=str(root / name))
        assert ref.get_signal_sampling_rate(0) == 20000.0  # neo's (wrong) rate
        n = _compare_signals(reader, ref, lambda b, s, k, nm, f=name: f, rate_of=lambda k: 1250.0)
        assert n == 1
        assert reader[name]._ti.rate == 1250.0
    # a single file opens alone
    one = _reader(root / "YutaMouse42-151117.eeg")
    assert list(one.keys()) == ["YutaMouse42-151117.eeg"]


def test_neuroscope_clu_res_spikes() -> None:
    root = _data("neuroscope_klusters_pynapple_A2929-200711")
    reader = _reader(root)
    assert list(reader.keys()) == ["A2929-200711.clu.1", "A2929-200711.clu.2"]
    group = reader["A2929-200711.clu.2"]
    res = np.loadtxt(root / "A2929-200711.res.2", dtype=np.int64)
    clu = np.loadtxt(root / "A2929-200711.clu.2", dtype=np.int64)[1:]
    ids = [u for u in np.unique(clu) if u > 1]
    assert len(group) == len(ids)
    for i, u in enumerate(ids):
        np.testing.assert_array_equal(group[i].t, res[clu == u] / 20000.0)
    assert set(group.group.values) == {2}
    # the YutaMouse stub's shank 5 has one label fewer than times: a warning, not a crash
    yuta = _reader(_data("neuroscope_YutaMouse42-151117_stub"))
    with pytest.warns(UserWarning, match="reading the first 9 spikes"):
        yuta["YutaMouse42-15111710.clu.5"]


def test_cellexplorer_session_without_xml() -> None:
    root = _data("neuroscope_cellexplorer_MS22_stub")
    reader = _reader(root)
    base = "Peter_MS22_180629_110319_concat_stubbed"
    assert list(reader.keys()) == [f"{base}.dat", f"{base}.lfp"]
    for ext, rate in (("dat", 20000.0), ("lfp", 1250.0)):
        ref = _neo(
            "RawBinarySignalRawIO",
            filename=str(root / f"{base}.{ext}"),
            dtype="int16",
            sampling_rate=rate,
            nb_channel=128,
            signal_gain=0.195,
        )
        _compare_signals(reader, ref, lambda b, s, k, nm, e=ext: f"{base}.{e}")
        assert reader[f"{base}.{ext}"].shape == (1000, 128)


def test_openephys_experiments_listed_and_selectable() -> None:
    root = _data("openephys_binary_v0.6_neuropixels_multiexp")
    reader = _reader(root)
    assert reader.blocks == ["experiment1", "experiment3", "experiment6"]
    text = str(reader)
    for b in range(3):
        assert f"block{b}/1:Record Node 101#Neuropix-PXI-100.ProbeB" in text
    ref = _neo("OpenEphysBinaryRawIO", dirname=str(root))
    one = _reader(root, block_index=1)
    assert "1:Record Node 101#Neuropix-PXI-100.ProbeB" in one
    assert not any(k.startswith("block") for k in one)
    _compare_signals(one, ref, lambda b, s, k, name: f"{k}:{name}", blocks=[1])
    _compare_spikes_events(one, ref, "", 1)
    # neo's own experiment selection passes through
    exp3 = _reader(root, experiment_names="experiment3")
    assert exp3.blocks == ["experiment3"]
    assert (
        exp3["1:Record Node 101#Neuropix-PXI-100.ProbeB"].t[0]
        == one["1:Record Node 101#Neuropix-PXI-100.ProbeB"].t[0]
    )
    np.testing.assert_array_equal(
        np.asarray(exp3["1:Record Node 101#Neuropix-PXI-100.ProbeB"].values),
        np.asarray(reader["block1/1:Record Node 101#Neuropix-PXI-100.ProbeB"].values),
    )
    with pytest.raises(FileFormatError, match="holds 3 block"):
        nap.EphysReader(root, block_index=3)


def test_print_table() -> None:
    reader = _reader(_data("plexon_plx_File_plexon_3") / "File_plexon_3.plx")
    assert str(reader).splitlines() == [
        "File_plexon_3",
        "┍━━━━━━━━━┯━━━━━━━━━━┑",
        "│ Key     │ Type     │",
        "┝━━━━━━━━━┿━━━━━━━━━━┥",
        "│ 0:V     │ TsdFrame │",
        "│ TsGroup │ TsGroup  │",
        "┕━━━━━━━━━┷━━━━━━━━━━┙",
    ]
    assert repr(reader) == str(reader)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("spikeglx", "SpikeGLXRawIO"),
        ("SpikeGLXIO", "SpikeGLXRawIO"),
        ("SpikeGLXRawIO", "SpikeGLXRawIO"),
        (neo.rawio.SpikeGLXRawIO, "SpikeGLXRawIO"),
    ],
)
def test_format_names(fmt: Any, expected: str) -> None:
    reader = _reader(_data("spikeglx_TEST_20210920_0_g0"), format=fmt)
    assert reader.format == expected
    assert "0:imec0.ap" in reader


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(MemphysFileNotFoundError, match="does not exist"):
        nap.EphysReader(tmp_path / "missing.plx")
    with pytest.raises(FileFormatError, match="'openephys', 'spikeglx', 'intan'") as err:
        nap.EphysReader(tmp_path, format="nope")
    assert "PlexonRawIO" in str(err.value)
    with pytest.raises(FileFormatError, match="Cannot detect"):
        nap.EphysReader(tmp_path)
    raw = tmp_path / "x.raw"
    np.zeros((10, 3), dtype="int16").tofile(raw)
    with pytest.raises(MemphysTypeError, match="sampling_rate"):
        nap.EphysReader(raw)
    with pytest.raises(FileFormatError, match="not a multiple"):
        nap.EphysReader(raw, sampling_rate=1000, dtype="int16", n_channels=4)
    with pytest.raises(MemphysTypeError, match="allowed values"):
        nap.EphysReader(raw, sampling_rate=1000, dtype="int16", n_channels=3, bogus=1)
    with pytest.raises(MemphysTypeError):
        nap.EphysReader(123)  # type: ignore[arg-type]
    reader = nap.EphysReader(raw, sampling_rate=1000, dtype="int16", n_channels=3)
    with pytest.raises(KeyError, match="Available keys"):
        reader["nope"]
    assert reader.get("nope", 5) == 5
