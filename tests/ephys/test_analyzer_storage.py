"""Analyzer folders and stores follow the rules of every memphys saver (issue 11): written
under the folder's lock, with a completeness record renewed by every change, checked when
opened, and replacing only an analyzer (memphys's or SpikeInterface's) or an empty folder."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

import memphys.ephys as si
from memphys.config import config_context
from memphys.engine.locks import output_lock
from memphys.errors import (
    CompletenessWarning,
    CorruptStoreError,
    IncompleteWriteError,
    LockTimeoutError,
    OverwriteRefusedError,
)

# The analyzers here are saved with a generated (in-memory) recording, whose link is not
# saved (a warning that test_sortinganalyzer.py expects): incidental here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The Recording is not JSON serializable:memphys.errors.ExtractorWarning"
)


@pytest.fixture(autouse=True)
def _quiet():
    si.set_global_job_kwargs(progress_bar=False)
    yield
    si.reset_global_job_kwargs()


@pytest.fixture(scope="module")
def gt():
    return si.generate_ground_truth_recording(
        durations=[6.0], num_channels=4, num_units=4, seed=3,
        generate_sorting_kwargs=dict(firing_rates=5.0),
    )  # fmt: skip


def _create(gt, folder, fmt, **kw):
    rec, sorting = gt
    return si.create_sorting_analyzer(sorting, rec, format=fmt, folder=folder, sparse=False, **kw)


def _path(tmp_path, fmt, name="an"):
    return tmp_path / (name + (".zarr" if fmt == "zarr" else ""))


@pytest.mark.parametrize("fmt", ["binary_folder", "zarr"])
def test_every_change_renews_the_record_and_opening_checks_it(gt, tmp_path, fmt):
    folder = _path(tmp_path, fmt)
    an = _create(gt, folder, fmt)
    an.compute(["random_spikes", "waveforms", "templates"])
    record = json.loads((folder / "memphys_record.json").read_text())
    files = record["files"]
    assert any(k.startswith("extensions/waveforms/") for k in files)
    an.delete_extension("templates")
    files = json.loads((folder / "memphys_record.json").read_text())["files"]
    assert not any(k.startswith("extensions/templates/") for k in files)
    back = si.load_sorting_analyzer(folder)  # no CompletenessWarning (an error in the suite)
    assert back.get_saved_extension_names() == ["random_spikes", "waveforms"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # no lock, no partial


@pytest.mark.parametrize("fmt", ["binary_folder", "zarr"])
def test_a_missing_or_truncated_waveform_file_is_refused_not_read_as_zeros(gt, tmp_path, fmt):
    folder = _path(tmp_path, fmt)
    an = _create(gt, folder, fmt)
    an.compute(["random_spikes", "waveforms"])
    del an
    wf = folder / "extensions" / "waveforms"
    if fmt == "binary_folder":
        victim = wf / "waveforms.npy"
    else:
        victim = sorted(p for p in (wf / "waveforms").iterdir() if not p.name.startswith("."))[0]
    data = victim.read_bytes()
    victim.unlink()
    with pytest.raises(IncompleteWriteError, match=r"is incomplete.*waveforms"):
        si.load_sorting_analyzer(folder)
    victim.write_bytes(data[:-8])
    with pytest.raises(CorruptStoreError, match=r"wrong size.*waveforms"):
        si.load_sorting_analyzer(folder)
    victim.write_bytes(data)
    si.load_sorting_analyzer(folder)


def test_a_folder_without_run_info_loads_as_an_older_spikeinterface_one(gt, tmp_path):
    folder = tmp_path / "an"
    an = _create(gt, folder, "binary_folder")
    an.compute(["random_spikes", "templates"])
    expected = an.get_extension("templates").get_data()
    del an
    for name in ("random_spikes", "templates"):
        (folder / "extensions" / name / "run_info.json").unlink()
    with pytest.warns(UserWarning, match="no run_info file"):  # SpikeInterface's warning
        back = si.load_sorting_analyzer(folder)
    np.testing.assert_array_equal(back.get_extension("templates").get_data(), expected)
    (folder / "extensions" / "templates" / "average.npy").unlink()  # a required file
    with pytest.raises(IncompleteWriteError, match=r"average\.npy"):
        si.load_sorting_analyzer(folder)


def test_edited_metadata_is_refused(gt, tmp_path):
    folder = tmp_path / "an"
    _create(gt, folder, "binary_folder")
    settings = folder / "settings.json"
    text = settings.read_text()
    assert '"both"' in text
    settings.write_text(text.replace('"both"', '"neg" '))  # same size, other meaning
    with pytest.raises(CorruptStoreError, match=r"changed since it was written.*settings"):
        si.load_sorting_analyzer(folder)


def test_an_extension_rewritten_by_another_tool_warns_and_loads(gt, tmp_path):
    folder = tmp_path / "an"
    an = _create(gt, folder, "binary_folder")
    an.compute(["random_spikes", "waveforms"])
    del an
    params = folder / "extensions" / "waveforms" / "params.json"
    p = json.loads(params.read_text())
    p["ms_before"] = 1.5
    params.write_text(json.dumps(p))
    with pytest.warns(CompletenessWarning, match="extensions/waveforms was rewritten"):
        back = si.load_sorting_analyzer(folder, load_extensions=False)
    assert "waveforms" in back.get_saved_extension_names()


@pytest.mark.parametrize("fmt", ["binary_folder", "zarr"])
def test_overwrite_replaces_only_analyzers(gt, tmp_path, fmt):
    folder = _path(tmp_path, fmt)
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    with pytest.raises(OverwriteRefusedError, match="memphys did not write"):
        _create(gt, folder, fmt, overwrite=True)
    assert (folder / "thesis.txt").read_text() == "years of work"
    (folder / "thesis.txt").unlink()
    first = _create(gt, folder, fmt, overwrite=True)  # an empty folder is replaced
    del first
    (folder / "memphys_record.json").unlink()  # now as SpikeInterface writes it
    again = _create(gt, folder, fmt, overwrite=True)
    assert again.get_num_units() == 4
    assert (folder / "memphys_record.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_changes_wait_for_the_folder_lock(gt, tmp_path):
    folder = tmp_path / "an"
    an = _create(gt, folder, "binary_folder")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with output_lock(folder):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        with config_context(lock_timeout=0.3), pytest.raises(LockTimeoutError):
            an.compute("random_spikes")
    finally:
        release.set()
        t.join()
    an.compute("random_spikes")
    assert si.load_sorting_analyzer(folder).has_extension("random_spikes")


def test_two_creators_of_one_folder_one_wins(gt, tmp_path):
    folder = tmp_path / "an"
    errors: list[BaseException] = []

    def create() -> None:
        try:
            _create(gt, folder, "binary_folder")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) <= 1
    if errors:
        assert "already exists" in str(errors[0])
    back = si.load_sorting_analyzer(folder)
    np.testing.assert_array_equal(back.unit_ids, gt[1].unit_ids)
    assert not [p for p in os.listdir(tmp_path) if p != "an"]
