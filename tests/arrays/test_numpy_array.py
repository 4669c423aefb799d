"""NumpyArray, MemmapArray and NpyFileArray against numpy on the same data."""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memphys.arrays import MemmapArray, NpyFileArray, NumpyArray, as_lazy, from_recipe
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
    SourceError,
)

SHAPES = [(23,), (23, 5), (17, 4, 3)]
DTYPES = ["int16", ">f8", "uint8", "complex64"]


def _data(shape: tuple[int, ...], dtype: str = "int32") -> np.ndarray:
    return (np.arange(int(np.prod(shape))) * 7 - 50).astype(dtype).reshape(shape)


def _raw_file(tmp_path: Path, x: np.ndarray, header: bytes = b"", order: str = "C") -> Path:
    path = tmp_path / f"raw_{x.ndim}_{x.dtype.str.replace('<', 'l').replace('>', 'b')}.dat"
    with open(path, "wb") as f:
        f.write(header)
        f.write(x.tobytes(order=order))
    return path


# --- NumpyArray -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_array_matches_numpy(check_adapter: Callable, shape: Any, dtype: str) -> None:
    x = _data(shape, dtype)
    check_adapter(NumpyArray(x), x)


def test_numpy_array_reads_do_not_expose_source() -> None:
    x = _data((10, 3))
    block = NumpyArray(x).read(0, 5)
    with pytest.raises(ValueError, match=r"read-only"):
        block[0, 0] = 99
    assert x[0, 0] != 99


@pytest.mark.parametrize("shape", SHAPES)
def test_numpy_array_small_recipe(check_recipe: Callable, shape: Any) -> None:
    x = _data(shape, ">i4")
    recipe = check_recipe(NumpyArray(x), x)
    assert recipe["kind"] == "numpy"


def test_numpy_array_large_recipe_refused_but_pickles() -> None:
    x = np.arange((1 << 20) // 8 + 16, dtype="float64")  # just over 1 MiB
    a = NumpyArray(x)
    with pytest.raises(SourceError, match=r"cannot be reopened in another process") as info:
        a.recipe()
    assert "1048576" in str(info.value)
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is NumpyArray
    np.testing.assert_array_equal(b.read(-3), x[-3:])


def test_numpy_array_object_dtype_recipe_refused_but_pickles() -> None:
    x = np.array([{"a": 1}, None, "s"], dtype=object)
    a = NumpyArray(x)
    with pytest.raises(SourceError, match=r"dtype object"):
        a.recipe()
    assert pickle.loads(pickle.dumps(a)).read(0, 1)[0] == {"a": 1}


def test_numpy_array_refuses_scalar() -> None:
    with pytest.raises(MemphysValueError, match=r"`data`"):
        NumpyArray(np.float64(3.0))


def test_numpy_array_corrupt_recipe() -> None:
    recipe = NumpyArray(np.arange(4)).recipe()
    with pytest.raises(SourceError, match=r"expected 16 bytes.*but got 32 bytes"):
        from_recipe({**recipe, "shape": [2]})
    with pytest.raises(SourceError, match=r"base64"):
        from_recipe({**recipe, "payload": "***"})
    del recipe["dtype"]
    with pytest.raises(SourceError, match=r"'dtype'"):
        from_recipe(recipe)


# --- MemmapArray ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_memmap_matches_numpy(
    check_adapter: Callable, tmp_path: Path, shape: Any, dtype: str, order: str
) -> None:
    x = _data(shape, dtype)
    header = b"H" * 13  # an odd offset
    path = _raw_file(tmp_path, x, header, order=order)
    a = MemmapArray(path, dtype=dtype, shape=shape, offset=len(header), order=order)
    check_adapter(a, x)


