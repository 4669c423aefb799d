"""SortingAnalyzer: creation checks, accessors, extensions and their dependencies, the fused
pass against one-by-one computation, storage (memory, binary folder, zarr) round trips,
crash safety, no pickles, lazy sortings, recordingless mode and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys.analyzer_extension import AnalyzerExtension, register_result_extension
from memphys.errors import (
    CompletenessWarning,
    ExtractorValueError,
    FileFormatError,
    IncompleteWriteError,
)

CORE = ["random_spikes", "waveforms", "templates", "noise_levels"]

# Analyzers saved to disk with a generated (in-memory) recording lose its link, with a
# warning (expected in test_recordingless_mode_and_temporary_recording); elsewhere it is
# incidental.
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
    rec, sorting = si.generate_ground_truth_recording(
        durations=[10.0, 6.0],
        num_channels=8,
        num_units=6,
        seed=5,
        generate_sorting_kwargs=dict(firing_rates=6.0),
    )
    return rec, sorting


def _analyzer(gt, **kw):
    rec, sorting = gt
    kw.setdefault("sparse", True)
    return si.create_sorting_analyzer(sorting, rec, job_kwargs={"progress_bar": False}, **kw)


def test_repr_accessors_and_main_channels(gt):
    rec, sorting = gt
    an = _analyzer(gt)
    assert repr(an) == (
        "SortingAnalyzer: 8 channels - 6 units - 2 segments - memory - sparse - has recording\n"
        "Loaded 0 extensions"
    )
    assert an.get_num_channels() == 8
    assert an.get_num_units() == 6
    assert an.get_num_segments() == 2
    assert an.get_num_samples(1) == rec.get_num_samples(1)
    assert an.get_total_samples() == rec.get_total_samples()
    assert an.get_total_duration() == pytest.approx(16.0)
    assert an.get_sampling_frequency() == an.sampling_frequency == rec.sampling_frequency
    assert np.array_equal(an.channel_ids, rec.channel_ids)
    assert np.array_equal(an.unit_ids, sorting.unit_ids)
    assert np.array_equal(an.get_channel_locations(), rec.get_channel_locations())
    assert an.get_probe().get_contact_count() == 8
    assert an.is_sparse()
    assert an.has_recording()
    assert not an.has_temporary_recording()
    assert an.get_sorting_provenance() is None  # memory
    gt_main = rec.ids_to_indices(sorting.get_property("main_channel_id"))
    assert np.array_equal(an.get_main_channels(), gt_main)
    assert (
        an.get_main_channels(outputs="id", with_dict=True)[sorting.unit_ids[0]]
        == (rec.channel_ids[gt_main[0]])
    )
    # the default sparsity: 100 um around the main channel
    locs = rec.get_channel_locations()
    for i in range(6):
        d = np.linalg.norm(locs - locs[gt_main[i]], axis=1)
        assert np.array_equal(an.sparsity.mask[i], d <= 100.0)


def test_main_channels_estimated_when_not_given(gt):
    rec, sorting = gt
    s2 = si.NumpySorting.from_sorting(sorting, with_metadata=True)
    s2.delete_property("main_channel_id")
    an = si.create_sorting_analyzer(s2, rec, sparse=False, job_kwargs={"progress_bar": False})
    gt_main = rec.ids_to_indices(sorting.get_property("main_channel_id"))
    assert np.array_equal(an.get_main_channels(), gt_main)


def test_fused_pass_equals_one_extension_at_a_time(gt):
    a = _analyzer(gt)
    b = _analyzer(gt)
    params = {
        "random_spikes": {"seed": 3},
        "waveforms": {},
        "templates": {},
        "noise_levels": {"random_slices_kwargs": {"seed": 9}},
    }
    a.compute(params)
    for name, p in params.items():
        b.compute(name, **p)
    for name, key in (
        ("waveforms", "waveforms"),
        ("noise_levels", "noise_levels"),
        ("random_spikes", "random_spikes_indices"),
    ):
        assert np.array_equal(a.get_extension(name).data[key], b.get_extension(name).data[key])
    for key in ("average", "std"):
        np.testing.assert_allclose(
            a.get_extension("templates").data[key],
            b.get_extension("templates").data[key],
            rtol=1e-12,
            atol=1e-12,
        )


def test_templates_from_random_spikes_equal_from_waveforms(gt):
    an = _analyzer(gt, sparse=False)
    an.compute("random_spikes", method="all")
    fast = an.compute("templates")
    avg, std = fast.data["average"].copy(), fast.data["std"].copy()
    an.compute("waveforms")
    slow = an.compute("templates", operators=["average", "std", "median", ("percentile", 90)])
    np.testing.assert_allclose(slow.data["average"], avg, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(slow.data["std"], std, rtol=1e-9, atol=1e-9)
    wfs = an.get_extension("waveforms").data["waveforms"]
    units = an.get_extension("random_spikes").get_random_spikes()["unit_index"]
    np.testing.assert_allclose(slow.data["median"][1], np.median(wfs[units == 1], axis=0))
    assert set(slow.data) == {"average", "std", "median", "percentile_90"}
    templates = slow.get_data(outputs="Templates")
    assert isinstance(templates, si.Templates)
    assert templates.num_units == 6
    assert templates.is_in_uV


def test_dependencies_children_and_errors(gt):
    an = _analyzer(gt)
    with pytest.raises(ExtractorValueError, match="requires random_spikes to be computed first"):
        an.compute("waveforms")
    with pytest.raises(AssertionError):  # SpikeInterface raises AssertionError here
        an.compute(["templates"])
    an.compute(["waveforms", "random_spikes", "templates"])  # any order
    assert an.get_loaded_extension_names() == ["random_spikes", "waveforms", "templates"]
    an.compute("random_spikes", seed=1)
    assert an.get_extension("waveforms") is None
    assert an.get_extension("templates") is None
    with (
        pytest.warns(UserWarning, match="'not_an_extension' is unknown"),
        pytest.raises(ExtractorValueError, match="not a computable extension"),
    ):
        an.compute("not_an_extension")
    with pytest.raises(ExtractorValueError, match="operator"):
        an.compute("templates", operators=["mean"])
    with pytest.raises(ExtractorValueError, match="requires the 'waveforms' extension"):
        an.compute("templates", operators=["median"])
    assert an.get_default_extension_params("waveforms") == {
        "ms_before": 1.0,
        "ms_after": 2.0,
        "dtype": None,
    }
    an.delete_extension("random_spikes")
    assert not an.has_extension("random_spikes")


class _Counter(AnalyzerExtension):
    extension_name = "counter_test"
    depend_on = ["random_spikes"]

    def _set_params(self, factor=1.0):
        return dict(factor=factor)

    def _run(self, **kwargs):
        some = self.sorting_analyzer.get_extension("random_spikes").get_random_spikes()
        self.data["count"] = np.bincount(some["unit_index"], minlength=6) * self.params["factor"]
        self.data["label"] = "counts"

    def _select_units_extension_data(self, unit_ids):
        return {
            "count": self.data["count"][self.sorting_analyzer.sorting.ids_to_indices(unit_ids)],
            "label": self.data["label"],
        }

    def _get_data(self):
        return self.data["count"]


def test_custom_extension_saved_as_json_and_npy(gt, tmp_path):
    register_result_extension(_Counter)
    register_result_extension(_Counter)  # twice is fine
    an = _analyzer(gt, format="binary_folder", folder=tmp_path / "an")
    an.compute(["random_spikes", "counter_test"], extension_params={"counter_test": {"factor": 2}})
    folder = tmp_path / "an" / "extensions" / "counter_test"
    assert sorted(p.name for p in folder.iterdir()) == [
        "count.npy",
        "info.json",
        "label.json",
        "params.json",
        "run_info.json",
    ]
    back = si.load_sorting_analyzer(tmp_path / "an")
    ext = back.get_extension("counter_test")
    assert ext.params == {"factor": 2}
    assert ext.data["label"] == "counts"
    sub = back.select_units(back.unit_ids[:2])
    assert sub.get_extension("counter_test").data["count"].shape == (2,)
    an.compute("random_spikes")  # recomputing the parent deletes the child, on disk too
    assert not folder.exists()


@pytest.mark.parametrize("fmt", ["binary_folder", "zarr"])
def test_round_trip_and_exchange_of_formats(gt, tmp_path, fmt):
    an = _analyzer(gt)
    an.compute(CORE)
    an.compute("templates", operators=["average", "std", "median"])
    saved = an.save_as(format=fmt, folder=tmp_path / "a")
    folder = saved.folder
    back = si.load_sorting_analyzer(folder)
    assert back.format == fmt
    assert back.sparsity == an.sparsity
    assert back.return_in_uV == an.return_in_uV
    assert back.peak_sign == an.peak_sign
    assert set(back.get_saved_extension_names()) == set(CORE)
    for name in CORE:
        for key, v in an.get_extension(name).data.items():
            np.testing.assert_array_equal(np.asarray(back.get_extension(name).data[key]), v)
    assert np.array_equal(back.get_main_channels(), an.get_main_channels())
    # no pickle anywhere in the store
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle")]
    for zarray in folder.rglob(".zarray"):
        meta = json.loads(zarray.read_text())
        assert "pickle" not in json.dumps(meta.get("filters"))
    again = back.save_as(format="memory")
    assert again.format == "memory"
    assert again.has_extension("templates")
    # set_sorting_property is persisted
    back.set_sorting_property("quality", ["good"] * 6)
    assert "quality" in si.load_sorting_analyzer(folder).get_sorting_property_keys()


def test_zarr_store_has_spikeinterface_layout(gt, tmp_path):
    an = _analyzer(gt, format="zarr", folder=tmp_path / "x")
    an.compute(CORE)
    root = tmp_path / "x.zarr"
    attrs = json.loads((root / ".zattrs").read_text())
    assert set(attrs) >= {"spikeinterface_info", "settings"}
    meta = json.loads((root / ".zmetadata").read_text())["metadata"]
    assert "extensions/waveforms/waveforms/.zarray" in meta
    assert "params" in meta["extensions/templates/.zattrs"]
    wf = json.loads((root / "extensions/waveforms/waveforms/.zarray").read_text())
    assert wf["compressor"]["cname"] == "zstd"
    assert wf["compressor"]["shuffle"] == 1  # byte shuffle: smaller than bit shuffle on floats


def test_killed_save_as_never_loads_as_complete(gt, tmp_path):
    """A save_as killed mid-way leaves only a hidden partial folder, which does not load."""
    script = tmp_path / "kill.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        import memphys.ephys as si
        from memphys.ephys import analyzer_storage as st
        si.set_global_job_kwargs(progress_bar=False)
        rec, sorting = si.generate_ground_truth_recording(durations=[5.0], num_units=3, seed=0)
        an = si.create_sorting_analyzer(sorting, rec, sparse=False)
        an.compute(["random_spikes", "waveforms", "templates"])
        real = st.save_extension
        def slow(analyzer, ext):
            real(analyzer, ext)
            print("saved", ext.extension_name, flush=True)
            time.sleep(30)
        st.save_extension = slow
        an.save_as(format="binary_folder", folder={str(tmp_path / "out")!r})
    """)
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.stdout.readline().startswith("saved")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "out").exists()
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial")]
    assert len(partial) == 1
    with pytest.raises((FileFormatError, FileNotFoundError, ExtractorValueError)):
        si.load_sorting_analyzer(tmp_path / "out")


