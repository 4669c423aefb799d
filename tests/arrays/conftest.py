"""Shared checks for the lazy array adapter tests.

Every adapter is checked against numpy on the same data with :func:`check_adapter`
(exposed as the ``check_adapter`` fixture) and rebuilt in a fresh interpreter with the
``read_in_subprocess`` fixture.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from memphys.arrays import LazyArray, from_recipe
from memphys.errors import MemphysTypeError

#: Arrays every adapter is tested on: 1-D, 2-D and 3-D, with lengths that do not divide
#: typical chunk sizes.
SHAPES = [(23,), (23, 5), (17, 4, 3)]


def make_data(shape: tuple[int, ...], dtype: str = "int32") -> np.ndarray:
    """Distinct values everywhere, so any misplaced row or channel shows."""
    return (np.arange(int(np.prod(shape))) * 7 - 50).astype(dtype).reshape(shape)


def _channel_cases(n: int) -> list[Any]:
    return [
        None,
        slice(None),
        slice(1, None),
        slice(0, n, 2),
        slice(None, None, -1),
        slice(n - 1, 0, -2),
        [n - 1, 0],
        [2 % n, -1, 0, 0],
        np.array([-n, n - 1]),
        [0],
    ]


def _getitem_cases(ndim: int) -> list[Any]:
    cases: list[Any] = [
        0,
        -1,
        5,
        slice(None),
        slice(2, 9),
        slice(2, 15, 3),
        slice(None, None, -1),
        slice(14, 2, -4),
        slice(-5, None),
        slice(7, 3),
        slice(100, 200),
        Ellipsis,
        (),
    ]
    if ndim >= 2:
        cases += [
            (slice(3, 10), 1),
            (4, -1),
            (slice(None, None, 2), slice(None, None, -1)),
            (Ellipsis, 0),
            (slice(1, 8), slice(1, 3)),
            (-2, slice(None)),
        ]
    if ndim >= 3:
        cases += [
            (slice(2, 6), 1, 2),
            (slice(None, 5), slice(None), -1),
            (3, Ellipsis, 1),
            (slice(None, None, -3), slice(1, None), slice(None, None, 2)),
            (Ellipsis, slice(0, 2)),
        ]
    return cases


def check_adapter(a: LazyArray, x: np.ndarray) -> None:
    """Assert that adapter ``a`` behaves like numpy array ``x`` on every supported access."""
    assert isinstance(a, LazyArray)
    assert a.shape == x.shape
    assert a.dtype == x.dtype
    assert a.ndim == x.ndim
    assert len(a) == x.shape[0]
    n = x.shape[0]
    rows = [(0, n), (3, 11), (n - 4, n), (5, 5), (-6, -1), (0, n + 10), (9, 2)]
    for start, stop in rows:
        expected_rows = x[start:stop]
        np.testing.assert_array_equal(a.read(start, stop), expected_rows)
        if x.ndim >= 2:
            for ch in _channel_cases(x.shape[1]):
                got = a.read(start, stop, channels=ch)
                sel = slice(None) if ch is None else ch
                expected = expected_rows[:, sel]
                assert got.shape == expected.shape, (start, stop, ch)
                assert got.dtype == x.dtype
                np.testing.assert_array_equal(got, expected, err_msg=f"{start}:{stop} {ch!r}")
    for key in _getitem_cases(x.ndim):
        expected = x[key]
        got = a[key]
        assert np.shape(got) == np.shape(expected), key
        np.testing.assert_array_equal(got, expected, err_msg=repr(key))
    fancy: list[Any] = [[0, 2], np.array([1, 3]), np.zeros(n, dtype=bool), (None,)]
    if x.ndim >= 2:
        fancy += [(slice(None), [0, 1]), (slice(2, 4), np.array([True] * x.shape[1]))]
    for key in fancy:
        with pytest.raises(MemphysTypeError, match=r"only integer and slice indexing"):
            a[key]
        with pytest.raises(TypeError):
            a[key]
    with pytest.raises(IndexError):
        a[n]
    with pytest.raises(IndexError):
        a[(0,) * (x.ndim + 1)]
    full = np.asarray(a)
    assert isinstance(full, np.ndarray)
    assert full.dtype == x.dtype
    np.testing.assert_array_equal(full, x)
    # pickling round trip reads the same
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is type(a)
    np.testing.assert_array_equal(b.read(2, 7), x[2:7])


@pytest.fixture(name="check_adapter")
def _check_adapter_fixture() -> Callable[[LazyArray, np.ndarray], None]:
    return check_adapter


@pytest.fixture(name="make_data")
def _make_data_fixture() -> Callable[..., np.ndarray]:
    return make_data


_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from memphys.arrays import from_recipe
    recipe = json.loads(sys.argv[1])
    start, stop = int(sys.argv[2]), int(sys.argv[3])
    channels = json.loads(sys.argv[4])
    a = from_recipe(recipe)
    np.save(sys.argv[5], a.read(start, stop, channels=channels))
    """
)


def read_in_subprocess(
    recipe: dict[str, Any],
    start: int,
    stop: int,
    channels: list[int] | None,
    tmp_path: Path,
) -> np.ndarray:
    """Rebuild the adapter from its JSON recipe in a fresh interpreter and read there."""
    out = tmp_path / f"child_{start}_{stop}.npy"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            json.dumps(recipe),
            str(start),
            str(stop),
            json.dumps(channels),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return np.load(out)


@pytest.fixture(name="read_in_subprocess")
def _read_in_subprocess_fixture(tmp_path: Path) -> Callable[..., np.ndarray]:
    def run(
        recipe: dict[str, Any], start: int, stop: int, channels: list[int] | None = None
    ) -> np.ndarray:
        return read_in_subprocess(recipe, start, stop, channels, tmp_path)

    return run


@pytest.fixture(name="check_recipe")
def _check_recipe_fixture() -> Callable[..., dict[str, Any]]:
    def run(a: LazyArray, x: np.ndarray, max_len: int = 2000) -> dict[str, Any]:
        recipe = a.recipe()
        text = json.dumps(recipe)
        assert len(text) < max_len, "recipes must stay small"
        rebuilt = from_recipe(json.loads(text))
        assert type(rebuilt) is type(a)
        assert rebuilt.shape == a.shape
        assert rebuilt.dtype == a.dtype
        np.testing.assert_array_equal(rebuilt.read(), x)
        if x.ndim >= 2:
            np.testing.assert_array_equal(rebuilt.read(1, 4, channels=[-1, 0]), x[1:4][:, [-1, 0]])
        return recipe

    return run
