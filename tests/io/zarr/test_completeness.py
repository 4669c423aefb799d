"""Zarr stores that prove they are complete (issue 11).

A store memphys writes carries a completeness record; a missing chunk, an edited shape, a
damaged chunk or unreadable metadata are refused with an error naming the store and the
array, never read as zeros or invented rows.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import zarr

import memphys as nap
from memphys import errors

# getattr: the tests run (and fail for the right reason) on a memphys before issue 11
CorruptStoreError = getattr(errors, "CorruptStoreError", errors.FileFormatError)
CompletenessWarning = getattr(errors, "CompletenessWarning", UserWarning)
Damaged = (errors.FileFormatError, errors.IncompleteWriteError)


@pytest.fixture
def store(tmp_path):
    x = nap.TsdFrame(
        t=None, d=np.arange(1, 40_001, dtype="float64").reshape(10_000, 4), rate=1000.0
    )
    path = tmp_path / "x.zarr"
    x.save(path, chunk_size=1000)
    return path, x


def test_memphys_store_has_a_record_and_checksummed_chunks(store):
    path, x = store
    record = json.loads((path / "memphys_record.json").read_text())
    d = record["arrays"]["d"]
    assert d["shape"] == [10_000, 4]
    assert d["n_chunks"] == 10
    assert d["grid"] == [10, 1]
    codecs = [c["name"] for c in json.loads((path / "d" / "zarr.json").read_text())["codecs"]]
    assert codecs[-1] == "crc32c"
    y = nap.load_file(path)
    np.testing.assert_array_equal(y.values[:], x.values)


def test_missing_chunk_is_refused_not_read_as_zeros(store):
    path, _ = store
    os.remove(path / "d" / "c" / "3" / "0")
    with pytest.raises(Damaged) as info:
        nap.load_file(path)
    assert str(path) in str(info.value)
    assert "'d'" in str(info.value)
    assert "c/3/0" in str(info.value)


def test_edited_shape_is_refused_not_padded(store):
    path, _ = store
    meta_path = path / "d" / "zarr.json"
    meta = json.loads(meta_path.read_text())
    meta["shape"][0] += 3000
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(Damaged, match=r"shape \[13000, 4\]"):
        nap.load_file(path)


def test_damaged_chunk_is_an_error_naming_store_and_array(store):
    path, _ = store
    chunk = path / "d" / "c" / "7" / "0"
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    chunk.write_bytes(bytes(data))
    y = nap.load_file(path)  # the listing is intact: the damage shows when it is read
    with pytest.raises(CorruptStoreError) as info:
        y.get(7.1, 7.2)
    text = str(info.value)
    assert str(path) in text
    assert "'d'" in text
    with pytest.raises(errors.MemphysError, match=r"'d'.*x\.zarr"):
        y.bin_average(0.5)
    with pytest.raises(CorruptStoreError, match=r"x\.zarr.*'d'"):
        nap.load_file(path, lazy_loading=False)


@pytest.mark.parametrize("which", ["zarr.json", "d/zarr.json"])
def test_unreadable_metadata_names_store_and_array(store, which):
    path, _ = store
    (path / which).write_text('{"zarr_format": 3, "node_ty')
    with pytest.raises(CorruptStoreError) as info:
        nap.load_file(path)
    text = str(info.value)
    assert str(path) in text
    assert "JSON" in text
    if which.startswith("d/"):
        assert "'d'" in text


def test_blosc_damage_in_a_store_of_another_tool_is_named(tmp_path):
    path = tmp_path / "v2.zarr"
    z = zarr.create_array(str(path), shape=(1000,), chunks=(100,), dtype="f8", zarr_format=2)
    z[:] = np.arange(1000.0)
    chunk = path / "3"
    data = bytearray(chunk.read_bytes())
    data[20:40] = b"\xff" * 20
    chunk.write_bytes(bytes(data))
    with pytest.warns(CompletenessWarning, match="cannot be checked"):
        x = nap.load_file(path, rate=10.0)
    with pytest.raises(CorruptStoreError) as info:
        x.get(30.0, 40.0)
    assert str(path) in str(info.value)


def test_store_of_another_tool_opens_with_a_warning(tmp_path):
    path = tmp_path / "other.zarr"
    z = zarr.create_array(str(path), shape=(10,), dtype="f4")
    z[:] = 1
    with pytest.warns(CompletenessWarning, match=r"other\.zarr.*cannot be checked"):
        nap.load_file(path)


def test_convert_output_is_recorded_and_checked(tmp_path):
    from memphys.io.convert import convert

    raw = tmp_path / "rec.dat"
    np.arange(40_000, dtype="int16").tofile(raw)
    dst = tmp_path / "rec.zarr"
    convert(raw, dst, load_kwargs={"n_channels": 4, "sampling_rate": 1000.0}, n_jobs=2,
            chunk_size=1000, progress_bar=False)  # fmt: skip
    assert (dst / "memphys_record.json").is_file()
    first = sorted((dst / "d" / "c").iterdir())[0]
    for chunk in first.iterdir():
        chunk.unlink()
        break
    with pytest.raises(Damaged, match=r"rec\.zarr"):
        nap.load_file(dst)


@pytest.mark.parametrize("fmt", ["binary", "zarr"])
def test_ephys_folders_are_recorded_and_checked(tmp_path, fmt):
    import memphys.ephys as si

    rec = si.generate_recording(num_channels=4, durations=[2.0], seed=0)
    folder = tmp_path / ("rec.zarr" if fmt == "zarr" else "rec")
    rec.save(folder=folder, format=fmt, progress_bar=False, chunk_size=5000)
    assert (folder / "memphys_record.json").is_file()
    np.testing.assert_array_equal(si.load(folder).get_traces(), rec.get_traces())
    if fmt == "binary":
        raw = folder / "traces_cached_seg0.raw"
        raw.write_bytes(raw.read_bytes()[:-64])
    else:
        chunks = sorted(p for p in (folder / "traces_seg0").iterdir() if p.name[0].isdigit())
        chunks[1].unlink()
    with pytest.raises(Damaged, match=str(folder.name)):
        si.load(folder)
