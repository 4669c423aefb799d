"""Completeness records (issue 11): stores that prove they are complete and undamaged."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import zarr

from memphys.engine.records import (
    RECORD_NAME,
    crc32c,
    read_record,
    verify_chunks,
    verify_record,
    write_record,
)
from memphys.engine.sinks import with_checksum
from memphys.errors import CompletenessWarning, CorruptStoreError, IncompleteWriteError


def _store(path, zarr_format=3, checksum=True):
    kw = {"compressors": with_checksum(None)} if zarr_format == 3 and checksum else {}
    z = zarr.create_array(
        str(path), shape=(100, 3), chunks=(10, 3), dtype="int16", zarr_format=zarr_format, **kw
    )
    z[:] = np.arange(300, dtype="int16").reshape(100, 3)
    return z


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_record_lists_every_chunk_with_size_and_crc(tmp_path, zarr_format):
    path = tmp_path / "x.zarr"
    _store(path, zarr_format)
    record = write_record(path)
    rec = record["arrays"][""]
    assert rec["shape"] == [100, 3]
    assert rec["chunks"] == [10, 3]
    assert rec["grid"] == [10, 1]
    assert rec["n_chunks"] == 10 == len(rec["chunk_files"])
    assert rec["checksum"] == ("crc32c-trailer" if zarr_format == 3 else "crc32c")
    key, (size, crc) = next(iter(rec["chunk_files"].items()))
    data = (path / key).read_bytes()
    assert size == len(data)
    assert crc == (crc32c(data[:-4]) if zarr_format == 3 else crc32c(data))
    assert read_record(path) == record
    assert verify_record(path) == record
    assert verify_chunks(path) == 10


def test_missing_chunk_is_incomplete(tmp_path):
    path = tmp_path / "x.zarr"
    _store(path)
    write_record(path)
    os.remove(path / "c" / "4" / "0")
    with pytest.raises(IncompleteWriteError, match=r"x\.zarr is incomplete: .*c/4/0"):
        verify_record(path)


def test_extra_truncated_or_edited_is_damaged(tmp_path):
    path = tmp_path / "x.zarr"
    _store(path)
    write_record(path)
    chunk = path / "c" / "2" / "0"
    data = chunk.read_bytes()
    chunk.write_bytes(data[:-3])
    with pytest.raises(CorruptStoreError, match=r"wrong size .*c/2/0"):
        verify_record(path)
    chunk.write_bytes(data)
    (path / "c" / "99").mkdir()
    (path / "c" / "99" / "0").write_bytes(data)
    with pytest.raises(CorruptStoreError, match=r"not written with it .*c/99/0"):
        verify_record(path)
    (path / "c" / "99" / "0").unlink()
    meta = json.loads((path / "zarr.json").read_text())
    meta["shape"] = [110, 3]
    (path / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(CorruptStoreError, match=r"shape \[110, 3\].*written with shape \[100, 3\]"):
        verify_record(path)
    (path / "zarr.json").write_text("{oops")
    with pytest.raises(CorruptStoreError, match="not valid JSON"):
        verify_record(path)


def test_flipped_byte_is_found_by_a_deep_check_and_by_zarr_on_read(tmp_path):
    path = tmp_path / "x.zarr"
    _store(path)
    write_record(path)
    chunk = path / "c" / "5" / "0"
    data = bytearray(chunk.read_bytes())
    data[3] ^= 0xFF
    chunk.write_bytes(bytes(data))
    verify_record(path)  # the listing is fine: same files, same sizes
    with pytest.raises(CorruptStoreError, match=r"chunk c/5/0 .* CRC32C"):
        verify_chunks(path)
    with pytest.raises(ValueError, match="checksum"):
        zarr.open_array(str(path), mode="r")[50:60]  # zarr's crc32c codec on read


def test_no_record_warns_and_bad_record_is_refused(tmp_path):
    path = tmp_path / "x.zarr"
    _store(path)
    with pytest.warns(CompletenessWarning, match="cannot be checked"):
        assert verify_record(path) is None
    assert verify_record(path, warn=False) is None
    (path / RECORD_NAME).write_text(json.dumps({"something": 1}))
    with pytest.raises(CorruptStoreError, match="not a memphys record"):
        verify_record(path)
    (path / RECORD_NAME).write_text(json.dumps({"memphys_record": 99}))
    with pytest.raises(CorruptStoreError, match="Upgrade memphys"):
        verify_record(path)


def test_file_records_check_sizes(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "traces.raw").write_bytes(b"\0" * 1000)
    (folder / "binary.json").write_text("{}")
    write_record(folder, files=True)
    verify_record(folder)
    (folder / "traces.raw").write_bytes(b"\0" * 900)
    with pytest.raises(CorruptStoreError, match=r"traces\.raw"):
        verify_record(folder)
    (folder / "traces.raw").unlink()
    with pytest.raises(IncompleteWriteError, match=r"traces\.raw"):
        verify_record(folder)
