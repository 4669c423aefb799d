"""In-memory, raw binary, binary folder and zarr recordings: reads, checks of bad input,
crash-safe writes, SpikeInterface's layouts and round trips."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import memphys.ephys as si
from memphys.errors import ExtractorValueError, FileFormatError, MemphysFileExistsError

DATA = np.random.default_rng(3).integers(-2000, 2000, size=(1000, 4), dtype=np.int16)


def test_numpy_recording_refuses_transposed_arrays():
    with pytest.raises(ExtractorValueError, match=r"\(4, 1000\): 4 samples x 1000 channels"):
        si.NumpyRecording(DATA.T.copy(), 30000.0)
    rec = si.NumpyRecording(DATA.T.copy(), 30000.0, allow_more_channels_than_samples=True)
    assert rec.get_num_channels() == 1000
    with pytest.raises(ExtractorValueError, match="2-D"):
        si.NumpyRecording(np.zeros(10), 30000.0)
    with pytest.raises(ExtractorValueError, match="one dtype"):
        si.NumpyRecording([np.zeros((10, 2), "int16"), np.zeros((10, 2), "int32")], 30000.0)
    with pytest.raises(ExtractorValueError, match="t_starts"):
        si.NumpyRecording([DATA], 30000.0, t_starts=[0.0, 1.0])


@pytest.mark.parametrize("fs", [float("nan"), 0.0, -1.0, float("inf"), "30k"])
def test_bad_sampling_frequencies_are_refused(fs):
    with pytest.raises(ExtractorValueError, match="sampling_frequency"):
        si.NumpyRecording(DATA, fs)


def test_numpy_reads_are_views_and_read_only():
    rec = si.NumpyRecording(DATA, 30000.0)
    t = rec.get_traces(start_frame=10, end_frame=20)
    assert np.shares_memory(t, DATA)
    assert not t.flags.writeable


def test_shared_memory_recording(tmp_path):
    rec = si.generate_recording(num_channels=3, durations=[1.0, 0.5], seed=0)
    shm = si.SharedMemoryRecording.from_recording(rec, n_jobs=2, progress_bar=False)
    clone = si.load(shm.to_dict())
    assert shm.shms[0].name == clone.shms[0].name
    assert np.array_equal(clone.get_traces(segment_index=1), rec.get_traces(segment_index=1))
    mem = rec.save(format="memory", sharedmem=False, progress_bar=False)
    assert type(mem).__name__ == "NumpyRecording"
    assert np.array_equal(mem.get_channel_locations(), rec.get_channel_locations())


def test_binary_file_checks(tmp_path):
    path = tmp_path / "r.raw"
    DATA.tofile(path)
    kw = dict(sampling_frequency=30000.0, dtype="int16")
    with pytest.raises(FileFormatError, match="not a whole number of samples of 3 channels"):
        si.read_binary(path, num_channels=3, **kw)
    with pytest.raises(FileFormatError, match="past the end"):
        si.read_binary(path, num_channels=4, file_offset=10**6, **kw)
    with pytest.raises(FileNotFoundError):
        si.read_binary(tmp_path / "missing.raw", num_channels=4, **kw)
    with pytest.raises(ExtractorValueError, match="num_channels"):
        si.read_binary(path, num_channels=0, **kw)
    with pytest.raises(ExtractorValueError, match="channel_ids"):
        si.read_binary(path, num_channels=4, channel_ids=[1, 2], **kw)
    with pytest.raises(ExtractorValueError, match="time_axis"):
        si.read_binary(path, num_channels=4, time_axis=2, **kw)
    rec = si.read_binary(path, num_channels=4, **kw)
    assert rec.get_num_samples() == 1000
    assert np.array_equal(rec.get_traces(), DATA)
    view = rec.get_traces(start_frame=5, end_frame=9, channel_ids=[1, 2])
    assert np.array_equal(view, DATA[5:9, 1:3])
    assert not view.flags.writeable


def test_binary_time_axis_1_and_offset(tmp_path):
    path = tmp_path / "t1.raw"
    with open(path, "wb") as fh:
        fh.write(b"\x00" * 16)
        DATA.T.copy().tofile(fh)
    rec = si.read_binary(
        path, sampling_frequency=1.0, dtype="int16", num_channels=4, time_axis=1, file_offset=16
    )
    assert np.array_equal(rec.get_traces(channel_ids=[3, 0]), DATA[:, [3, 0]])
    assert rec.binary_compatible_with(time_axis=1, file_offset=16)


def test_binary_folder_layout_and_roundtrip(tmp_path):
    rec = si.generate_recording(num_channels=4, durations=[0.5, 0.25], seed=1)
    rec.set_property("area", ["a", "b", "c", "d"])
    rec.annotate(session="s1")
    folder = tmp_path / "rec"
    saved = rec.save(folder=folder, chunk_size=1000, n_jobs=2, progress_bar=False)
    names = set(os.listdir(folder))
    assert {
        "binary.json",
        "si_folder.json",
        "provenance.json",
        "annotations.json",
        "probegroup.json",
        "properties",
        "traces_cached_seg0.raw",
        "traces_cached_seg1.raw",
    } <= names
    assert not any(n.endswith(".partial") for n in os.listdir(tmp_path))
    binary = json.loads((folder / "binary.json").read_text())
    assert binary["class"].endswith(".BinaryRecordingExtractor")
    assert binary["relative_paths"]
    assert binary["kwargs"]["file_paths"] == ["traces_cached_seg0.raw", "traces_cached_seg1.raw"]
    si_folder = json.loads((folder / "si_folder.json").read_text())
    assert si_folder["class"] == "spikeinterface.core.binaryfolder.BinaryFolderRecording"
    for r in (saved, si.load(folder), si.BaseRecording.load(folder)):
        si.testing.check_recordings_equal(rec, r, check_properties=False)
        assert r.get_property("area").tolist() == ["a", "b", "c", "d"]
        assert r.get_annotation("session") == "s1"
        assert r.is_binary_compatible()
    with pytest.raises(MemphysFileExistsError, match="overwrite=True"):
        rec.save(folder=folder, progress_bar=False)
    rec.save(folder=folder, overwrite=True, dtype="float64", progress_bar=False)
    assert si.load(folder).get_dtype() == np.float64


def test_failed_save_leaves_nothing(tmp_path):
    class Failing(si.NumpyRecording):
        pass

    rec = Failing(DATA.astype("float32"), 30000.0)
    seg = rec.segments[0]
    calls = {"n": 0}
    original = seg.get_traces

    def boom(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return original(*a, **k)

    seg.get_traces = boom
    for fmt in ("binary", "zarr"):
        calls["n"] = 0
        with pytest.raises(Exception, match="disk on fire"):
            rec.save(format=fmt, folder=tmp_path / f"out_{fmt}", chunk_size=100, progress_bar=False)
    assert os.listdir(tmp_path) == []  # neither the folders nor their .partial remain


def test_write_binary_recording_offset_and_errors(tmp_path):
    rec = si.NumpyRecording([DATA, DATA[:100]], 30000.0)
    paths = [tmp_path / "a", tmp_path / "b.dat"]
    si.write_binary_recording(rec, paths, byte_offset=8, chunk_memory="1k", progress_bar=False)
    assert (tmp_path / "a.raw").stat().st_size == 8 + DATA.nbytes
    back = si.read_binary(
        tmp_path / "b.dat", sampling_frequency=1.0, dtype="int16", num_channels=4, file_offset=8
    )
    assert np.array_equal(back.get_traces(), DATA[:100])
    with pytest.raises(ExtractorValueError, match="same size as the number of segments"):
        si.write_binary_recording(rec, [tmp_path / "c"])


def test_zarr_roundtrip_format2_and_codecs(tmp_path):
    import zarr
    from numcodecs import LZMA, Delta

    rec = si.generate_recording(num_channels=5, durations=[0.4, 0.2], seed=2).astype("int16")
    rec.set_property("q", np.arange(5.0))
    z = rec.save(
        format="zarr",
        folder=tmp_path / "r",
        channel_chunk_size=2,
        chunk_size=3000,
        progress_bar=False,
    )
    root = zarr.open_group(str(tmp_path / "r.zarr"), mode="r")
    assert root.metadata.zarr_format == 2
    assert root["traces_seg0"].chunks == (3000, 2)
    assert root.attrs["zarr_class_info"]["class"].endswith("ZarrRecordingExtractor")
    for r in (z, si.load(tmp_path / "r.zarr"), si.read_zarr(tmp_path / "r.zarr")):
        si.testing.check_recordings_equal(rec, r, return_in_uV=False)
        assert r.get_property("q").tolist() == list(range(5))
    lz = rec.save(
        format="zarr",
        folder=tmp_path / "l",
        compressor=LZMA(),
        filters=[Delta(dtype="int16")],
        progress_bar=False,
    )
    assert np.array_equal(lz.get_traces(segment_index=1), rec.get_traces(segment_index=1))
    with pytest.raises(ExtractorValueError, match="numcodecs codec"):
        rec.save(format="zarr", folder=tmp_path / "x", compressor="zstd")
    with pytest.raises(ExtractorValueError, match="Unknown arguments"):
        rec.save(format="zarr", folder=tmp_path / "y", storage="s3")
    r = si.ZarrRecordingExtractor(tmp_path / "r.zarr", load_compression_ratio=True)
    assert r.get_annotation("compression_ratio") > 1


def test_save_format_errors(tmp_path):
    rec = si.generate_recording(durations=[0.1], seed=0)
    with pytest.raises(ExtractorValueError, match="format"):
        rec.save(format="nwb", folder=tmp_path / "x")
    with pytest.raises(ExtractorValueError, match="not a valid job keyword"):
        rec.save(folder=tmp_path / "x", n_job=2)


@pytest.mark.parametrize(
    "job",
    [
        dict(n_jobs=2, pool_engine="thread"),
        dict(n_jobs=2, pool_engine="process", mp_context="spawn"),
        dict(n_jobs=2, pool_engine="dask"),
    ],
)
def test_saves_run_on_every_engine(tmp_path, job):
    rec = si.generate_recording(num_channels=3, durations=[1.0, 0.4], seed=9)
    rec.set_times(np.arange(12000) / 30000.0 + 7.0, segment_index=1)
    b = rec.save(folder=tmp_path / "b", chunk_size=7000, progress_bar=False, **job)
    z = rec.save(format="zarr", folder=tmp_path / "z", chunk_size=7000, progress_bar=False, **job)
    m = rec.save(format="memory", chunk_size=7000, progress_bar=False, **job)
    for saved in (b, z, m):
        si.testing.check_recordings_equal(rec, saved)
        assert np.array_equal(saved.get_times(segment_index=1), rec.get_times(segment_index=1))