def test_interrupted_extension_is_not_listed(gt, tmp_path, monkeypatch):
    an = _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    an.compute("random_spikes")
    from memphys.ephys import waveform_stores

    def boom(self, row, block):
        raise RuntimeError("disk full")

    monkeypatch.setattr(waveform_stores.NpyStore, "write", boom)
    monkeypatch.setattr(waveform_stores.NpyStore, "target", lambda self, shares: None)
    with pytest.raises(Exception, match="disk full"):
        an.compute("waveforms")
    assert not an.has_extension("waveforms")
    assert "waveforms" not in si.load_sorting_analyzer(tmp_path / "a").get_saved_extension_names()


def test_corrupt_folders_name_the_missing_part(gt, tmp_path):
    an = _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    (tmp_path / "a" / "settings.json").unlink()
    with pytest.raises(IncompleteWriteError, match="settings"):  # its completeness record
        si.load_sorting_analyzer(tmp_path / "a")
    (tmp_path / "a" / "memphys_record.json").unlink()  # as SpikeInterface writes it
    with pytest.warns(CompletenessWarning), pytest.raises(FileFormatError, match="settings"):
        si.load_sorting_analyzer(tmp_path / "a")
    an2 = _analyzer(gt, format="binary_folder", folder=tmp_path / "b")
    (tmp_path / "b" / "sorting" / "spikes.npy").unlink()
    with pytest.raises(IncompleteWriteError, match="spikes"):
        si.load_sorting_analyzer(tmp_path / "b")
    (tmp_path / "b" / "memphys_record.json").unlink()
    with pytest.warns(CompletenessWarning), pytest.raises(FileFormatError, match="spikes"):
        si.load_sorting_analyzer(tmp_path / "b")
    _analyzer(gt, format="zarr", folder=tmp_path / "c")
    import shutil

    shutil.rmtree(tmp_path / "c.zarr" / "recording_info")
    with pytest.raises(IncompleteWriteError, match="recording_info"):
        si.load_sorting_analyzer(tmp_path / "c.zarr")
    (tmp_path / "c.zarr" / "memphys_record.json").unlink()
    with pytest.warns(CompletenessWarning), pytest.raises(FileFormatError, match="recording_info"):
        si.load_sorting_analyzer(tmp_path / "c.zarr")
    with pytest.raises(FileNotFoundError):
        si.load_sorting_analyzer(tmp_path / "nope")
    del an, an2


