"""`memphys convert`: round trips, options, errors, and a SIGKILL mid-write."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import zarr
from click.testing import CliRunner
from tests.cli._helpers import shared

import memphys as nap
from memphys.cli.main import main
from memphys.errors import IncompleteWriteError

RAW = ["--n-channels", "4", "--sampling-rate", "1000", "--no-progress"]


def invoke(*args):
    return CliRunner().invoke(main, ["convert", *map(str, args)])


def test_convert_raw_to_zarr_round_trip(raw_file, tmp_path):
    path, data = raw_file
    dst = tmp_path / "rec.zarr"
    result = invoke(path, dst, *RAW, "--n-jobs", "2", "--chunk-duration", "1s")
    assert result.exit_code == 0, result.output
    back = nap.load_file(dst)
    assert type(back).__name__ == "TsdFrame"
    np.testing.assert_array_equal(np.asarray(back.values[:]), data)
    np.testing.assert_array_equal(back.t, np.arange(20_000) / 1000.0)
    assert back.rate == 1000.0
    arr = zarr.open_group(str(dst), mode="r")["d"]
    assert arr.chunks == (1000, 4)  # --chunk-duration 1s at 1 kHz
    # the summary: sizes, ratio and throughput, as in the report
    disk = sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
    assert f"(ratio {data.nbytes / disk:.2f})" in result.output
    assert "MB/s" in result.output
    assert "blosc(cname=zstd, clevel=5, shuffle=bitshuffle)" in result.output
    assert not (tmp_path / "rec.zarr.partial").exists()


@pytest.mark.parametrize(
    ("options", "codec_text"),
    [
        (["--compressor", "lz4", "--level", "3"], "blosc(cname=lz4, clevel=3"),
        (["--compressor", "lzma"], "lzma("),
        (["--compressor", "none"], "none"),
        (["--filter", "delta"], "delta(dtype=<i2"),
    ],
)
def test_convert_codec_options(raw_file, tmp_path, options, codec_text):
    path, data = raw_file
    dst = tmp_path / "rec.zarr"
    result = invoke(path, dst, *RAW, *options)
    assert result.exit_code == 0, result.output
    assert codec_text in result.output.lower()
    np.testing.assert_array_equal(np.asarray(nap.load_file(dst).values[:]), data)


def test_convert_shrink_integers_and_npy(raw_file, tmp_path):
    path, data = raw_file
    small = (data // 16).astype(np.int16)  # fits in int8
    small.tofile(path)
    result = invoke(path, tmp_path / "s.zarr", *RAW, "--shrink-integers")
    assert result.exit_code == 0, result.output
    assert "stored as int8" in result.output
    back = nap.load_file(tmp_path / "s.zarr")
    assert back.values.dtype == np.int8
    np.testing.assert_array_equal(np.asarray(back.values[:]), small)
    result = invoke(path, tmp_path / "s.npy", *RAW)
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), small)
    both = invoke(path, tmp_path / "t.zarr", *RAW, "--shrink-integers", "--filter", "delta")
    assert both.exit_code == 2
    assert "cannot be combined" in both.output


def test_convert_overwrite(raw_file, tmp_path):
    path, _data = raw_file
    dst = tmp_path / "rec.zarr"
    assert invoke(path, dst, *RAW).exit_code == 0
    again = invoke(path, dst, *RAW)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert "--overwrite" in again.output
    forced = invoke(path, dst, *RAW, "--overwrite", "--compressor", "lz4")
    assert forced.exit_code == 0, forced.output
    assert zarr.open_group(str(dst), mode="r")["d"].compressors[0].cname.value == "lz4"


def test_convert_errors_are_clear(raw_file, tmp_path):
    path, _ = raw_file
    missing = invoke(tmp_path / "none.dat", tmp_path / "o.zarr", *RAW)
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert "Traceback" not in missing.output
    bad_rate = invoke(path, tmp_path / "o.zarr", "--n-channels", "4", "--sampling-rate", "-5")
    assert bad_rate.exit_code == 1
    assert "sampling_rate" in bad_rate.output
    bad_codec = invoke(path, tmp_path / "o.zarr", *RAW, "--compressor", "snappy")
    assert bad_codec.exit_code == 2
    assert "'zstd'" in bad_codec.output
    bad_dst = invoke(path, tmp_path / "o.txt", *RAW)
    assert bad_dst.exit_code == 1
    assert "'.zarr'" in bad_dst.output
    no_folder = invoke(path, tmp_path / "no" / "o.zarr", *RAW)
    assert no_folder.exit_code == 1
    assert "does not exist" in no_folder.output
    group = nap.TsGroup({0: nap.Ts(t=[1.0, 2.0])})
    group.save(tmp_path / "g.npz")
    as_zarr = invoke(tmp_path / "g.npz", tmp_path / "g.zarr", "--no-progress")
    assert as_zarr.exit_code == 0, as_zarr.output  # a TsGroup store (io/zarr/tsgroup.py)
    assert "TsGroup (2,) float64" in as_zarr.output
    assert not list(tmp_path.glob("o.*"))


@pytest.mark.realdata
def test_convert_vendor_stream(tmp_path):
    folder = shared("spikeglx_TEST_20210920_0_g0")
    several = invoke(folder, tmp_path / "x.zarr", "--no-progress")
    assert several.exit_code == 1
    assert "--stream" in several.output
    assert "'0:imec0.ap'" in several.output
    dst = tmp_path / "ap.zarr"
    result = invoke(folder, dst, "--stream", "0:imec0.ap", "--no-progress")
    assert result.exit_code == 0, result.output
    with pytest.warns(UserWarning, match="SpikeGLX metadata"):  # a truncated stub
        source = nap.EphysReader(folder)["0:imec0.ap"]
    back = nap.load_file(dst)
    np.testing.assert_array_equal(np.asarray(back.values[:]), np.asarray(source.values[:]))
    np.testing.assert_allclose(back.t, source.t)


def _write_noise(path, nbytes, n_channels):
    rng = np.random.default_rng(0)
    block = rng.integers(-300, 300, size=(1 << 16, n_channels), dtype=np.int16)
    with open(path, "wb") as fh:
        written = 0
        k = 0
        while written < nbytes:
            chunk = (block + np.int16(k % 5))[: (nbytes - written) // (2 * n_channels)]
            chunk.tofile(fh)
            written += chunk.nbytes
            k += 1


@pytest.mark.slow
def test_sigkill_mid_convert_leaves_no_complete_store(tmp_path):
    src = tmp_path / "big.dat"
    _write_noise(src, 300 * 2**20, 64)
    dst = tmp_path / "big.zarr"
    partial = tmp_path / "big.zarr.partial"
    cmd = [
        sys.executable,
        "-m",
        "memphys.cli.main",
        "convert",
        str(src),
        str(dst),
        "--n-channels",
        "64",
        "--sampling-rate",
        "30000",
        "--n-jobs",
        "1",
        "--chunk-duration",
        "20ms",
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        chunks = partial / "d" / "c"
        while time.monotonic() < deadline and proc.poll() is None:
            if chunks.exists() and sum(1 for _ in chunks.iterdir()) >= 20:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "convert finished before it could be killed: " + str(
            proc.communicate()
        )
        assert partial.exists()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not dst.exists()  # no store under the final name
    with pytest.raises((IncompleteWriteError, FileNotFoundError)):
        nap.load_file(dst)
    with pytest.raises(IncompleteWriteError):
        nap.load_file(dst)  # precisely: the leftover is named as an interrupted write
    # the leftover is not a complete memphys store either
    assert zarr.open_group(str(partial), mode="r").attrs.get("memphys_complete") is False


def test_numcodecs_delta_is_lossless_through_cli(tmp_path):
    # a ramp, where delta makes a difference, comes back exactly
    data = np.cumsum(np.ones((5000, 2), dtype=np.int16), axis=0, dtype=np.int16)
    data.tofile(tmp_path / "ramp.dat")
    args = [tmp_path / "ramp.dat", tmp_path / "ramp.zarr", "--n-channels", "2"]
    result = invoke(*args, "--sampling-rate", "100", "--filter", "delta", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    with pytest.warns(UserWarning, match="Numcodecs codecs"):  # zarr's note on a v2 codec
        filters = zarr.open_group(str(tmp_path / "ramp.zarr"), mode="r")["d"].filters
    assert type(filters[0]).__name__ == "Delta"
    np.testing.assert_array_equal(np.asarray(nap.load_file(tmp_path / "ramp.zarr").values[:]), data)
