"""``memphys plot traces|psd|probe|templates`` and the demo's figure: PNGs are written
(atomically), are images of the requested size with something drawn, and the commands
read their inputs with the same options as ``info``/``convert``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from memphys.cli.main import main
from memphys.cli.plot import parse_channels


def _image(path):
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    dark = (img[..., :3].mean(axis=2) < 0.5).mean()
    return img.shape, dark


def test_traces_of_a_raw_file_with_reading_options(raw_file, tmp_path):
    path, _ = raw_file
    out = tmp_path / "traces.png"
    args = ["plot", "traces", str(path), "--n-channels", "4", "--sampling-rate", "1000",
            "--start", "2", "--duration", "15", "--channels", "0:3", "-o", str(out),
            "--width", "8", "--height", "3", "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (3 channels, min/max of" in result.output
    shape, dark = _image(out)
    assert shape[:2] == (300, 800)
    assert 0.02 < dark < 0.6  # traces drawn, not a blank or black image
    assert not out.with_name("traces.png.partial").exists()


def test_short_window_draws_samples_and_default_output_name(raw_file, tmp_path, monkeypatch):
    path, _ = raw_file
    monkeypatch.chdir(tmp_path)
    args = ["plot", "traces", str(path), "--n-channels", "4", "--sampling-rate", "1000",
            "--start", "1", "--end", "1.2", "--channels", "1,3"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "(2 channels, samples)" in result.output
    assert (tmp_path / "rec.traces.png").exists()


def test_psd_of_a_raw_file(raw_file, tmp_path):
    path, _ = raw_file
    out = tmp_path / "psd.png"
    args = ["plot", "psd", str(path), "--n-channels", "4", "--sampling-rate", "1000",
            "--fmax", "100", "-o", str(out), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "(4 channels)" in result.output
    _, dark = _image(out)
    assert dark > 0.005


def test_probe_from_a_probeinterface_file(tmp_path):
    from probeinterface import generate_multi_shank, write_probeinterface

    probe = generate_multi_shank(num_shank=2, num_columns=2, num_contact_per_column=6)
    probe.set_device_channel_indices(np.arange(24))
    write_probeinterface(tmp_path / "probe.json", probe)
    out = tmp_path / "probe.png"
    result = CliRunner().invoke(
        main, ["plot", "probe", str(tmp_path / "probe.json"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "(24 contacts)" in result.output
    assert out.stat().st_size > 5000


def test_probe_of_a_recording_folder(tmp_path):
    import memphys.ephys as si

    rec = si.generate_recording(num_channels=8, durations=[1.0], seed=0)
    rec.save(folder=tmp_path / "rec", progress_bar=False)
    out = tmp_path / "p.png"
    result = CliRunner().invoke(main, ["plot", "probe", str(tmp_path / "rec"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "(8 contacts)" in result.output
    # the same folder's traces, read with memphys.ephys.load
    out2 = tmp_path / "t.png"
    result = CliRunner().invoke(
        main, ["plot", "traces", str(tmp_path / "rec"), "-o", str(out2), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "(8 channels" in result.output


@pytest.fixture(scope="module")
def analyzer_folder(tmp_path_factory):
    """A sparse binary-folder analyzer of a generated ground-truth recording (16 channels,
    5 units), its recording saved first so that the analyzer keeps a link to it."""
    import memphys.ephys as si

    root = tmp_path_factory.mktemp("analyzer")
    rec, sorting = si.generate_ground_truth_recording(
        durations=[5.0], num_channels=16, num_units=5, seed=11
    )
    with warnings.catch_warnings():  # its provenance (an in-memory generator) is not stored
        warnings.simplefilter("ignore", UserWarning)
        rec = rec.save(folder=root / "rec", progress_bar=False)
    an = si.create_sorting_analyzer(
        sorting, rec, format="binary_folder", folder=root / "an", sparse=True,
        sparsity_kwargs={"radius_um": 50.0},
    )  # fmt: skip
    an.compute(["random_spikes", "templates"], progress_bar=False)
    return root / "an"


def test_templates_of_a_saved_analyzer(analyzer_folder, tmp_path, monkeypatch):
    import memphys.ephys as si
    import memphys.plot

    drawn = []
    original = memphys.plot.plot_unit_templates

    def spy(*args, **kwargs):
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(memphys.plot, "plot_unit_templates", spy)
    out = tmp_path / "tpl.png"
    result = CliRunner().invoke(
        main, ["plot", "templates", str(analyzer_folder), "-o", str(out), "--dpi", "80"]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (5 units)" in result.output
    shape, dark = _image(out)
    assert shape[:2] == (round(3.6 * 80), round(2.2 * 5 * 80))  # one column per unit
    assert 0.005 < dark < 0.5
    # what was drawn is the saved analyzer's templates on each unit's sparse channels
    an = si.load_sorting_analyzer(analyzer_folder)
    average = an.get_extension("templates").get_data()
    locs = an.get_channel_locations()
    (res,) = drawn
    assert list(res["lines"]) == list(an.unit_ids)
    for k, u in enumerate(an.unit_ids):
        chans = np.flatnonzero(an.sparsity.mask[k])
        assert 0 < len(chans) < 16
        np.testing.assert_array_equal(res["channel_indices"][u], chans)
        for line, ch in zip(res["lines"][u], chans, strict=True):
            y = (np.asarray(line.get_ydata()) - locs[ch, 1]) / res["y_scale"]
            np.testing.assert_allclose(y, average[k, :, ch], rtol=1e-6, atol=1e-6)

    # --units: a subset, in the order asked; unknown ids are a one-line error
    units = f"{an.unit_ids[3]},{an.unit_ids[1]}"
    result = CliRunner().invoke(
        main, ["plot", "templates", str(analyzer_folder), "--units", units, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert list(drawn[-1]["lines"]) == [an.unit_ids[3], an.unit_ids[1]]
    result = CliRunner().invoke(
        main, ["plot", "templates", str(analyzer_folder), "--units", "nope", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "Invalid option --units" in result.output


def test_templates_command_needs_an_analyzer(tmp_path):
    folder = tmp_path / "analyzer"
    folder.mkdir()
    result = CliRunner().invoke(main, ["plot", "templates", str(folder)])
    assert result.exit_code == 1
    assert "is not a valid SortingAnalyzer" in result.output
    assert "Traceback" not in result.output


def test_errors_are_one_line(raw_file, tmp_path):
    path, _ = raw_file
    args = ["plot", "traces", str(path), "--n-channels", "4", "--sampling-rate", "1000",
            "--channels", "a:b", "-o", str(tmp_path / "x.png")]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Invalid option --channels" in result.output
    args[-3:] = ["0:9", "-o", str(tmp_path / "nope" / "x.png")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_parse_channels():
    assert parse_channels("2:10:2") == slice(2, 10, 2)
    assert parse_channels(None) is None
    with pytest.raises(ValueError, match="--channels"):
        parse_channels("1:2:3:4")


def test_demo_writes_its_figure(tmp_path):
    from memphys.cli.demo import run_demo

    lines: list[str] = []
    run_demo(
        tmp_path / "d", minutes=1.0, echo=lines.append, progress=False,
        figure=tmp_path / "demo.png",
    )  # fmt: skip
    fig_line = next(s for s in lines if s.strip().startswith("figure:"))
    assert str((tmp_path / "demo.png").resolve()) in fig_line
    shape, dark = _image(tmp_path / "demo.png")
    assert shape[:2] == (900, 1200)
    assert dark > 0.05