def test_recordingless_mode_and_temporary_recording(gt, tmp_path):
    rec, _sorting = gt
    with pytest.warns(UserWarning, match="not JSON serializable .* recordingless mode"):
        an = _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    an.compute(["random_spikes", "templates"])
    back = si.load_sorting_analyzer(tmp_path / "a")
    assert not back.has_recording()
    assert "has recording" not in repr(back)
    assert back.get_extension("templates").data["average"].shape == (6, 75, 8)
    assert np.array_equal(back.get_main_channels(), an.get_main_channels())
    back.compute("random_spikes", seed=1)  # needs no recording
    with pytest.raises(ExtractorValueError, match="requires the recording"):
        back.compute("waveforms")
    with pytest.raises(ExtractorValueError, match="recordingless"):
        back.recording
    with pytest.raises(ExtractorValueError):
        back.set_temporary_recording(rec.select_channels(rec.channel_ids[:4]))
    back.set_temporary_recording(rec)
    assert back.has_temporary_recording()
    assert "has temporary recording" in repr(back)
    back.compute(["waveforms", "templates"])
    saved = back.save_as(format="memory")
    assert not saved.has_temporary_recording()


def test_recording_provenance_reloads(tmp_path):
    rec = si.generate_recording(num_channels=4, durations=[5.0], seed=0)
    saved = rec.save(folder=tmp_path / "rec", progress_bar=False)
    sorting = si.generate_sorting(num_units=3, durations=[5.0], seed=0)
    an = si.create_sorting_analyzer(
        sorting,
        saved,
        format="binary_folder",
        folder=tmp_path / "an",
        job_kwargs={"progress_bar": False},
    )
    an.compute(CORE)
    back = si.load_sorting_analyzer(tmp_path / "an")
    assert back.has_recording()
    assert (tmp_path / "an" / "recording.json").is_file()