def test_memmap_reads_are_plain_copies(tmp_path: Path) -> None:
    x = _data((50, 4), "int16")
    a = MemmapArray(_raw_file(tmp_path, x), "int16", (50, 4))
    for block in (a.read(3, 9), a.read(3, 9, channels=[2, 0]), a[::2, 1]):
        assert type(block) is np.ndarray
        assert block.flags.writeable
        assert block.base is None or not isinstance(block.base, np.memmap)
    a.close()
    np.testing.assert_array_equal(a.read(0, 2), x[:2])  # reopens after close


@pytest.mark.parametrize("shape", SHAPES)
def test_memmap_recipe_json(check_recipe: Callable, tmp_path: Path, shape: Any) -> None:
    x = _data(shape, "<u2")
    a = MemmapArray(_raw_file(tmp_path, x, b"\0" * 8), "<u2", shape, offset=8)
    recipe = check_recipe(a, x)
    assert recipe == {
        "kind": "memmap",
        "path": str(a.path),
        "dtype": "<u2",
        "shape": list(shape),
        "offset": 8,
        "order": "C",
    }
    assert os.path.isabs(recipe["path"])


def test_memmap_pickle_of_1gb_file_is_small(tmp_path: Path) -> None:
    path = tmp_path / "big.dat"
    with open(path, "wb") as f:
        f.truncate(1 << 30)  # sparse: costs no disk
    a = MemmapArray(path, dtype="int16", shape=((1 << 29) // 64, 64))
    a.read(100, 200)  # the map is open; it must still not be pickled
    data = pickle.dumps(a)
    assert len(data) < 1000
    b = pickle.loads(data)
    assert b.shape == a.shape
    np.testing.assert_array_equal(b.read(-3, None, channels=[63]), np.zeros((3, 1), "int16"))
    mm = np.memmap(path, dtype="int16", mode="r", shape=a.shape)
    assert len(pickle.dumps(as_lazy(mm))) < 1000


def test_memmap_in_subprocess(read_in_subprocess: Callable, tmp_path: Path) -> None:
    x = _data((300, 6), "<f4")
    a = MemmapArray(_raw_file(tmp_path, x, b"x" * 24), "<f4", (300, 6), offset=24)
    recipe = json.loads(json.dumps(a.recipe()))
    got = read_in_subprocess(recipe, 40, 77, [5, 1])
    np.testing.assert_array_equal(got, a.read(40, 77, channels=[5, 1]))
    np.testing.assert_array_equal(got, x[40:77][:, [5, 1]])


def test_memmap_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.dat"
    with pytest.raises(MemphysFileNotFoundError, match=r"nope.dat") as info:
        MemmapArray(path, "int16", (10, 2))
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(MemphysFileNotFoundError, match=r"nope.dat"):
        from_recipe({"kind": "memmap", "path": str(path), "dtype": "<i2", "shape": [1]})


def test_memmap_offset_past_end(tmp_path: Path) -> None:
    path = _raw_file(tmp_path, np.zeros(10, "int16"))
    with pytest.raises(FileFormatError, match=r"`offset`.*20 bytes.*got 21.*past the end"):
        MemmapArray(path, "int16", (0,), offset=21)


def test_memmap_file_too_small(tmp_path: Path) -> None:
    path = _raw_file(tmp_path, np.zeros(10, "int16"))
    with pytest.raises(FileFormatError, match=r"expected at least 44 bytes, but found 20") as e:
        MemmapArray(path, "int16", (11, 2), offset=0)
    assert str(path) in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dtype": "int16", "shape": (4,), "offset": -1}, MemphysValueError, "`offset`"),
        ({"dtype": "int16", "shape": (4,), "order": "K"}, MemphysValueError, "`order`"),
        ({"dtype": "int16", "shape": (-1, 2)}, MemphysValueError, "`shape`"),
        ({"dtype": "int16", "shape": ()}, MemphysValueError, "`shape`"),
        ({"dtype": "not-a-dtype", "shape": (4,)}, MemphysTypeError, "`dtype`"),
        ({"dtype": object, "shape": (4,)}, MemphysTypeError, "`dtype`"),
    ],
)
def test_memmap_bad_arguments(tmp_path: Path, kwargs: dict, error: type, match: str) -> None:
    path = _raw_file(tmp_path, np.zeros(10, "int16"))
    with pytest.raises(error, match=match):
        MemmapArray(path, **kwargs)


