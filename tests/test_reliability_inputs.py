"""Silently wrong becomes a clear error (issue 11): one test per case of the issue.

Each case gave a wrong result without a word on main; here it raises a memphys error
that names the argument and what was found (or, for the filter, computes at the right
rate).
"""

from __future__ import annotations

import numpy as np
import pytest

import memphys as nap
from memphys import errors
from memphys.errors import MemphysError

# Several cases build one-spike units, whose support has no duration (pynapple's warning,
# expected in tests/core): incidental to what these tests check.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)

# getattr: the module runs (and fails for the right reason) on a memphys before issue 11
IntervalError = errors.IntervalError


# ----------------------------------------------------------------------- time units
@pytest.mark.parametrize("units", ["hours", 5, "S", None.__class__.__name__])
@pytest.mark.parametrize("cls", ["Tsd", "TsdFrame", "TsdTensor"])
def test_bin_average_refuses_unknown_time_units(cls, units):
    shape = {"Tsd": (100,), "TsdFrame": (100, 2), "TsdTensor": (100, 2, 2)}[cls]
    x = getattr(nap, cls)(t=np.arange(100) / 10, d=np.ones(shape))
    with pytest.raises(ValueError, match="time_units") as info:
        x.bin_average(1, time_units=units)
    assert repr(units) in str(info.value)
    assert isinstance(info.value, MemphysError)


def test_every_conversion_of_units_checks_them():
    ep = nap.IntervalSet(0, 10)
    with pytest.raises(ValueError, match="time_units"):
        nap.IntervalSet(0, 1, time_units="hours")
    with pytest.raises(ValueError, match="time_units"):
        ep.drop_short_intervals(1, time_units="minutes")
    with pytest.raises(ValueError, match="time_units"):
        nap.Ts(t=np.arange(5.0)).count(1, time_units="hours")


# ------------------------------------------------------------------ TsGroup metadata
@pytest.mark.parametrize("values", [[1, 2, 3, 4], [1, 2], np.arange(4), np.arange(2)])
def test_tsgroup_metadata_of_the_wrong_length(values):
    units = {0: nap.Ts(t=[1.0, 2.0]), 1: nap.Ts(t=[1.0]), 2: nap.Ts(t=[3.0])}
    with pytest.raises(ValueError, match=rf"length {len(values)} does not match .* length 3"):
        nap.TsGroup(units, metadata={"c": values})


def test_tsgroup_metadata_of_the_right_length_is_sorted_with_the_units():
    units = {5: nap.Ts(t=[1.0, 2.0]), 2: nap.Ts(t=[1.0, 4.0]), 9: nap.Ts(t=[3.0, 5.0])}
    g = nap.TsGroup(units, metadata={"c": ["five", "two", "nine"]})
    assert g.c.tolist() == ["two", "five", "nine"]


# --------------------------------------------------------------- peri-event windows
@pytest.mark.parametrize("window", [(-1, -2), (1, -1), (0.5, -0.5), -1, (-1, -0.5)])
def test_perievent_windows_ending_before_they_start(window):
    data = nap.Tsd(t=np.arange(0, 100, 0.1), d=np.arange(1000.0))
    events = nap.Ts(t=[20.0, 50.0])
    with pytest.raises(ValueError, match="window") as info:
        nap.compute_perievent(data, events, window=window)
    assert str(window).replace(" ", "") in str(info.value).replace(" ", "")
    with pytest.raises(ValueError, match="window"):
        nap.compute_event_triggered_average(data, events, binsize=0.1, window=window)


def test_perievent_windows_pynapple_accepts_still_work():
    data = nap.Ts(t=np.arange(0, 100, 1.0))
    events = nap.Ts(t=[20.0, 50.0])
    a = nap.compute_perievent(data, events, window=(-2, 3))
    b = nap.compute_perievent(data, events, window=(2, 3))  # pynapple: (before, after)
    assert a[0].time_support.values.tolist() == b[0].time_support.values.tolist() == [[-2, 3]]


# ------------------------------------------------------------ filters: the exact rate
def test_filter_of_a_series_built_from_a_rate_uses_that_rate():
    scipy_signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(0)
    x = nap.Tsd(t=None, d=rng.standard_normal(1000), rate=100)
    assert x.rate != 100  # pynapple's rate: samples per second of time support (100.1)
    with pytest.raises(ValueError, match="cutoff"):
        nap.apply_lowpass_filter(x, 50, progress_bar=False)  # the real Nyquist frequency
    y = nap.apply_lowpass_filter(x, 10, progress_bar=False)
    sos = scipy_signal.butter(4, 10, btype="lowpass", fs=100.0, output="sos")
    np.testing.assert_allclose(y.values, scipy_signal.sosfiltfilt(sos, x.values), atol=1e-9)


