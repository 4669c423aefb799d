"""The adapter protocol: registry, recipes dispatch, channel normalisation, as_lazy."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from memphys.arrays import (
    DuckArray,
    LazyArray,
    MemmapArray,
    NpyFileArray,
    NumpyArray,
    as_lazy,
    from_recipe,
    is_lazy_source,
    normalize_channels,
    register_adapter,
)
from memphys.errors import MemphysTypeError, SourceError


class MockArray:
    """Minimal array-like: shape, dtype and __getitem__."""

    def __init__(self, x: np.ndarray) -> None:
        self._x = x
        self.shape = x.shape
        self.dtype = x.dtype

    def __getitem__(self, key: Any) -> np.ndarray:
        return self._x[key]


def test_unknown_recipe_kind_is_named() -> None:
    with pytest.raises(SourceError, match=r"Unknown array recipe kind 'nope'") as info:
        from_recipe({"kind": "nope", "path": "x"})
    # the allowed kinds are listed, lazily imported ones included
    for kind in ("memmap", "npy", "numpy", "duck", "zarr", "hdf5", "dask"):
        assert kind in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [None, "memmap", {"path": "x"}, ["kind"]])
def test_recipe_must_be_a_dict_with_kind(bad: Any) -> None:
    with pytest.raises(SourceError, match=r"`recipe`"):
        from_recipe(bad)


def test_non_string_kind_is_unknown() -> None:
    with pytest.raises(SourceError, match=r"Unknown array recipe kind"):
        from_recipe({"kind": 3})


def test_register_adapter_requires_kind() -> None:
    with pytest.raises(TypeError, match=r"kind"):

        @register_adapter
        class NoKind(NumpyArray):
            kind = ""


def test_register_adapter_makes_kind_rebuildable() -> None:
    @register_adapter
    class Doubled(NumpyArray):
        kind = "test-doubled"

        def recipe(self) -> dict[str, Any]:
            return {**super().recipe(), "kind": self.kind}

        @classmethod
        def from_recipe(cls, recipe: dict[str, Any]) -> Doubled:
            base = NumpyArray.from_recipe({**recipe, "kind": "numpy"})
            return cls(np.asarray(base) * 2)

    a = Doubled(np.arange(4))
    np.testing.assert_array_equal(from_recipe(a.recipe()).read(), [0, 2, 4, 6])


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        (None, slice(0, 5, 1)),
        (slice(1, None), slice(1, 5, 1)),
        (slice(None, None, 2), slice(0, 5, 2)),
    ],
)
def test_normalize_channels_slices(channels: Any, expected: slice) -> None:
    assert normalize_channels(channels, 5) == expected


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        ([4, -1, 0], [4, 4, 0]),
        (np.array([-5, 2]), [0, 2]),
        (3, [3]),
        (np.array([True, False, False, True, False]), [0, 3]),
        (slice(None, None, -1), [4, 3, 2, 1, 0]),
        (slice(3, 0, -2), [3, 1]),
        (slice(0, 5, -1), []),
    ],
)
def test_normalize_channels_positions(channels: Any, expected: list[int]) -> None:
    out = normalize_channels(channels, 5)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.int64
    assert out.tolist() == expected


@pytest.mark.parametrize("channels", [[5], [-6], [0, 7]])
def test_normalize_channels_out_of_range(channels: Any) -> None:
    with pytest.raises(SourceError, match=r"`channels`"):
        normalize_channels(channels, 5)


@pytest.mark.parametrize("channels", [[0.5, 1.0], [[0, 1]], "ab", np.zeros(3, dtype=bool)])
def test_normalize_channels_bad_types(channels: Any) -> None:
    with pytest.raises(MemphysTypeError, match=r"`channels`"):
        normalize_channels(channels, 5)


def test_channels_on_1d_array_refused() -> None:
    a = NumpyArray(np.arange(5))
    with pytest.raises(MemphysTypeError, match=r"1-D"):
        a.read(0, 2, channels=[0])


def test_too_many_indices() -> None:
    a = NumpyArray(np.zeros((3, 2)))
    with pytest.raises(IndexError, match=r"too many indices"):
        a[0, 0, 0]


def test_lazyarray_is_abstract() -> None:
    with pytest.raises(TypeError):
        LazyArray()  # type: ignore[abstract]


def test_derived_sizes() -> None:
    a = NumpyArray(np.zeros((10, 3, 2), dtype="int16"))
    assert (a.size, a.itemsize, a.nbytes, a.row_nbytes) == (60, 2, 120, 12)
    assert "NumpyArray" in repr(a)
    assert "(10, 3, 2)" in repr(a)


def test_as_lazy_dispatch(tmp_path: Any) -> None:
    x = np.arange(12, dtype="float32").reshape(6, 2)
    assert type(as_lazy(x)) is NumpyArray
    a = as_lazy(x)
    assert as_lazy(a) is a
    path = tmp_path / "x.npy"
    np.save(path, x)
    assert type(as_lazy(path)) is NpyFileArray
    assert type(as_lazy(str(path))) is NpyFileArray
    mm = np.load(path, mmap_mode="r")
    assert type(as_lazy(mm)) is MemmapArray
    np.testing.assert_array_equal(as_lazy(mm).read(), x)
    assert type(as_lazy(MockArray(x))) is DuckArray


def test_as_lazy_dispatch_heavy_libraries(tmp_path: Any) -> None:
    import dask.array as da
    import h5py
    import zarr

    from memphys.arrays.dask_array import DaskArray
    from memphys.arrays.hdf5_array import HDF5Array
    from memphys.arrays.zarr_array import ZarrArray

    x = np.arange(12.0).reshape(6, 2)
    z = zarr.create_array(store=str(tmp_path / "z.zarr"), shape=x.shape, dtype=x.dtype)
    z[:] = x
    assert type(as_lazy(z)) is ZarrArray
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f["d"] = x
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert type(as_lazy(f["d"])) is HDF5Array
    assert type(as_lazy(da.from_array(x))) is DaskArray
    assert is_lazy_source(z)
    assert is_lazy_source(da.from_array(x))


@pytest.mark.parametrize("bad", [3, "data.csv", object(), [1, 2, 3]])
def test_as_lazy_refuses(bad: Any) -> None:
    with pytest.raises(MemphysTypeError, match=r"`source`"):
        as_lazy(bad)


def test_is_lazy_source() -> None:
    assert not is_lazy_source(np.zeros(3))
    assert not is_lazy_source(NumpyArray(np.zeros(3)))


def test_import_is_light() -> None:
    code = (
        "import sys, memphys.arrays; "
        "heavy = [m for m in ('zarr', 'h5py', 'dask', 'scipy', 'pandas', 'cloudpickle') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == ""


def test_empty_channel_list_reads_zero_channels():
    a = as_lazy(np.arange(12).reshape(4, 3))
    out = a.read(1, 3, [])
    assert out.shape == (2, 0)