def test_memmap_empty_shape(tmp_path: Path) -> None:
    path = _raw_file(tmp_path, np.zeros(0, "int16"))
    a = MemmapArray(path, "int16", (0, 3))
    assert a.read().shape == (0, 3)
    assert np.asarray(a).shape == (0, 3)


def test_from_memmap_views(tmp_path: Path) -> None:
    x = _data((10_000, 3), "int16")
    path = _raw_file(tmp_path, x)
    offset = 6 * 5_001  # not a multiple of the allocation granularity
    mm = np.memmap(path, dtype="int16", mode="r", offset=offset, shape=(4_000, 3))
    base = x[5_001:9_001]
    for view, expected in [
        (mm, base),
        (mm[100:200], base[100:200]),
        (mm[3_999:], base[3_999:]),
        (mm.T, base.T),
    ]:
        a = MemmapArray.from_memmap(view)
        np.testing.assert_array_equal(a.read(), expected)
        # the recipe alone (a new map) gives the same data
        b = from_recipe(json.loads(json.dumps(a.recipe())))
        np.testing.assert_array_equal(np.asarray(b), expected)
    assert MemmapArray.from_memmap(mm[100:200]).offset == offset + 600


def test_from_memmap_refusals(tmp_path: Path) -> None:
    x = _data((100, 4), "int16")
    mm = np.memmap(_raw_file(tmp_path, x), dtype="int16", mode="r", shape=(100, 4))
    with pytest.raises(SourceError, match=r"strided view"):
        MemmapArray.from_memmap(mm[:, 1:3])
    with pytest.raises(SourceError, match=r"strided view"):
        MemmapArray.from_memmap(mm[::2])
    anon = np.zeros(4, dtype="int16").view(np.memmap)
    assert isinstance(anon, np.memmap)
    with pytest.raises(SourceError, match=r"no filename"):
        MemmapArray.from_memmap(anon)
    with pytest.raises(MemphysTypeError, match=r"`mm`"):
        MemmapArray.from_memmap(x)  # type: ignore[arg-type]


def test_from_memmap_writable_map_sees_flushed_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.dat"
    mm = np.memmap(path, dtype="float32", mode="w+", shape=(20, 2))
    mm[:] = 1.5
    mm.flush()
    a = as_lazy(mm)
    b = from_recipe(a.recipe())
    np.testing.assert_array_equal(b.read(), np.full((20, 2), 1.5, "float32"))


# --- NpyFileArray ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fortran", [False, True])
def test_npy_matches_numpy(
    check_adapter: Callable, tmp_path: Path, shape: Any, fortran: bool
) -> None:
    x = _data(shape, ">i8")
    path = tmp_path / "x.npy"
    np.save(path, np.asfortranarray(x) if fortran else x)
    a = NpyFileArray(path)
    assert a.order == ("F" if fortran and len(shape) > 1 else "C")
    check_adapter(a, x)


def test_npy_version_2_header(tmp_path: Path) -> None:
    x = _data((40, 3), "float32")
    path = tmp_path / "v2.npy"
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=x.dtype, shape=x.shape, version=(2, 0))
    mm[:] = x
    mm.flush()
    del mm
    a = NpyFileArray(path)
    assert a.offset % 64 == 0
    np.testing.assert_array_equal(a.read(5, 9, channels=[2]), x[5:9, [2]])


def test_npy_recipe_and_subprocess(
    check_recipe: Callable, read_in_subprocess: Callable, tmp_path: Path
) -> None:
    x = _data((500, 8), "<i2")
    path = tmp_path / "rec.npy"
    np.save(path, x)
    a = NpyFileArray(path)
    recipe = check_recipe(a, x)
    assert recipe == {"kind": "npy", "path": str(path), "size": os.path.getsize(path)}
    got = read_in_subprocess(recipe, 123, 456, [-1, 3, 3])
    np.testing.assert_array_equal(got, a.read(123, 456, channels=[-1, 3, 3]))
    assert len(pickle.dumps(a)) < 1000


