"""Every command-line error is one line on stderr and a non-zero exit (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import memphys
from memphys.cli.main import main

# the sources of the memphys under test (the command runs in a child process)
SRC = os.path.dirname(os.path.dirname(os.path.abspath(memphys.__file__)))


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real command (a process, so that devices and FIFOs behave as in a shell)."""
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(
        [sys.executable, "-m", "memphys.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_info_dev_zero_is_one_line():
    line = _one_error_line(run("info", "/dev/zero"))
    assert "/dev/zero" in line
    assert "character device" in line


def test_info_fifo_is_one_line_and_does_not_block(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    line = _one_error_line(run("info", str(fifo), timeout=30))
    assert "fifo.npz" in line
    assert "FIFO" in line


def test_unexpected_errors_are_one_line_and_verbose_shows_the_traceback(monkeypatch, tmp_path):
    import memphys.cli.info as info_module

    def boom(*args, **kwargs):
        raise OSError("disk on fire\nsecond line")

    monkeypatch.setattr(info_module, "open_container", boom)
    path = tmp_path / "x.npy"
    np.save(path, np.arange(3))
    result = CliRunner().invoke(main, ["info", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: OSError: disk on fire second line"
    verbose = CliRunner().invoke(main, ["-v", "info", str(path)])
    assert verbose.exit_code == 1
    assert isinstance(verbose.exception, OSError)  # -v: the exception (and its traceback)


def test_convert_refuses_compression_options_for_npy(tmp_path):
    raw = tmp_path / "rec.dat"
    np.zeros((100, 4), dtype="int16").tofile(raw)
    common = ["--n-channels", "4", "--sampling-rate", "1000", "--no-progress"]
    for option in (["--compressor", "lz4"], ["--level", "9"], ["--filter", "delta"]):
        result = CliRunner().invoke(
            main, ["convert", str(raw), str(tmp_path / "x.npy"), *common, *option]
        )
        assert result.exit_code == 2, result.output
        assert "applies to .zarr outputs only" in result.output
        assert not (tmp_path / "x.npy").exists()


def test_convert_function_refuses_compression_options_for_npy(tmp_path):
    from memphys.errors import MemphysValueError
    from memphys.io.convert import convert

    raw = tmp_path / "rec.dat"
    np.zeros((100, 4), dtype="int16").tofile(raw)
    kw = {"n_channels": 4, "sampling_rate": 1000.0}
    with pytest.raises(MemphysValueError, match=r"`compressor`.*'\.zarr' outputs only"):
        convert(raw, tmp_path / "x.npy", compressor="lz4", load_kwargs=kw, progress_bar=False)
    with pytest.raises(MemphysValueError, match=r"`dst`.*input being converted"):
        convert(raw, raw, load_kwargs=kw, progress_bar=False)


def test_convert_raises_tiny_chunks_to_a_floor(tmp_path):
    import zarr

    from memphys import errors

    raw = tmp_path / "rec.dat"
    data = np.arange(80_000, dtype="int16").reshape(-1, 4)  # 640 kB
    data.tofile(raw)
    dst = tmp_path / "rec.zarr"
    result = CliRunner().invoke(
        main,
        ["convert", str(raw), str(dst), "--n-channels", "4", "--sampling-rate", "30000",
         "--chunk-duration", "1us", "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output
    assert "floor" in result.output
    arr = zarr.open_group(str(dst), mode="r")["d"]
    assert arr.chunks[0] * 4 * 2 >= 4096
    stored = sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
    assert stored < 2 * data.nbytes  # 1-sample chunks made a 157 MB store of it
    from memphys.io.convert import convert

    warning = getattr(errors, "ChunkSizeWarning", UserWarning)
    with pytest.warns(warning, match="chunk_size=1"):
        convert(raw, tmp_path / "b.npy", chunk_size=1, progress_bar=False,
                load_kwargs={"n_channels": 4, "sampling_rate": 30000.0})  # fmt: skip


def test_convert_src_is_dst(tmp_path):
    raw = tmp_path / "rec.dat"
    np.zeros((100, 4), dtype="int16").tofile(raw)
    before = raw.read_bytes()
    result = CliRunner().invoke(
        main, ["convert", str(raw), str(raw), "--n-channels", "4", "--sampling-rate", "1000",
               "--overwrite", "--no-progress"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "same path" in result.output
    assert raw.read_bytes() == before
