"""Template tools: amplitudes, main (extremum) channels, peak shifts.

SpikeInterface 0.105's functions over a :class:`~memphys.ephys.Templates` or a
``SortingAnalyzer`` with its ``templates`` extension:

- :func:`get_template_amplitudes`: per unit, the amplitude on every channel (``peak_mode``
  ``"extremum"``, ``"at_index"`` or ``"peak_to_peak"``; ``peak_sign`` ``"neg"``, ``"pos"``
  or ``"both"``);
- :func:`get_template_extremum_channel`: the channel of largest amplitude per unit;
- :func:`get_template_extremum_channel_peak_shift` /
  :func:`get_template_peak_shift_on_main_channel`: how far the peak is from ``nbefore``;
- :func:`get_template_extremum_amplitude` / :func:`get_template_amplitude_on_main_channel`:
  the amplitude on that channel.

Differences from SpikeInterface 0.105.3, where it is wrong (``docs/compat.md``): with an
analyzer, ``get_template_extremum_amplitude``'s default call (``peak_sign="neg"``) fails an
assertion there; here it computes the amplitude with the sign and mode asked for, on the
channel where that amplitude is largest. ``get_template_extremum_channel`` honours
``peak_sign`` and ``mode`` (SpikeInterface ignores them and returns the analyzer's main
channels, or forces ``peak_sign="both"`` for Templates).

Examples
--------
>>> import numpy as np
>>> from memphys.ephys.template import Templates
>>> arr = np.zeros((2, 5, 3)); arr[0, 2, 1] = -8.0; arr[0, 3, 0] = 4.0; arr[1, 1, 2] = 6.0
>>> t = Templates(arr, sampling_frequency=1000.0, nbefore=2, unit_ids=["a", "b"])
>>> get_template_extremum_channel(t, peak_sign="neg", outputs="index")
{'a': 1, 'b': 0}
>>> get_template_extremum_channel_peak_shift(t, peak_sign="both")
{'a': 0, 'b': -1}
>>> amps = get_template_extremum_amplitude(t, peak_sign="both", mode="extremum")
>>> {k: float(v) for k, v in amps.items()}
{'a': 8.0, 'b': 6.0}
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.ephys.core_tools import ms_to_samples
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "get_dense_templates_array",
    "get_main_channel_templates_array",
    "get_template_amplitudes",
    "get_template_extremum_channel",
    "get_template_extremum_channel_peak_shift",
    "get_template_peak_shift_on_main_channel",
    "get_template_extremum_amplitude",
    "get_template_amplitude_on_main_channel",
    "estimate_main_channel_from_recording",
]

_SIGNS = ("both", "neg", "pos")
_MODES = ("extremum", "at_index", "peak_to_peak")


def _kind(obj: Any) -> str:
    from memphys.ephys.sortinganalyzer import SortingAnalyzer
    from memphys.ephys.template import Templates

    if isinstance(obj, Templates):
        return "templates"
    if isinstance(obj, SortingAnalyzer):
        return "analyzer"
    raise ExtractorValueError(
        f"Invalid value for `templates_or_sorting_analyzer`: expected Templates or a "
        f"SortingAnalyzer, but got {type(obj).__name__}."
    )


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def get_dense_templates_array(
    one_object: Any, return_in_uV: bool | None = None, operator: str = "average"
) -> np.ndarray:
    """Dense templates (units x samples x channels) of Templates or of an analyzer's
    ``templates`` extension (``operator`` picks average, median, ...)."""
    if _kind(one_object) == "templates":
        if return_in_uV is not None and return_in_uV != one_object.is_in_uV:
            raise ExtractorValueError(
                f"get_dense_templates_array: return_in_uV={return_in_uV} is not possible: the "
                f"Templates have is_in_uV={one_object.is_in_uV}."
            )
        return np.asarray(one_object.get_dense_templates())
    if return_in_uV is not None and return_in_uV != one_object.return_in_uV:
        raise ExtractorValueError(
            f"get_dense_templates_array: return_in_uV={return_in_uV} is not possible: the "
            f"analyzer has return_in_uV={one_object.return_in_uV}."
        )
    ext = one_object.get_extension("templates")
    if ext is None:
        raise ExtractorValueError(
            "The SortingAnalyzer needs the 'templates' extension: compute it first "
            "(analyzer.compute('templates'))."
        )
    return np.asarray(ext.get_templates(operator=operator))


def _nbefore(obj: Any) -> int:
    if _kind(obj) == "templates":
        return int(obj.nbefore)
    ext = obj.get_extension("templates")
    if ext is None:
        raise ExtractorValueError(
            "The SortingAnalyzer needs the 'templates' extension: compute it first."
        )
    return int(ext.nbefore)


def _amplitudes_array(
    templates: np.ndarray, peak_sign: str, peak_mode: str, nbefore: int, abs_value: bool = True
) -> np.ndarray:
    """(units, channels) amplitudes of dense templates."""
    if peak_mode == "extremum":
        if peak_sign == "both":
            values = np.max(np.abs(templates), axis=1)
        elif peak_sign == "neg":
            values = np.min(templates, axis=1)
        else:
            values = np.max(templates, axis=1)
    elif peak_mode == "at_index":
        values = templates[:, nbefore, :]
        if peak_sign == "both":
            values = np.abs(values)
    else:
        values = np.ptp(templates, axis=1)
    return np.abs(values) if abs_value else values


def _resolve_sign_mode(obj: Any, peak_sign: str | None, peak_mode: str | None) -> tuple[str, str]:
    if _kind(obj) == "analyzer":
        peak_sign = obj.peak_sign if peak_sign is None else peak_sign
        peak_mode = obj.peak_mode if peak_mode is None else peak_mode
    else:
        if peak_sign is None:
            warnings.warn(
                "get_template_amplitudes() with Templates should provide a peak_sign: using 'both'",
                ExtractorWarning,
                stacklevel=3,
            )
            peak_sign = "both"
        if peak_mode is None:
            warnings.warn(
                "get_template_amplitudes() with Templates should provide a peak_mode: using "
                "'extremum'",
                ExtractorWarning,
                stacklevel=3,
            )
            peak_mode = "extremum"
    check_in("peak_sign", peak_sign, _SIGNS)
    check_in("peak_mode", peak_mode, _MODES)
    return str(peak_sign), str(peak_mode)


def get_template_amplitudes(
    templates_or_sorting_analyzer: Any,
    peak_sign: str | None = None,
    peak_mode: str | None = None,
    abs_value: bool = True,
    operator: str = "average",
) -> dict[Any, np.ndarray]:
    """Amplitude on every channel for each unit, as ``{unit_id: array(channels)}``.

    Parameters
    ----------
    templates_or_sorting_analyzer : Templates or SortingAnalyzer
    peak_sign : {"neg", "pos", "both"}, optional
        Default: the analyzer's ``peak_sign`` ("both" with a warning for Templates).
    peak_mode : {"extremum", "at_index", "peak_to_peak"}, optional
        Default: the analyzer's ``peak_mode`` ("extremum" with a warning for Templates).
    abs_value : bool, default True
    operator : str, default "average"
        Which templates of an analyzer (average, median, ...).
    """
    obj = templates_or_sorting_analyzer
    sign, mode = _resolve_sign_mode(obj, peak_sign, peak_mode)
    templates = get_dense_templates_array(obj, operator=operator)
    values = _amplitudes_array(templates, sign, mode, _nbefore(obj), abs_value)
    return {u: values[i] for i, u in enumerate(obj.unit_ids)}


def _get_main_channel_from_template_array(
    templates_array: np.ndarray, peak_mode: str, peak_sign: str, nbefore: int
) -> np.ndarray:
    """Per unit, the channel where the amplitude (``peak_sign``, ``peak_mode``) is largest
    (for ``"neg"``: the most negative)."""
    check_in("peak_sign", peak_sign, _SIGNS)
    check_in("peak_mode", peak_mode, _MODES)
    t = np.asarray(templates_array)
    if t.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    if peak_mode == "extremum":
        if peak_sign == "both":
            values = np.max(np.abs(t), axis=1)
        elif peak_sign == "neg":
            values = -np.min(t, axis=1)
        else:
            values = np.max(t, axis=1)
    elif peak_mode == "at_index":
        values = t[:, nbefore, :]
        if peak_sign == "both":
            values = np.abs(values)
        elif peak_sign == "neg":
            values = -values
    else:
        values = np.ptp(t, axis=1)
    return np.asarray(np.argmax(values, axis=1), dtype=np.int64)


def get_main_channel_templates_array(
    one_object: Any, return_in_uV: bool | None = None
) -> np.ndarray:
    """Each unit's template on its main channel (units x samples)."""
    main = np.asarray(one_object.get_main_channels(outputs="index", with_dict=False))
    templates = get_dense_templates_array(one_object, return_in_uV=return_in_uV)
    return (
        templates[np.arange(templates.shape[0]), :, main]
        if templates.shape[0]
        else (np.zeros((0, templates.shape[1]), dtype=templates.dtype))
    )


