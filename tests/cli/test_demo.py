"""`memphys demo`: the memory-map workflow on a generated recording."""

import numpy as np
from click.testing import CliRunner

import memphys as nap
from memphys.cli.demo import run_demo
from memphys.cli.main import main


def test_run_demo_reads_exactly_the_epoch(tmp_path):
    lines = []
    r = run_demo(
        tmp_path, minutes=2.0, n_channels=4, rate=1000.0, echo=lines.append, progress=False
    )
    raw = np.fromfile(r.path, dtype="int16").reshape(-1, 4)
    assert raw.shape == (120_000, 4)
    # epoch [30, 42] s, both ends inclusive, as pynapple's restrict
    np.testing.assert_array_equal(r.epoch_data, raw[30_000:42_001])
    np.testing.assert_allclose(r.epoch_times, np.arange(30_000, 42_001) / 1000.0)
    assert r.rows_read == 12_001
    assert lines == r.lines
    assert any("RegularTimeIndex" in line and "values stay a memmap" in line for line in lines)
    assert any("value_from(eeg): shape (1000, 4)" in line for line in lines)
    # the engine's whole-recording statistics are numpy's, to float precision
    mean_line = next(line for line in lines if line.strip().startswith("mean"))
    shown = np.array([float(v) for v in mean_line.split()[1:]])
    np.testing.assert_allclose(shown, raw.mean(axis=0), atol=0.006)
    # the Zarr store beside the raw file holds the same samples and times
    assert r.zarr_identical is True
    assert any(
        line.strip()
        == (
            "Zarr round trip: identical (load_file('demo.zarr').restrict(epoch) vs the memmap's "
            "12,001 rows)"
        )
        for line in lines
    )
    back = nap.load_file(tmp_path / "demo.zarr")
    np.testing.assert_array_equal(np.asarray(back.values[:]), raw)
    assert back.rate == 1000.0
    rep = r.zarr_report
    disk = sum(f.stat().st_size for f in (tmp_path / "demo.zarr").rglob("*") if f.is_file())
    assert rep.stored_bytes == disk
    assert rep.nbytes == raw.nbytes
    line = next(s for s in lines if "convert('demo.dat', 'demo.zarr', n_jobs=2)" in s)
    assert f"(ratio {raw.nbytes / disk:.2f})" in line
    assert "MB/s" in line


def test_cli_demo_runs_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    args = ["demo", "--minutes", "0.5", "--no-progress", "--no-figure"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "16 channels x 37,500 samples at 1250 Hz" in result.output
    assert "whole recording through the engine" in result.output
    assert "Zarr round trip: identical" in result.output
    assert list(tmp_path.iterdir()) == []  # the temporary folder is removed


def test_cli_demo_keeps_folder_and_rejects_bad_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # demo.png is written in the current folder
    result = CliRunner().invoke(
        main, ["demo", "--minutes", "0.2", "--no-progress", "--folder", str(tmp_path / "keep")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "keep" / "demo.dat").stat().st_size == 15_000 * 16 * 2
    assert (tmp_path / "keep" / "demo.zarr" / "zarr.json").exists()
    assert not (tmp_path / "keep" / "demo.zarr.partial").exists()
    bad = CliRunner().invoke(
        main, ["demo", "--channels", "0", "--no-progress", "--folder", str(tmp_path / "bad")]
    )
    assert bad.exit_code != 0
    assert "`n_channels`" in bad.output


def test_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output
