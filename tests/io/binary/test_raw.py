"""Raw binary reading (``load_binary_file``) and writing (``save_binary``)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import memphys as nap
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.io.binary.raw import MAX_CHANNELS, ChannelView, load_binary_file, save_binary

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared test data not found at {DATA} (../shared/data)"
)
YUTA = DATA / "neuroscope_YutaMouse42-151117_stub"
MS22 = DATA / "neuroscope_cellexplorer_MS22_stub"


def raw(path: Path, n: int = 50, nch: int = 4, dtype: str = "int16") -> np.ndarray:
    x = (np.arange(n * nch) * 7 % 1000 - 500).astype(dtype).reshape(n, nch)
    x.tofile(path)
    return x


XML = (
    "<parameters><acquisitionSystem><nBits>16</nBits><nChannels>4</nChannels>"
    "<samplingRate>20000</samplingRate><voltageRange>20</voltageRange>"
    "<amplification>1000</amplification></acquisitionSystem>"
    "<fieldPotentials><lfpSamplingRate>1250</lfpSamplingRate></fieldPotentials>"
    "<anatomicalDescription><channelGroups><group><channel skip='0'>0</channel>"
    "<channel skip='1'>1</channel></group><group><channel skip='0'>2</channel></group>"
    "</channelGroups></anatomicalDescription></parameters>"
)


# ---------------------------------------------------------------------------- reading
def test_all_channels_memmap_on_regular_index(tmp_path):
    x = raw(tmp_path / "r.dat")
    f = load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=100.0)
    assert isinstance(f, nap.TsdFrame)
    assert isinstance(f.values, np.memmap)
    assert f.time_index.is_regular
    assert f.time_index.nbytes < 100
    np.testing.assert_array_equal(f.values, x)
    np.testing.assert_array_equal(f.t, np.arange(50) / 100.0)
    assert f.columns.tolist() == [0, 1, 2, 3]


def test_channel_int_is_a_memmap_tsd(tmp_path):
    x = raw(tmp_path / "r.dat")
    t = load_binary_file(tmp_path / "r.dat", channel=2, n_channels=4, frequency=100.0)
    assert isinstance(t, nap.Tsd)
    assert isinstance(t.values, np.memmap)
    np.testing.assert_array_equal(t.values, x[:, 2])
    assert (t.time_support.start[0], t.time_support.end[0]) == (0.0, 0.5)


@pytest.mark.parametrize("channels", [[1], [0, 2], [1, 2, 3], [3, 0, 1], [2, 2]])
def test_channel_lists(tmp_path, channels):
    x = raw(tmp_path / "r.dat")
    f = load_binary_file(tmp_path / "r.dat", channel=channels, n_channels=4, sampling_rate=1e3)
    assert isinstance(f, nap.TsdFrame)
    assert f.columns.tolist() == channels
    np.testing.assert_array_equal(np.asarray(f.values[:]), x[:, channels])
    np.testing.assert_array_equal(np.asarray(f.get(0.01, 0.02).values), x[10:21, channels])


def test_channel_view_pickles_as_recipe(tmp_path):
    raw(tmp_path / "r.dat", n=10_000)
    f = load_binary_file(tmp_path / "r.dat", channel=[3, 0], n_channels=4, sampling_rate=1e3)
    assert isinstance(f.values, ChannelView)
    blob = pickle.dumps(f.values)
    assert len(blob) < 2000
    np.testing.assert_array_equal(pickle.loads(blob).read(5, 9), f.values.read(5, 9))


def test_offset_header(tmp_path):
    x = np.arange(40, dtype="<i2").reshape(10, 4)
    with open(tmp_path / "h.bin", "wb") as fh:
        fh.write(b"H" * 16)
        x.tofile(fh)
    f = load_binary_file(tmp_path / "h.bin", n_channels=4, sampling_rate=1.0, offset=16)
    np.testing.assert_array_equal(f.values, x)


def test_float_precision(tmp_path):
    x = raw(tmp_path / "f.raw", dtype="float32")
    f = load_binary_file(
        tmp_path / "f.raw", n_channels=4, sampling_rate=1.0, precision="float32", bytes_size=4
    )
    assert f.dtype == np.float32
    np.testing.assert_array_equal(f.values, x)


def test_xml_sidecar_is_used(tmp_path):
    x = raw(tmp_path / "s.lfp", n=25)
    (tmp_path / "s.xml").write_text(XML)
    f = load_binary_file(tmp_path / "s.lfp")
    assert f.rate == 1250.0
    assert (f.time_support.start[0], f.time_support.end[0]) == (0.0, 25 / 1250)
    np.testing.assert_array_equal(f.t, np.arange(25) / 1250)
    np.testing.assert_array_equal(f.values, x)
    assert f.group.tolist() == [0, 0, 1, -1]
    assert f.skip.tolist() == [False, True, False, False]
    assert np.allclose(f.gain_uv, 20 / 2**16 / 1000 * 1e6)
    raw(tmp_path / "s.dat", n=25)
    assert load_binary_file(tmp_path / "s.dat", channel=0).time_support.end[0] == 25 / 20000
    # the agreeing arguments are accepted
    load_binary_file(tmp_path / "s.lfp", n_channels=4, sampling_rate=1250, precision="int16")
    # xml=False ignores it
    g = load_binary_file(tmp_path / "s.lfp", n_channels=2, sampling_rate=1.0, xml=False)
    assert g.shape == (50, 2)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_channels": 2}, "n_channels.*gives 4"),
        ({"sampling_rate": 20000.0}, "sampling_rate.*gives 1250"),
        ({"frequency": 1000}, "sampling_rate.*gives 1250"),
        ({"precision": "int32", "bytes_size": 4}, "precision.*nBits=16"),
        ({"precision": "float16"}, "precision.*nBits=16"),
    ],
)
def test_xml_disagreement_is_an_error(tmp_path, kwargs, match):
    raw(tmp_path / "s.lfp", n=24)
    (tmp_path / "s.xml").write_text(XML)
    with pytest.raises(FileFormatError, match=match):
        load_binary_file(tmp_path / "s.lfp", **kwargs)


# ----------------------------------------------------------------------- bad inputs
def test_size_not_a_multiple_of_the_frame(tmp_path):
    raw(tmp_path / "r.dat", n=10, nch=4)  # 80 bytes
    with pytest.raises(FileFormatError, match=r"not a whole number of frames.*3 channels"):
        load_binary_file(tmp_path / "r.dat", n_channels=3, sampling_rate=1.0)
    with open(tmp_path / "r.dat", "ab") as fh:  # a truncated last frame
        fh.write(b"\x00\x01\x02")
    with pytest.raises(FileFormatError, match="3 bytes are left over"):
        load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1.0)


def test_offset_past_the_end(tmp_path):
    raw(tmp_path / "r.dat", n=10)
    with pytest.raises(FileFormatError, match="past the end of the file"):
        load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1.0, offset=81)
    with pytest.raises(MemphysValueError, match="offset"):
        load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1.0, offset=-2)


@pytest.mark.parametrize("n_channels", [0, -3, 2.5, True, MAX_CHANNELS + 1, 10**9])
def test_zero_or_absurd_channel_counts(tmp_path, n_channels):
    raw(tmp_path / "r.dat", n=10)
    with pytest.raises(MemphysValueError, match="n_channels"):
        load_binary_file(tmp_path / "r.dat", n_channels=n_channels, sampling_rate=1.0)


def test_more_channels_than_the_file_holds(tmp_path):
    raw(tmp_path / "r.dat", n=10)  # 40 int16 values
    with pytest.raises(FileFormatError, match="expected at most 40 channels"):
        load_binary_file(tmp_path / "r.dat", n_channels=400, sampling_rate=1.0)


def test_dtype_that_does_not_fit(tmp_path):
    raw(tmp_path / "r.dat", n=5, nch=2)  # 20 bytes
    with pytest.raises(MemphysValueError, match="bytes_size"):
        load_binary_file(tmp_path / "r.dat", n_channels=2, sampling_rate=1.0, bytes_size=4)
    with pytest.raises(FileFormatError, match="not a whole number of frames"):
        load_binary_file(tmp_path / "r.dat", n_channels=2, sampling_rate=1.0, precision="f8")
    with pytest.raises(MemphysTypeError, match="precision"):
        load_binary_file(tmp_path / "r.dat", n_channels=2, sampling_rate=1.0, precision="nope")


def test_empty_file(tmp_path):
    (tmp_path / "e.dat").write_bytes(b"")
    with pytest.raises(FileFormatError, match="holds no samples"):
        load_binary_file(tmp_path / "e.dat", n_channels=4, sampling_rate=1.0)
    (tmp_path / "h.dat").write_bytes(b"x" * 8)
    with pytest.raises(FileFormatError, match="holds no samples"):
        load_binary_file(tmp_path / "h.dat", n_channels=4, sampling_rate=1.0, offset=8)


@pytest.mark.parametrize("rate", [0, -1.0, float("nan"), float("inf")])
def test_bad_sampling_rate(tmp_path, rate):
    raw(tmp_path / "r.dat")
    with pytest.raises(MemphysValueError, match="sampling_rate"):
        load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=rate)


def test_missing_parameters_without_xml(tmp_path):
    raw(tmp_path / "r.dat")
    with pytest.raises(MemphysValueError, match="expected `n_channels` and `sampling_rate`"):
        load_binary_file(tmp_path / "r.dat")
    with pytest.raises(MemphysValueError, match="expected `sampling_rate`"):
        nap.load_file(tmp_path / "r.dat", n_channels=4)


def test_frequency_and_sampling_rate_conflict(tmp_path):
    raw(tmp_path / "r.dat")
    with pytest.raises(MemphysValueError, match="aliases"):
        load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1.0, frequency=2.0)


@pytest.mark.parametrize("channel", [4, -1, [0, 7], "a", [[0, 1]]])
def test_bad_channels(tmp_path, channel):
    raw(tmp_path / "r.dat")
    with pytest.raises((MemphysValueError, MemphysTypeError), match="channel"):
        load_binary_file(tmp_path / "r.dat", channel=channel, n_channels=4, sampling_rate=1.0)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MemphysFileNotFoundError):
        load_binary_file(tmp_path / "none.dat", n_channels=1, sampling_rate=1.0)
    with pytest.raises(FileFormatError, match="folder"):
        load_binary_file(tmp_path, n_channels=1, sampling_rate=1.0)


def test_load_file_dispatch_and_unknown_kwargs(tmp_path):
    x = raw(tmp_path / "r.bin")
    f = nap.load_file(tmp_path / "r.bin", n_channels=4, sampling_rate=10.0)
    np.testing.assert_array_equal(f.values, x)
    nap.Tsd(t=[0.0, 1.0], d=[1.0, 2.0]).save(tmp_path / "x.npz")
    with pytest.raises(MemphysTypeError, match="accepts no argument"):
        nap.load_file(tmp_path / "x.npz", n_channels=4)


# ---------------------------------------------------------------------- real data
@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("name", ["YutaMouse42-151117.eeg", "YutaMouse42-151117.lfp"])
def test_neuroscope_with_xml_matches_neo(name):
    from neo.rawio import NeuroScopeRawIO

    f = load_binary_file(YUTA / name)
    r = NeuroScopeRawIO(filename=str(YUTA / name))
    r.parse_header()
    ref = r.get_analogsignal_chunk(0, 0, 0, None, 0, None)
    assert f.shape == ref.shape == (10, 80)
    np.testing.assert_array_equal(f.values, ref)
    # neo reports these files at samplingRate (20 kHz), which is wrong: they are at 1250 Hz
    np.testing.assert_array_equal(f.t, np.arange(10) / 1250.0)
    gains = r.header["signal_channels"]["gain"]
    np.testing.assert_allclose(f.gain_uv, gains * 1e3)
    one = load_binary_file(YUTA / name, channel=33)
    np.testing.assert_array_equal(one.values, ref[:, 33])


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("trial", ["locust_trial_01.raw", "locust_trial_02.raw"])
def test_locust_matches_neo_rawbinary(trial):
    from neo.rawio import RawBinarySignalRawIO

    path = DATA / "rawbinary_tridesclous_locust" / trial
    f = load_binary_file(path, n_channels=4, sampling_rate=15000.0)
    r = RawBinarySignalRawIO(filename=str(path), dtype="int16", nb_channel=4, sampling_rate=15e3)
    r.parse_header()
    ref = r.get_analogsignal_chunk(0, 0, 0, None, 0, None)
    assert f.shape == ref.shape == (431548, 4)
    np.testing.assert_array_equal(f.values, ref)
    np.testing.assert_array_equal(f.get(10.0, 10.01).values, ref[150000:150151])


@needs_data
@pytest.mark.realdata
def test_phy_4ch_matches_neo_rawbinary():
    from neo.rawio import RawBinarySignalRawIO

    path = DATA / "rawbinary_phy-data_test-4ch-1s" / "test-4ch-1s.dat"
    f = nap.load_file(path, n_channels=4, sampling_rate=20000.0)
    r = RawBinarySignalRawIO(filename=str(path), dtype="int16", nb_channel=4, sampling_rate=2e4)
    r.parse_header()
    np.testing.assert_array_equal(f.values, r.get_analogsignal_chunk(0, 0, 0, None, 0, None))
    assert f.shape == (20000, 4)


@needs_data
@pytest.mark.realdata
def test_purkinje_float32_matches_numpy():
    path = DATA / "rawbinary_tridesclous_purkinje" / "purkinje_cell_attached.raw"
    t = load_binary_file(path, channel=0, n_channels=1, sampling_rate=15e3, precision="float32")
    np.testing.assert_array_equal(t.values, np.fromfile(path, dtype="float32"))
    assert isinstance(t, nap.Tsd)
    assert len(t) == 850500


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("suffix", [".dat", ".lfp"])
def test_cellexplorer_ms22_without_xml(suffix):
    path = MS22 / f"Peter_MS22_180629_110319_concat_stubbed{suffix}"
    with pytest.raises(MemphysValueError, match=r"no Neuroscope \.xml"):
        load_binary_file(path)
    f = load_binary_file(path, n_channels=128, sampling_rate=20000.0)
    ref = np.fromfile(path, dtype="int16").reshape(-1, 128)
    assert f.shape == (1000, 128)
    np.testing.assert_array_equal(f.values, ref)
    with pytest.raises(FileFormatError, match="not a whole number of frames"):
        load_binary_file(path, n_channels=96, sampling_rate=20000.0)


# ---------------------------------------------------------------------------- writing
@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_save_binary_round_trip(tmp_path, engine):
    x = raw(tmp_path / "r.dat", n=5000, nch=4)
    f = load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1e3)
    out = save_binary(f, tmp_path / "o.dat", n_jobs=2, pool_engine=engine, chunk_size=333)
    np.testing.assert_array_equal(np.fromfile(out, dtype="int16").reshape(-1, 4), x)
    # one column of the memmap (a strided view) is streamed from the file
    col = load_binary_file(tmp_path / "r.dat", channel=1, n_channels=4, sampling_rate=1e3)
    out = save_binary(col, tmp_path / "c.dat", n_jobs=2, pool_engine=engine, chunk_size=700)
    np.testing.assert_array_equal(np.fromfile(out, dtype="int16"), x[:, 1])
    assert not list(tmp_path.glob("*.partial"))


def test_save_binary_dtype_and_save_routing(tmp_path):
    x = nap.TsdFrame(t=None, d=np.arange(12.0).reshape(6, 2), rate=2.0)
    x.save(tmp_path / "x.bin", dtype="float32")
    np.testing.assert_array_equal(np.fromfile(tmp_path / "x.bin", "float32"), np.arange(12.0))
    back = load_binary_file(tmp_path / "x.bin", n_channels=2, sampling_rate=2.0, precision="f4")
    np.testing.assert_array_equal(back.values, x.values)


def test_save_binary_refuses_overwrite_when_asked(tmp_path):
    (tmp_path / "x.dat").write_bytes(b"keep")
    with pytest.raises(MemphysValueError, match="already exists"):
        save_binary(np.zeros((3, 2)), tmp_path / "x.dat", overwrite=False)
    assert (tmp_path / "x.dat").read_bytes() == b"keep"


def test_save_binary_failure_leaves_nothing(tmp_path, monkeypatch):
    from memphys.io import _stream

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_stream.CastBlock, "__call__", boom)
    with pytest.raises(Exception, match="disk full"):
        save_binary(np.zeros((100, 2)), tmp_path / "x.dat", chunk_size=10)
    assert list(tmp_path.iterdir()) == []