def get_template_extremum_channel(
    templates_or_sorting_analyzer: Any,
    peak_sign: str = "neg",
    mode: str = "extremum",
    outputs: str = "id",
    operator: str = "average",
) -> dict[Any, Any]:
    """The channel with the extremum amplitude per unit, as ``{unit_id: id or index}``.

    Parameters
    ----------
    peak_sign : {"neg", "pos", "both"}, default "neg"
    mode : {"extremum", "at_index", "peak_to_peak"}, default "extremum"
    outputs : {"id", "index"}, default "id"
    operator : str, default "average"
    """
    obj = templates_or_sorting_analyzer
    check_in("peak_sign", peak_sign, _SIGNS)
    check_in("mode", mode, _MODES)
    check_in("outputs", outputs, ("id", "index"))
    templates = get_dense_templates_array(obj, operator=operator)
    main = _get_main_channel_from_template_array(templates, mode, peak_sign, _nbefore(obj))
    values = main if outputs == "index" else np.asarray(obj.channel_ids)[main]
    pairs = zip(obj.unit_ids, values, strict=True)
    return {_py(u): _py(v) for u, v in pairs}


def get_template_peak_shift_on_main_channel(
    templates_or_sorting_analyzer: Any, peak_sign: str | None = None, with_dict: bool = True
) -> Any:
    """Samples between ``nbefore`` and the peak of each unit's template on its main channel
    (``peak_sign``: the analyzer's by default, "both" with a warning for Templates)."""
    obj = templates_or_sorting_analyzer
    if _kind(obj) == "analyzer":
        sign = obj.peak_sign if peak_sign is None else peak_sign
        main = np.asarray(obj.get_main_channels(outputs="index"))
    else:
        if peak_sign is None:
            warnings.warn(
                "get_template_peak_shift_on_main_channel() with Templates should provide a "
                "peak_sign: using 'both'",
                ExtractorWarning,
                stacklevel=2,
            )
        sign = peak_sign or "both"
        main = np.asarray(obj.get_main_channels(outputs="index", peak_sign=sign))
    check_in("peak_sign", sign, _SIGNS)
    return _peak_shifts(obj, sign, main, with_dict)


