"""BaseExtractor: ids, properties (SpikeInterface's missing-value rules), annotations,
provenance dicts, JSON/pickle dumps and the class registry."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys._registry import resolve_extractor_class
from memphys.ephys.base import BaseExtractor
from memphys.errors import ExtractorValueError, MemphysKeyError


@pytest.fixture
def rec():
    return si.NumpyRecording(np.zeros((50, 3), dtype="int16"), 1000.0, channel_ids=["a", "b", "c"])


def test_ids_to_indices(rec):
    assert rec.ids_to_indices(["c", "a"]).tolist() == [2, 0]
    assert rec.ids_to_indices(["b", "c"], prefer_slice=True) == slice(1, 3)
    assert rec.ids_to_indices(None, prefer_slice=True) == slice(None)
    assert rec.ids_to_indices([]).tolist() == []
    with pytest.raises(ExtractorValueError, match=r"IDs \['z'\] are not ids"):
        rec.ids_to_indices(["a", "z"])
    with pytest.raises(ValueError, match="ids"):
        rec.ids_to_indices("a")  # a string is not a list of ids


def test_duplicate_main_ids_are_refused():
    with pytest.raises(ExtractorValueError, match="unique ids"):
        si.NumpyRecording(np.zeros((10, 2)), 1000.0, channel_ids=[1, 1])


def test_property_missing_values(rec):
    rec.set_property("area", ["CA1", "CA3x"], ids=["a", "c"])
    assert rec.get_property("area").tolist() == ["CA1", "", "CA3x"]
    rec.set_property("area", ["DG-long"], ids=["b"])  # widened, not truncated
    assert rec.get_property("area").tolist() == ["CA1", "DG-long", "CA3x"]
    rec.set_property("score", [0.5], ids=["b"])
    assert np.isnan(rec.get_property("score")[[0, 2]]).all()
    with pytest.raises(ExtractorValueError, match="missing value"):
        rec.set_property("count", [1], ids=["a"])
    rec.set_property("count", [1], ids=["a"], missing_value=-1)
    assert rec.get_property("count").tolist() == [1, -1, -1]
    with pytest.raises(ExtractorValueError, match="Mismatch"):
        rec.set_property("other", ["x"], ids=["a"], missing_value=np.nan)
    with pytest.raises(ExtractorValueError, match="expected 3 values"):
        rec.set_property("bad", [1, 2])
    with pytest.raises(ExtractorValueError, match="not unique"):
        rec.set_property("dup", [1, 2], ids=["a", "a"])
    rec.set_property("order", [3, 1, 2], ids=["c", "a", "b"])  # all ids: reordered
    assert rec.get_property("order").tolist() == [1, 2, 3]
    assert rec.get_property("order", ids=["b"]).tolist() == [2]
    rec.set_property("order", None)
    assert "order" not in rec.get_property_keys()
    with pytest.raises(KeyError):
        rec.delete_property("order")
    with pytest.raises(MemphysKeyError):
        rec.delete_property("nope")


def test_set_property_copies_the_values(rec):
    values = np.array([1.0, 2.0, 3.0])
    rec.set_property("x", values)
    values[0] = 99
    assert rec.get_property("x")[0] == 1.0
    sub = rec.select_channels(["a", "b"])
    sub.set_property("x", [7.0], ids=["a"])
    assert rec.get_property("x")[0] == 1.0  # the parent's array is not shared


def test_annotations(rec):
    rec.annotate(a=1)
    assert rec.get_annotation("a") == 1
    assert "a" in rec.get_annotation_keys()
    with pytest.raises(ValueError, match="already an annotation"):
        rec.set_annotation("a", 2)
    rec.set_annotation("a", 2, overwrite=True)
    rec.annotate(d={"x": [1]})
    rec.get_annotation("d")["x"].append(2)  # a copy by default
    assert rec.get_annotation("d") == {"x": [1]}
    rec.delete_annotation("a")
    with pytest.raises(ValueError, match="not an annotation key"):
        rec.delete_annotation("a")


def test_name(rec):
    assert rec.name == "NumpyRecording"
    rec.name = "mine"
    assert rec.name == "mine"
    assert rec.get_annotation("name") == "mine"
    rec.name = None
    assert rec.name == "NumpyRecording"


def test_multi_segment_needs_segment_index():
    rec = si.NumpyRecording([np.zeros((10, 2))] * 2, 1000.0)
    with pytest.raises(ValueError, match="Provide 'segment_index'"):
        rec.get_num_samples()
    with pytest.raises(ExtractorValueError, match="segment_index"):
        rec.get_traces(segment_index=2)


def test_to_dict_names_spikeinterface_classes(tmp_path):
    path = tmp_path / "x.raw"
    np.arange(40, dtype="int16").tofile(path)
    rec = si.read_binary(path, sampling_frequency=100.0, dtype="int16", num_channels=4)
    d = rec.to_dict()
    assert d["class"] == "spikeinterface.core.binaryrecordingextractor.BinaryRecordingExtractor"
    assert d["module"] == "spikeinterface"
    assert d["relative_paths"] is False
    assert set(d) >= {"class", "module", "version", "kwargs", "annotations", "properties"}
    back = BaseExtractor.from_dict(d)
    assert type(back).__name__ == "BinaryRecordingExtractor"
    assert np.array_equal(back.get_traces(), rec.get_traces())


def test_json_and_pickle_dumps_relative(tmp_path):
    rec = si.generate_recording(num_channels=3, durations=[0.5], seed=3)
    saved = rec.save(folder=tmp_path / "f", progress_bar=False)
    saved.set_property("quality", [1.0, 2.0, np.nan])
    saved.annotate(note="x")
    saved.dump_to_json(tmp_path / "r.json", relative_to=True)
    d = json.loads((tmp_path / "r.json").read_text())
    assert d["relative_paths"] is True
    assert d["kwargs"]["folder_path"] == "f"
    back = si.load(tmp_path / "r.json", base_folder=True)
    assert back.get_annotation("note") == "x"
    assert np.array_equal(back.get_traces(), rec.get_traces())
    saved.dump_to_pickle(tmp_path / "r.pkl")
    back = si.load(tmp_path / "r.pkl")
    assert np.allclose(back.get_property("quality"), [1.0, 2.0, np.nan], equal_nan=True)
    with pytest.raises(ExtractorValueError, match="base_folder"):
        BaseExtractor.from_dict(d)


def test_in_memory_objects_refuse_file_dumps(tmp_path):
    rec = si.NumpyRecording(np.zeros((10, 2)), 1000.0)
    with pytest.raises(ExtractorValueError, match="not json serializable"):
        rec.dump_to_json(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(ExtractorValueError, match=r"json, \.pkl or \.pickle"):
        si.generate_recording(durations=[0.1]).dump(tmp_path / "x.txt")


def test_pickle_and_clone_keep_metadata():
    rec = si.generate_recording(num_channels=4, durations=[0.2], seed=1)
    rec.set_property("quality", ["a", "b", "c", "d"])
    rec.annotate(user="me")
    rec.segments[0]._t_start = 5.0
    for copy in (pickle.loads(pickle.dumps(rec)), rec.clone()):
        assert copy.get_property("quality").tolist() == ["a", "b", "c", "d"]
        assert copy.get_annotation("user") == "me"
        assert copy.get_start_time() == 5.0
        assert np.array_equal(copy.get_channel_locations(), rec.get_channel_locations())
        assert np.array_equal(copy.get_traces(), rec.get_traces())


def test_registry_resolves_spikeinterface_paths_and_refuses_others():
    cls = resolve_extractor_class("spikeinterface.core.binaryfolder.BinaryFolderRecording")
    assert cls is si.BinaryFolderRecording
    with pytest.raises(ExtractorValueError, match="does not provide this"):
        resolve_extractor_class("spikeinterface.preprocessing.filter.BandpassFilterRecording")
    with pytest.raises(ExtractorValueError, match="importing it failed"):
        resolve_extractor_class("no_such_module.Thing")


def test_loading_refuses_unknown_things(tmp_path):
    with pytest.raises(FileNotFoundError):
        si.load(tmp_path / "missing")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ExtractorValueError, match="not a file or a folder"):
        si.load(tmp_path / "x.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExtractorValueError):
        si.load(tmp_path / "empty")
    with pytest.raises(ExtractorValueError, match="remote"):
        si.load("s3://bucket/rec.zarr")