# ---------------------------------------------------------------- raw sample types
@pytest.mark.parametrize("dtype", ["U4", "datetime64[ns]", bool, "complex64", "S2", "m8[s]"])
def test_raw_readers_refuse_non_numeric_samples(tmp_path, dtype):
    import memphys.ephys as si

    path = tmp_path / "rec.dat"
    np.zeros(64, dtype="int16").tofile(path)
    with pytest.raises((ValueError, TypeError), match="precision"):
        nap.load_binary_file(path, n_channels=2, frequency=10.0, precision=dtype)
    with pytest.raises((ValueError, TypeError), match="dtype"):
        nap.EphysReader(path, format="rawbinary", n_channels=2, sampling_rate=10.0, dtype=dtype)
    with pytest.raises((ValueError, TypeError), match="dtype"):
        si.read_binary(path, sampling_frequency=10.0, dtype=dtype, num_channels=2)


# ------------------------------------------------------------------------ npz type
def test_npz_with_an_unknown_type_is_not_loaded_as_a_tsd(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, t=np.arange(3.0), d=np.arange(3.0), start=[0.0], end=[2.0], type=["Bogus"])
    with pytest.raises(errors.FileFormatError, match="'Bogus'"):
        nap.load_file(path)


# -------------------------------------------------------------------- IntervalSet inf
@pytest.mark.parametrize(
    ("start", "end"), [(0, np.inf), (-np.inf, 5), ([0, 10], [5, np.inf]), (-np.inf, np.inf)]
)
def test_intervalset_refuses_infinite_bounds(start, end):
    with pytest.raises(IntervalError, match="infinite"):
        nap.IntervalSet(start, end)


# ------------------------------------------------------- pynapple messages + found
def _message(exc: BaseException) -> str:
    return " ".join([str(exc), *getattr(exc, "__notes__", [])])


@pytest.mark.parametrize(
    ("call", "wording", "found"),
    [
        (lambda: nap.Ts(t=[1.0]).restrict([0, 1]), "Argument should be IntervalSet", "list"),
        (
            lambda: nap.TsGroup({0: nap.Ts(t=[1.0, 2.0])}).restrict("ep"),
            "Argument should be IntervalSet",
            "str",
        ),
        (
            lambda: nap.IntervalSet(start=[0, 1], end=[2]),
            "Starts end ends are not of the same length",
            "2 starts and 1 ends",
        ),
        (
            lambda: nap.Ts(t=[1.0]).count(1, ep=[0, 1]),
            "ep argument should be of type IntervalSet",
            "list",
        ),
        (
            lambda: nap.Ts(t=[1.0]).count("1"),
            "bin_size argument should be float or int",
            "str",
        ),
        (
            lambda: nap.Ts(t=[1.0, 2.0]).time_diff(align="middle"),
            "align should be 'start', 'center' or 'end'",
            "'middle'",
        ),
        (
            lambda: nap.Tsd(t=[1.0, 2.0], d=[1.0, 2.0]).interpolate(nap.Ts(t=[1.5]), left="x"),
            "Argument left should be of type float or int",
            "str",
        ),
        (
            lambda: nap.IntervalSet(0, 10).split(0),
            "Argument interval_size should be strictly larger than 0",
            "0",
        ),
        (
            lambda: nap.TsGroup({0: nap.Ts(t=[1.0])}, time_support="all"),
            "Argument time_support should be of type IntervalSet",
            "str",
        ),
        (
            lambda: nap.Tsd(t=[1.0, 2.0], d=[1.0, 2.0]).value_from(nap.Tsd(t=[1.0], d=[1.0]), ep=3),
            "Argument ep should be of type IntervalSet or None",
            "int",
        ),
        (
            lambda: nap.TsGroup({0: nap.Ts(t=np.arange(10.0))}).subsample(2),
            "fraction must be between 0 and 1",
            "2",
        ),
        (
            lambda: nap.compute_perievent(nap.Ts(t=[1.0]), nap.Ts(t=[1.0]), window="10"),
            "window should be a tuple of 2 numbers or a single number",
            "'10'",
        ),
    ],
)
def test_pynapple_messages_keep_their_wording_and_say_what_was_found(call, wording, found):
    with pytest.raises(MemphysError) as info:
        call()
    text = _message(info.value)
    assert text.startswith(wording)
    assert found in text[len(wording) :]