def _peak_shifts(obj: Any, sign: str, main: np.ndarray, with_dict: bool) -> Any:
    templates = get_dense_templates_array(obj)
    nbefore = _nbefore(obj)
    shifts = []
    for i in range(templates.shape[0]):
        trace = templates[i, :, main[i]]
        if sign == "both":
            pos = int(np.argmax(np.abs(trace)))
        elif sign == "neg":
            pos = int(np.argmin(trace))
        else:
            pos = int(np.argmax(trace))
        shifts.append(pos - nbefore)
    if with_dict:
        return {_py(u): s for u, s in zip(obj.unit_ids, shifts, strict=True)}
    return np.asarray(shifts, dtype=np.int64)


def get_template_extremum_channel_peak_shift(
    templates_or_sorting_analyzer: Any, peak_sign: str = "neg", operator: str = "average"
) -> dict[Any, int]:
    """Samples between ``nbefore`` and the peak of each unit's template on its extremum
    channel (the channel and the peak both found with ``peak_sign``)."""
    obj = templates_or_sorting_analyzer
    check_in("peak_sign", peak_sign, _SIGNS)
    templates = get_dense_templates_array(obj, operator=operator)
    main = _get_main_channel_from_template_array(templates, "extremum", peak_sign, _nbefore(obj))
    result: dict[Any, int] = _peak_shifts(obj, peak_sign, main, True)
    return result


