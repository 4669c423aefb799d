"""Templates: construction checks, dense/sparse conversions, selections, serialization."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from probeinterface import generate_linear_probe

from memphys.ephys import ChannelSparsity, Templates
from memphys.errors import ExtractorValueError


def _dense():
    arr = np.arange(3 * 5 * 4, dtype=float).reshape(3, 5, 4)
    probe = generate_linear_probe(num_elec=4)
    return Templates(
        arr, 30000.0, 2, channel_ids=["a", "b", "c", "d"], unit_ids=[10, 11, 12], probe=probe
    )


def test_derived_fields_and_repr():
    t = _dense()
    assert (t.num_units, t.num_samples, t.num_channels, t.nafter) == (3, 5, 4, 3)
    assert t.ms_before == pytest.approx(2 / 30)
    assert "Templates: 3 units - 5 samples - 4 channels" in repr(t)
    assert np.array_equal(t.get_channel_locations()[:, 1], [0, 20, 40, 60])


def test_sparse_round_trip_and_errors():
    t = _dense()
    mask = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 1, 1]], bool)
    s = t.to_sparse(ChannelSparsity(mask, t.unit_ids, t.channel_ids))
    assert s.templates_array.shape == (3, 5, 4)
    dense = s.get_dense_templates()
    assert np.array_equal(dense[0][:, [0, 2]], t.templates_array[0][:, [0, 2]])
    assert np.all(dense[1][:, [0, 2, 3]] == 0)
    assert np.array_equal(s.get_one_template_dense(2), t.templates_array[2])
    assert s.to_dense().sparsity is None
    with pytest.raises(ValueError, match="Sparsity mask passed but the templates are not sparse"):
        Templates(t.templates_array, 30000.0, 2, sparsity_mask=mask)
    with pytest.raises(ExtractorValueError, match="Cannot select channels on sparse templates"):
        s.select_channels(["a"])
    with pytest.raises(ExtractorValueError, match="Templates should be dense"):
        s.to_sparse(mask)
    with pytest.raises(ExtractorValueError, match="length of units ids"):
        Templates(t.templates_array, 30000.0, 2, unit_ids=[1, 2])


def test_select_units_channels_and_serialization(tmp_path):
    t = _dense()
    sub = t.select_units([12, 10])
    assert np.array_equal(sub.templates_array, t.templates_array[[2, 0]])
    ch = t.select_channels(["d", "a"])
    assert np.array_equal(ch.templates_array, t.templates_array[:, :, [3, 0]])
    with pytest.raises(ExtractorValueError, match="not one of the template unit ids"):
        t.select_units([99])
    assert Templates.from_json(t.to_json()) == t
    assert Templates.from_dict(t.to_dict()) == t
    assert pickle.loads(pickle.dumps(t)) == t
    t.to_zarr(tmp_path / "t.zarr")
    assert Templates.from_zarr(tmp_path / "t.zarr") == t
    assert t != _dense().select_units([10, 11, 12]).to_sparse(np.ones((3, 4), bool))
    assert list(t.get_main_channels(outputs="id")) == ["d", "d", "d"]
