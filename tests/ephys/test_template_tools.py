"""Template tools against hand-made templates, and SpikeInterface 0.105.3's failing default
call of get_template_extremum_amplitude answered right."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys import Templates
from memphys.ephys.template_tools import (
    get_template_amplitude_on_main_channel,
    get_template_amplitudes,
    get_template_extremum_amplitude,
    get_template_extremum_channel,
    get_template_extremum_channel_peak_shift,
    get_template_peak_shift_on_main_channel,
)
from memphys.errors import ExtractorValueError


@pytest.fixture
def templates():
    arr = np.zeros((2, 7, 3))
    arr[0, 3, 1] = -10.0  # unit "a": trough on channel 1 at nbefore
    arr[0, 5, 0] = 6.0
    arr[0, 1, 2] = 2.0
    arr[1, 4, 2] = 8.0  # unit "b": positive peak on channel 2, one sample late
    arr[1, 2, 0] = -3.0
    return Templates(arr, 1000.0, 3, unit_ids=["a", "b"], channel_ids=["x", "y", "z"])


def test_amplitudes(templates):
    amp = get_template_amplitudes(templates, peak_sign="both", peak_mode="extremum")
    assert amp["a"].tolist() == [6.0, 10.0, 2.0]
    amp = get_template_amplitudes(templates, peak_sign="neg", peak_mode="extremum", abs_value=False)
    assert amp["b"].tolist() == [-3.0, 0.0, 0.0]
    amp = get_template_amplitudes(templates, peak_sign="both", peak_mode="peak_to_peak")
    assert amp["a"].tolist() == [6.0, 10.0, 2.0]
    amp = get_template_amplitudes(templates, peak_sign="both", peak_mode="at_index")
    assert amp["a"].tolist() == [0.0, 10.0, 0.0]
    with (
        pytest.warns(UserWarning, match="should provide a peak_sign"),
        pytest.warns(UserWarning, match="should provide a peak_mode"),
    ):
        get_template_amplitudes(templates)
    with pytest.raises(ExtractorValueError, match="peak_sign"):
        get_template_amplitudes(templates, peak_sign="up", peak_mode="extremum")


def test_extremum_channel_shift_and_amplitude(templates):
    assert get_template_extremum_channel(templates, peak_sign="neg", outputs="index") == {
        "a": 1,
        "b": 0,
    }
    assert get_template_extremum_channel(templates, peak_sign="pos") == {"a": "x", "b": "z"}
    assert get_template_extremum_channel_peak_shift(templates, peak_sign="pos") == {"a": 2, "b": 1}
    assert get_template_peak_shift_on_main_channel(templates, peak_sign="both") == {"a": 0, "b": 1}
    # the default (peak_sign="neg", mode="at_index"): the trough at nbefore
    assert get_template_extremum_amplitude(templates) == {"a": 10.0, "b": 0.0}
    assert get_template_extremum_amplitude(templates, peak_sign="pos", mode="extremum") == {
        "a": 6.0,
        "b": 8.0,
    }
    amps = get_template_amplitude_on_main_channel(templates, peak_sign="both", peak_mode="extremum")
    assert {k: float(v) for k, v in amps.items()} == {"a": 10.0, "b": 8.0}


def test_analyzer_default_call_answers():
    si.set_global_job_kwargs(progress_bar=False)
    try:
        rec, sorting = si.generate_ground_truth_recording(durations=[10.0], num_units=3, seed=1)
        an = si.create_sorting_analyzer(sorting, rec, sparse=False)
        with pytest.raises(ExtractorValueError, match="templates"):
            get_template_extremum_amplitude(an)
        an.compute(["random_spikes", "templates"])
        amps = get_template_extremum_amplitude(an)  # SpikeInterface 0.105.3: AssertionError
        t = an.get_extension("templates").data["average"]
        nb = an.get_extension("templates").nbefore
        for i, u in enumerate(an.unit_ids):
            assert amps[u] == pytest.approx(abs(t[i, nb, :].min()))
        shifts = get_template_peak_shift_on_main_channel(an)
        assert set(shifts) == set(an.unit_ids.tolist())
    finally:
        si.reset_global_job_kwargs()