def get_template_extremum_amplitude(
    templates_or_sorting_analyzer: Any,
    peak_sign: str = "neg",
    mode: str = "at_index",
    abs_value: bool = True,
    operator: str = "average",
    peak_mode: str | None = None,
) -> dict[Any, float]:
    """The amplitude of each unit's template on its extremum channel.

    The channel is the one of largest amplitude for ``peak_sign`` and ``mode`` (or its
    newer name ``peak_mode``); the amplitude is measured the same way. SpikeInterface
    0.105.3's default call with an analyzer fails an assertion; this one answers.
    """
    obj = templates_or_sorting_analyzer
    mode = peak_mode if peak_mode is not None else mode
    check_in("peak_sign", peak_sign, _SIGNS)
    check_in("mode", mode, _MODES)
    templates = get_dense_templates_array(obj, operator=operator)
    nbefore = _nbefore(obj)
    amps = _amplitudes_array(templates, peak_sign, mode, nbefore, abs_value=False)
    main = _get_main_channel_from_template_array(templates, mode, peak_sign, nbefore)
    out = {}
    for i, u in enumerate(obj.unit_ids):
        v = float(amps[i, main[i]])
        out[_py(u)] = abs(v) if abs_value else v
    return out


def get_template_amplitude_on_main_channel(
    templates_or_sorting_analyzer: Any,
    peak_sign: str | None = None,
    peak_mode: str | None = None,
    abs_value: bool = True,
    with_dict: bool = True,
) -> Any:
    """The amplitude (``peak_sign``, ``peak_mode``) of each unit's template on its main
    channel (the analyzer's main channels; for Templates, found with ``peak_sign``)."""
    obj = templates_or_sorting_analyzer
    sign, mode = _resolve_sign_mode(obj, peak_sign, peak_mode)
    if _kind(obj) == "analyzer":
        main = np.asarray(obj.get_main_channels(outputs="index"))
    else:
        main = np.asarray(obj.get_main_channels(outputs="index", peak_sign=sign))
    templates = get_dense_templates_array(obj)
    amps = _amplitudes_array(templates, sign, mode, _nbefore(obj), abs_value)
    values = [amps[i, main[i]] for i in range(len(main))]
    if with_dict:
        return dict(zip(obj.unit_ids, values, strict=True))
    return values


def _get_templates_array_from_recording_and_sorting(
    recording: Any,
    sorting: Any,
    ms_before: float,
    ms_after: float,
    num_spikes: int,
    seed: int | None,
    **job_kwargs: Any,
) -> np.ndarray:
    """Average templates (raw units) of ``num_spikes`` random spikes per unit, away from
    the segment borders, read window by window."""
    from memphys.ephys.spike_selection import random_spikes_selection
    from memphys.ephys.waveform_tools import estimate_templates_with_accumulator

    fs = recording.sampling_frequency
    nbefore = ms_to_samples(ms_before, fs)
    nafter = ms_to_samples(ms_after, fs)
    num_samples = [recording.get_num_samples(s) for s in range(recording.get_num_segments())]
    indices = random_spikes_selection(
        sorting,
        num_samples,
        method="uniform",
        max_spikes_per_unit=num_spikes,
        margin_size=max(nbefore, nafter),
        seed=seed,
    )
    spikes = sorting.to_spike_vector()[indices]
    job_kwargs.setdefault("job_name", "estimate_templates")
    return np.asarray(
        estimate_templates_with_accumulator(
            recording,
            spikes,
            sorting.unit_ids,
            nbefore,
            nafter,
            return_in_uV=False,
            **job_kwargs,
        )
    )


def estimate_main_channel_from_recording(
    recording: Any,
    sorting: Any,
    peak_sign: str | None = None,
    peak_mode: str | None = None,
    num_spikes_for_main_channel: int = 100,
    ms_before: float = 1.0,
    ms_after: float = 2.5,
    seed: int | None = None,
    **job_kwargs: Any,
) -> np.ndarray:
    """Main channel per unit from the average of a few spikes per unit (their windows only
    are read)."""
    if peak_sign is None:
        raise ExtractorValueError(
            "You must provide `peak_sign` in `estimate_main_channel_from_recording`."
        )
    if peak_mode is None:
        raise ExtractorValueError(
            "You must provide `peak_mode` in `estimate_main_channel_from_recording`."
        )
    templates = _get_templates_array_from_recording_and_sorting(
        recording, sorting, ms_before, ms_after, num_spikes_for_main_channel, seed, **job_kwargs
    )
    nbefore = ms_to_samples(ms_before, recording.sampling_frequency)
    return _get_main_channel_from_template_array(templates, peak_mode, peak_sign, nbefore)
