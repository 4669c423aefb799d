"""Shared validation helpers give one message shape."""

import numpy as np
import pytest

from memphys import _validation as v
from memphys.errors import MemphysTypeError, MemphysValueError


def test_check_option_names_argument_allowed_and_found():
    with pytest.raises(MemphysValueError) as exc:
        v.check_option("mode", "fast", ("butter", "sinc"))
    msg = str(exc.value)
    assert "`mode`" in msg
    assert "'butter', 'sinc'" in msg
    assert "'fast'" in msg


@pytest.mark.parametrize("bad", [0, -3, 1.5, "4", True, None])
def test_check_positive_int_rejects(bad):
    with pytest.raises(MemphysValueError, match="`n_channels`: expected a positive integer"):
        v.check_positive_int("n_channels", bad)


def test_check_positive_int_accepts_numpy_ints():
    assert v.check_positive_int("n", np.int64(3)) == 3
    assert isinstance(v.check_positive_int("n", np.int32(3)), int)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1000", None])
def test_check_positive_float_rejects(bad):
    with pytest.raises(MemphysValueError, match="`rate`"):
        v.check_positive_float("rate", bad)


def test_check_nonnegative_int():
    assert v.check_nonnegative_int("offset", 0) == 0
    with pytest.raises(MemphysValueError, match="non-negative"):
        v.check_nonnegative_int("offset", -1)


def test_check_type_message():
    with pytest.raises(MemphysTypeError, match="`path`: expected str or int, but got list"):
        v.check_type("path", [], (str, int))
    assert v.check_type("path", "x", str) == "x"


def test_describe_truncates_long_values():
    text = v.describe("x" * 500)
    assert len(text) <= 60
    assert text.endswith("...")