def test_lazy_sorting_stays_lazy_in_memory(gt, tmp_path):
    rec, sorting = gt
    sorting.save(folder=tmp_path / "s")
    lazy = si.load(tmp_path / "s")
    lazy2 = si.UnitsSelectionSorting(lazy, unit_ids=lazy.unit_ids)
    assert lazy2._cached_spike_vector is None
    an = si.create_sorting_analyzer(lazy2, rec, job_kwargs={"progress_bar": False})
    assert lazy2._cached_spike_vector is None  # main channels known, radius sparsity
    assert an.sorting._cached_spike_vector is None
    assert an.get_num_units() == 6
    assert an.unit_ids.tolist() == sorting.unit_ids.tolist()
    an.compute("random_spikes")  # now the spike vector is needed
    assert an.sorting.to_spike_vector().size == sorting.to_spike_vector().size


def test_bad_pairs_of_sorting_and_recording(gt):
    rec, sorting = gt
    with pytest.raises(ExtractorValueError, match="sampling frequencies are too different"):
        si.create_sorting_analyzer(sorting, _other_rate(), sparse=False)
    with pytest.raises(ExtractorValueError, match="segments"):
        si.create_sorting_analyzer(sorting, rec.select_segments([0]), sparse=False)
    short = si.generate_sorting(
        num_units=6, durations=[10.0, 6.0], seed=1, sampling_frequency=rec.sampling_frequency
    )
    other = si.generate_recording(
        num_channels=8, durations=[12.0, 6.0], seed=1, sampling_frequency=rec.sampling_frequency
    )
    short.register_recording(other)
    with pytest.raises(ExtractorValueError, match="registered to a recording"):
        si.create_sorting_analyzer(short, rec, sparse=False)
    with pytest.warns(UserWarning, match="greater than your recording length"):
        an = si.create_sorting_analyzer(sorting, _cut(rec, 3.0), sparse=False)
    assert an.sorting.to_spike_vector()["sample_index"].max() < 3.0 * rec.sampling_frequency
    bad = si.ChannelSparsity(np.ones((5, 8), bool), sorting.unit_ids[:5], rec.channel_ids)
    with pytest.raises(ExtractorValueError, match="unit_ids do not match"):
        si.create_sorting_analyzer(sorting, rec, sparsity=bad)
    bad = si.ChannelSparsity(np.ones((6, 8), bool), sorting.unit_ids, rec.channel_ids[::-1])
    with pytest.raises(ExtractorValueError, match="channel_ids do not match"):
        si.create_sorting_analyzer(sorting, rec, sparsity=bad)
    with pytest.raises(ExtractorValueError, match="format"):
        si.create_sorting_analyzer(sorting, rec, format="hdf5")
    with pytest.raises(ExtractorValueError, match="folder"):
        si.create_sorting_analyzer(sorting, rec, format="binary_folder")


