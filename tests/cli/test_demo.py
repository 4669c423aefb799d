"""`memphys demo`: the memory-map workflow on a generated recording."""

import numpy as np
from click.testing import CliRunner

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


def test_cli_demo_runs_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--minutes", "0.5", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "16 channels x 37,500 samples at 1250 Hz" in result.output
    assert "whole recording through the engine" in result.output
    assert list(tmp_path.iterdir()) == []  # the temporary folder is removed


def test_cli_demo_keeps_folder_and_rejects_bad_input(tmp_path):
    result = CliRunner().invoke(
        main, ["demo", "--minutes", "0.2", "--no-progress", "--folder", str(tmp_path / "keep")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "keep" / "demo.dat").stat().st_size == 15_000 * 16 * 2
    bad = CliRunner().invoke(
        main, ["demo", "--channels", "0", "--no-progress", "--folder", str(tmp_path / "bad")]
    )
    assert bad.exit_code != 0
    assert "`n_channels`" in bad.output


def test_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output
