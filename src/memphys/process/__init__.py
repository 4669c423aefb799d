"""Analyses with pynapple's names, computed through the chunked engine where data is large.

Every function is imported on first access (``memphys.process.apply_bandpass_filter`` or
``memphys.apply_bandpass_filter``), so importing memphys does not import scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module of memphys.process that defines it
NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "apply_bandpass_filter",
            "apply_bandstop_filter",
            "apply_highpass_filter",
            "apply_lowpass_filter",
            "get_filter_frequency_response",
        ),
        "filtering",
    ),
    **dict.fromkeys(
        (
            "apply_hilbert_transform",
            "compute_hilbert_envelope",
            "compute_hilbert_phase",
            "detect_oscillatory_events",
        ),
        "signal",
    ),
    **dict.fromkeys(
        ("compute_fft", "compute_power_spectral_density", "compute_mean_power_spectral_density"),
        "spectrum",
    ),
    **dict.fromkeys(("compute_wavelet_transform", "generate_morlet_filterbank"), "wavelets"),
    **dict.fromkeys(
        (
            "compute_perievent",
            "compute_event_triggered_average",
            "compute_spike_triggered_average",
        ),
        "perievent",
    ),
    **dict.fromkeys(("build_tensor", "warp_tensor"), "warping"),
    **dict.fromkeys(
        (
            "compute_tuning_curves",
            "compute_1d_tuning_curves",
            "compute_1d_tuning_curves_continuous",
            "compute_2d_tuning_curves",
            "compute_2d_tuning_curves_continuous",
            "compute_discrete_tuning_curves",
            "compute_mutual_information",
            "compute_1d_mutual_info",
            "compute_2d_mutual_info",
            "compute_response_per_epoch",
        ),
        "tuning_curves",
    ),
    **dict.fromkeys(
        (
            "compute_autocorrelogram",
            "compute_crosscorrelogram",
            "compute_eventcorrelogram",
            "compute_isi_distribution",
        ),
        "correlograms",
    ),
    **dict.fromkeys(("decode_1d", "decode_2d", "decode_bayes", "decode_template"), "decoding"),
    **dict.fromkeys(
        ("jitter_timestamps", "resample_timestamps", "shift_timestamps", "shuffle_ts_intervals"),
        "randomize",
    ),
}

#: methods of the time series implemented here: name -> module of memphys.process
CORE_METHODS: dict[str, str] = {
    "convolve": "smoothing",
    "smooth": "smoothing",
    "decimate": "resampling",
}

__all__ = sorted([*NAMES, "register_core_methods"])


def _loader(module: str, name: str) -> Any:
    def load() -> Any:
        return getattr(importlib.import_module(f"memphys.process.{module}"), name)

    return load


def register_core_methods() -> None:
    """Register the time-series methods implemented in ``process`` (``Tsd.convolve``,
    ``smooth``, ``decimate``) with :mod:`memphys.registry`, as loaders: nothing is
    imported until a method is first called. ``import memphys`` calls it.
    """
    from memphys.registry import register_method

    for name, module in CORE_METHODS.items():
        register_method(name, loader=_loader(module, name))


def __getattr__(name: str) -> Any:
    if name in set(NAMES.values()):
        # the analysis modules themselves (memphys.process.randomize, nap.randomize)
        try:
            return importlib.import_module(f"memphys.process.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"memphys.process.{name}":
                raise AttributeError(f"module 'memphys.process' has no attribute {name!r}") from exc
            raise
    module = NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'memphys.process' has no attribute {name!r}")
    try:
        mod = importlib.import_module(f"memphys.process.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"memphys.process.{module}":
            raise AttributeError(
                f"memphys.process.{name} is not available yet (module {module!r} missing)"
            ) from exc
        raise
    return getattr(mod, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(NAMES))