def _other_rate():
    return si.generate_recording(num_channels=8, durations=[10.0, 6.0], sampling_frequency=20000.0)


def _cut(rec, seconds):
    """The recording's first ``seconds`` of each segment."""
    n = int(seconds * rec.sampling_frequency)
    return si.append_recordings([rec.select_segments([s]).frame_slice(0, n) for s in range(2)])


def test_existing_folder_needs_overwrite(gt, tmp_path):
    _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    with pytest.raises(ExtractorValueError, match="already exists"):
        _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    an = _analyzer(gt, format="binary_folder", folder=tmp_path / "a", overwrite=True)
    assert an.folder == Path(tmp_path / "a")


def test_unit_ids_not_in_the_analyzer(gt):
    an = _analyzer(gt)
    an.compute("random_spikes")
    with pytest.raises(ExtractorValueError, match="not units of the analyzer"):
        an.select_units(["nope"])
    with pytest.raises(ExtractorValueError, match="not units of the analyzer"):
        an.remove_units(["nope"])
    with pytest.raises(ExtractorValueError, match="not units of the analyzer"):
        an.merge_units([["nope", an.unit_ids[0]]])
    with pytest.raises(ExtractorValueError, match="at least two units"):
        an.merge_units([[an.unit_ids[0]]])


def test_loose_keyword_arguments_warn_like_spikeinterface(gt):
    rec, sorting = gt
    with pytest.warns(FutureWarning):
        an = si.create_sorting_analyzer(sorting, rec, radius_um=50.0, progress_bar=False)
    locs = rec.get_channel_locations()
    main = an.get_main_channels()
    assert np.array_equal(an.sparsity.mask[0], np.linalg.norm(locs - locs[main[0]], axis=1) <= 50)
    an2 = si.create_sorting_analyzer(
        sorting, rec, sparse=False, return_scaled=False, job_kwargs={"progress_bar": False}
    )
    assert not an2.return_in_uV


def test_si_load_opens_analyzers_and_templates(gt, tmp_path):
    an = _analyzer(gt, format="binary_folder", folder=tmp_path / "a")
    an.compute(["random_spikes", "templates"])
    an.save_as(format="zarr", folder=tmp_path / "z")
    for folder in (tmp_path / "a", tmp_path / "z.zarr"):
        back = si.load(folder)
        assert isinstance(back, si.SortingAnalyzer)
        assert back.has_extension("templates")
    t = an.get_extension("templates").get_data(outputs="Templates")
    t.to_zarr(tmp_path / "t.zarr")
    assert si.load(tmp_path / "t.zarr") == t
    assert si.load(t.to_dict()) == t