def test_npy_changed_since_recipe(tmp_path: Path) -> None:
    path = tmp_path / "c.npy"
    np.save(path, np.zeros(10))
    recipe = NpyFileArray(path).recipe()
    np.save(path, np.zeros(20))
    with pytest.raises(SourceError, match=r"changed since the recipe"):
        from_recipe(recipe)


def test_npy_not_an_npy_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.npy"
    path.write_bytes(b"this is not numpy data at all" * 10)
    with pytest.raises(FileFormatError, match=r"fake.npy.*not a valid .npy file"):
        NpyFileArray(path)


def test_npy_truncated(tmp_path: Path) -> None:
    path = tmp_path / "trunc.npy"
    np.save(path, np.arange(100, dtype="int64"))
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 8)
    with pytest.raises(FileFormatError, match=r"trunc.npy.*too small"):
        NpyFileArray(path)


def test_npy_object_dtype(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([1, "a", None], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match=r"obj.npy.*object array"):
        NpyFileArray(path)


def test_npy_missing_and_scalar(tmp_path: Path) -> None:
    with pytest.raises(MemphysFileNotFoundError, match=r"missing.npy"):
        NpyFileArray(tmp_path / "missing.npy")
    path = tmp_path / "scalar.npy"
    np.save(path, np.float64(1.0))
    with pytest.raises(FileFormatError, match=r"0-d"):
        NpyFileArray(path)
    with pytest.raises(MemphysTypeError, match=r"`path`"):
        NpyFileArray(3)  # type: ignore[arg-type]


# --- property tests -------------------------------------------------------------------


@st.composite
def _cases(draw: st.DrawFn) -> tuple[np.ndarray, int, int, Any]:
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1 if i else 0, 9)) for i in range(ndim))
    dtype = draw(st.sampled_from(["int8", "<i4", ">f8", "uint16"]))
    x = _data(shape, dtype)
    n = shape[0]
    start = draw(st.integers(-n - 2, n + 2))
    stop = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
    channels: Any = None
    if ndim >= 2:
        m = shape[1]
        channels = draw(
            st.one_of(
                st.none(),
                st.builds(
                    slice,
                    st.one_of(st.none(), st.integers(-m - 1, m + 1)),
                    st.one_of(st.none(), st.integers(-m - 1, m + 1)),
                    st.one_of(st.none(), st.integers(-3, 3).filter(bool)),
                ),
                st.lists(st.integers(-m, m - 1), min_size=1, max_size=6),
            )
        )
    return x, start, stop, channels


def _expected(x: np.ndarray, start: int, stop: int | None, channels: Any) -> np.ndarray:
    rows = x[start:stop]
    if channels is None or x.ndim < 2:
        return rows
    return rows[:, channels]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_property_numpy_array_reads(case: tuple[np.ndarray, int, int, Any]) -> None:
    x, start, stop, channels = case
    got = NumpyArray(x).read(start, stop, channels=channels)
    expected = _expected(x, start, stop, channels)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases(), st.sampled_from(["C", "F"]), st.integers(0, 40))
def test_property_memmap_reads(
    case: tuple[np.ndarray, int, int, Any], order: str, offset: int
) -> None:
    x, start, stop, channels = case
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.dat")
        with open(path, "wb") as f:
            f.write(b"\xff" * offset)
            f.write(x.tobytes(order=order))
            f.write(b"\xee" * 5)  # trailing bytes are allowed
        a = MemmapArray(path, x.dtype, x.shape, offset=offset, order=order)
        got = a.read(start, stop, channels=channels)
        a.close()
    expected = _expected(x, start, stop, channels)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
