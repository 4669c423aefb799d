"""Synthetic templates: a three-exponential spike shape spread over the probe.

:func:`generate_single_fake_waveform` builds one waveform (depolarisation, repolarisation,
recovery; Gaussian-smoothed; the trough exactly at ``nbefore``); :func:`generate_templates`
scales it per channel by a spatial decay of the distance from the unit (an ellipsoid or a
sphere; exponential or power law) and delays distant channels (a propagation speed,
applied as a sub-sample shift in the Fourier domain), optionally upsampled (a 4th axis of
jitters). :func:`generate_unit_locations` draws unit positions around the probe, apart
from each other. With the same seeds, the values equal SpikeInterface's.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import (
...     generate_channel_locations, generate_unit_locations, generate_templates)
>>> channels = generate_channel_locations(8, 2, 20.0)
>>> units = generate_unit_locations(3, channels, seed=0)
>>> generate_templates(channels, units, 30000.0, 1.0, 3.0, seed=0).shape
(3, 120, 8)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import check_in, check_int, check_sampling_frequency, ext_error
from memphys.ephys.core_tools import ms_to_samples
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "exp_growth",
    "get_ellipse",
    "generate_single_fake_waveform",
    "default_unit_params_range",
    "generate_templates",
    "generate_channel_locations",
    "generate_unit_locations",
]


def exp_growth(
    start_amp: float,
    end_amp: float,
    duration_ms: float,
    tau_ms: float,
    sampling_frequency: float,
    flip: bool = False,
) -> np.ndarray:
    """An exponential going from ``start_amp`` to ``end_amp`` over ``duration_ms``."""
    if flip:
        start_amp, end_amp = end_amp, start_amp
    size = int(duration_ms * sampling_frequency / 1000.0)
    t_ms = np.arange(size + 1) / sampling_frequency * 1000.0
    y = np.exp(t_ms / tau_ms)
    y = y / (y[-1] - y[0]) * (end_amp - start_amp)
    y = y - y[0] + start_amp
    if flip:
        y = y[::-1]
    return y[:-1]


def get_ellipse(
    positions: np.ndarray,
    center: Any,
    x_factor: float = 1,
    y_factor: float = 1,
    x_angle: float = 0,
    y_angle: float = 0,
    z_angle: float = 0,
) -> np.ndarray:
    """Distances from ``positions`` (channels in the plane z=0) to ``center`` (x, y, z) in
    the frame of an ellipsoid rotated by the three angles and stretched by the factors
    (the Euclidean distance for factors 1 and no rotation)."""
    p = np.zeros((3, len(positions)))
    p[0] = positions[:, 0] - center[0]
    p[1] = positions[:, 1] - center[1]
    p[2] = -center[2]

    def rot(axis: int, angle: float) -> np.ndarray:
        c, s = np.cos(-angle), np.sin(-angle)
        m = np.eye(3)
        i, j = [(1, 2), (0, 2), (0, 1)][axis]
        m[i, i] = c
        m[j, j] = c
        # x and z rotations: -sin above the diagonal; y rotation: +sin above
        sign = 1.0 if axis == 1 else -1.0
        m[i, j] = sign * s
        m[j, i] = -sign * s
        return m

    rotated = rot(0, x_angle) @ rot(1, y_angle) @ rot(2, z_angle) @ p
    return np.sqrt((rotated[0] / x_factor) ** 2 + (rotated[1] / y_factor) ** 2 + rotated[2] ** 2)


def generate_single_fake_waveform(
    sampling_frequency: float | None = None,
    ms_before: float = 1.0,
    ms_after: float = 3.0,
    negative_amplitude: float = -1,
    positive_amplitude: float = 0.15,
    depolarization_ms: float = 0.1,
    repolarization_ms: float = 0.6,
    recovery_ms: float = 1.1,
    smooth_ms: float = 0.05,
    dtype: Any = "float32",
) -> np.ndarray:
    """One spike waveform of ``nbefore + nafter`` samples, trough at ``nbefore``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the windows are too short for the phases.
    """
    fs = check_sampling_frequency(sampling_frequency)
    if not ms_after > depolarization_ms + repolarization_ms:
        raise ext_error(
            "ms_after",
            "more than depolarization + repolarization "
            f"({depolarization_ms + repolarization_ms} ms)",
            ms_after,
        )
    if not ms_before > depolarization_ms:
        raise ext_error(
            "ms_before", f"more than depolarization_ms ({depolarization_ms} ms)", ms_before
        )
    nbefore = ms_to_samples(ms_before, fs)
    nafter = ms_to_samples(ms_after, fs)
    wf = np.zeros(nbefore + nafter, dtype=dtype)
    ndepo = int(depolarization_ms * fs / 1000.0)
    if ndepo >= nafter:
        raise ext_error("ms_before", "a window longer than the depolarization", ms_before)
    wf[nbefore - ndepo : nbefore] = exp_growth(
        0, negative_amplitude, depolarization_ms, depolarization_ms * 0.2, fs
    )
    nrepol = int(repolarization_ms * fs / 1000.0)
    wf[nbefore : nbefore + nrepol] = exp_growth(
        negative_amplitude,
        positive_amplitude,
        repolarization_ms,
        repolarization_ms * 0.5,
        fs,
        flip=True,
    )
    nrecov = int(recovery_ms * fs / 1000.0)
    if nrecov + nrepol >= nafter:
        raise ext_error("ms_after", "a window longer than repolarization + recovery", ms_after)
    wf[nbefore + nrepol : nbefore + nrepol + nrecov] = exp_growth(
        positive_amplitude, 0.0, recovery_ms, recovery_ms * 0.5, fs, flip=True
    )
    # Gaussian smoothing, keeping the peak amplitude
    sigma = smooth_ms / (1 / fs * 1000.0)
    half = int(sigma * 4)
    x = np.arange(-half, half + 1)
    kernel = np.exp(-(x**2) / (2 * sigma**2))
    kernel /= np.sum(kernel)
    peak = np.max(np.abs(wf))
    wf = np.convolve(wf, kernel, mode="same")
    wf *= peak / np.max(np.abs(wf))
    # put the trough back at nbefore
    trough = int(np.argmin(wf))
    if trough > nbefore:
        shift = trough - nbefore
        wf[:-shift] = wf[shift:]
    elif trough < nbefore:
        shift = nbefore - trough
        wf[shift:] = wf[:-shift]
    return wf


#: per-unit parameter ranges of :func:`generate_templates` (drawn in this order)
default_unit_params_range: dict[str, Any] = dict(
    alpha=(100.0, 500.0),
    depolarization_ms=(0.09, 0.14),
    repolarization_ms=(0.5, 0.8),
    recovery_ms=(1.0, 1.5),
    positive_amplitude=(0.1, 0.25),
    smooth_ms=(0.03, 0.07),
    spatial_decay=(10.0, 45.0),
    propagation_speed=(250.0, 350.0),
    ellipse_shrink=(0.4, 1),
    ellipse_angle=(0, np.pi * 2),
    spatial_power=(1.5, 2.5),
)


def _unit_params(unit_params: dict[str, Any], num_units: int, seed: Any) -> dict[str, Any]:
    rng = np.random.default_rng(seed=seed)
    unknown = set(unit_params) - set(default_unit_params_range)
    if unknown:
        raise ext_error(
            "unit_params", f"keys among {sorted(default_unit_params_range)}", sorted(unknown)
        )
    params: dict[str, Any] = {}
    for key, default in default_unit_params_range.items():
        v = unit_params.get(key, default)
        if isinstance(v, tuple):
            params[key] = rng.uniform(v[0], v[1], num_units)
        elif v is None:
            params[key] = [None] * num_units
        elif np.isscalar(v):
            params[key] = np.full(num_units, v)
        else:
            arr = np.asarray(v)
            if arr.shape != (num_units,):
                raise ext_error(
                    f"unit_params[{key!r}]",
                    f"a value, a (low, high) range or {num_units} values",
                    v,
                )
            params[key] = arr
    return params


def generate_templates(
    channel_locations: np.ndarray,
    units_locations: np.ndarray,
    sampling_frequency: float,
    ms_before: float,
    ms_after: float,
    seed: int | None = None,
    dtype: Any = "float32",
    upsample_factor: int | None = None,
    unit_params: dict[str, Any] | None = None,
    mode: str = "ellipsoid",
    spatial_profile: str = "exponential",
) -> np.ndarray:
    """Templates ``(num_units, nbefore + nafter, num_channels)`` (with a 4th axis of
    ``upsample_factor`` jitters), from channel and unit positions.

    ``unit_params`` sets per-unit parameters (keys of :data:`default_unit_params_range`):
    a value, one value per unit, or a ``(low, high)`` range drawn with ``seed``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If unit locations are not 3-D, or an option is unknown.
    """
    fs = check_sampling_frequency(sampling_frequency)
    units_locations = np.asarray(units_locations)
    channel_locations = np.asarray(channel_locations)
    if units_locations.ndim != 2 or units_locations.shape[1] != 3:
        raise ext_error(
            "units_locations",
            "an array (num_units, 3) of x, y, z positions",
            f"shape {units_locations.shape}",
        )
    check_in("spatial_profile", spatial_profile, ("exponential", "power"))
    check_in("mode", mode, ("ellipsoid", "sphere"))
    if channel_locations.shape[1] == 2:
        channel_locations = np.hstack(
            [channel_locations, np.zeros((channel_locations.shape[0], 1))]
        )
    num_units, num_channels = units_locations.shape[0], channel_locations.shape[0]
    width = ms_to_samples(ms_before, fs) + ms_to_samples(ms_after, fs)
    if upsample_factor is not None:
        upsample_factor = check_int("upsample_factor", upsample_factor, minimum=1)
        templates = np.zeros((num_units, width, num_channels, upsample_factor), dtype=dtype)
        fs_wf = fs * upsample_factor
    else:
        templates = np.zeros((num_units, width, num_channels), dtype=dtype)
        fs_wf = fs
    params = _unit_params(unit_params or {}, num_units, seed)
    for u in range(num_units):  # one waveform per unit (units are few)
        wf = generate_single_fake_waveform(
            sampling_frequency=fs_wf,
            ms_before=ms_before,
            ms_after=ms_after,
            negative_amplitude=-1,
            positive_amplitude=params["positive_amplitude"][u],
            depolarization_ms=params["depolarization_ms"][u],
            repolarization_ms=params["repolarization_ms"][u],
            recovery_ms=params["recovery_ms"][u],
            smooth_ms=params["smooth_ms"][u],
            dtype=dtype,
        )
        if mode == "sphere":
            distances = get_ellipse(channel_locations, units_locations[u])
        else:
            distances = get_ellipse(
                channel_locations,
                units_locations[u],
                x_factor=1,
                y_factor=params["ellipse_shrink"][u],
                z_angle=params["ellipse_angle"][u],
            )
        alpha, decay = params["alpha"][u], params["spatial_decay"][u]
        if spatial_profile == "exponential":
            factors = alpha * np.exp(-distances / decay)
        else:
            factors = alpha / (1.0 + (distances / decay) ** params["spatial_power"][u])
        wfs = wf[:, np.newaxis] * factors[np.newaxis, :]
        speed = params["propagation_speed"][u]
        if speed is not None:
            shifts = (distances - np.min(distances)) / speed / 1000.0 * fs_wf
            n = wfs.shape[0]
            spectrum = np.fft.rfft(wfs, axis=0)
            top = np.pi if n % 2 == 0 else np.pi * (n - 1) / n
            omega = np.linspace(0, top, spectrum.shape[0])
            phase = omega[:, np.newaxis] * shifts[np.newaxis, :]
            wfs = np.fft.irfft(spectrum * np.exp(-1j * phase), n=n, axis=0)
        if upsample_factor is not None:
            for f in range(upsample_factor):
                templates[u, :, :, f] = wfs[f::upsample_factor]
        else:
            templates[u] = wfs
    return templates


def generate_channel_locations(
    num_channels: int, num_columns: int, contact_spacing_um: float
) -> np.ndarray:
    """``(num_channels, 2)`` positions on ``num_columns`` columns, ``contact_spacing_um``
    apart."""
    num_channels = check_int("num_channels", num_channels, minimum=1)
    num_columns = check_int("num_columns", num_columns, minimum=1)
    loc = np.zeros((num_channels, 2))
    if num_columns == 1:
        loc[:, 1] = np.arange(num_channels) * contact_spacing_um
        return loc
    if num_channels % num_columns:
        raise ext_error("num_columns", f"a divisor of num_channels ({num_channels})", num_columns)
    per = num_channels // num_columns
    for c in range(num_columns):
        loc[c * per : (c + 1) * per, 0] = c * contact_spacing_um
        loc[c * per : (c + 1) * per, 1] = np.arange(per) * contact_spacing_um
    return loc


def _multimodal(
    rng: np.random.Generator, size: int, num_modes: int, lim0: float, lim1: float
) -> np.ndarray:
    bins = np.linspace(lim0, lim1, 10000)
    step = bins[1] - bins[0]
    prob = np.zeros(bins.size)
    mode_step = (lim1 - lim0) / (num_modes + 1)
    for i in range(num_modes):
        prob += np.exp(-((bins - mode_step * (i + 1)) ** 2) / (2 * (mode_step / 5.0) ** 2))
    prob /= np.sum(prob)
    choices = rng.choice(np.arange(bins.size), size, p=prob)
    return bins[choices] + rng.uniform(low=-step / 2, high=step / 2, size=size)


def generate_unit_locations(
    num_units: int,
    channel_locations: np.ndarray,
    margin_um: float = 20.0,
    minimum_z: float = 5.0,
    maximum_z: float = 40.0,
    minimum_distance: float | None = 20.0,
    max_iteration: int = 100,
    distance_strict: bool = False,
    distribution: str = "uniform",
    num_modes: int = 2,
    seed: int | None = None,
) -> np.ndarray:
    """``(num_units, 3)`` unit positions within ``margin_um`` of the probe, ``z`` in
    ``[minimum_z, maximum_z]``, at least ``minimum_distance`` apart (redrawing the
    offending units up to ``max_iteration`` times; then an error with ``distance_strict``,
    else a warning). ``distribution="multimodal"`` gathers units in ``num_modes`` layers
    along y."""
    check_in("distribution", distribution, ("uniform", "multimodal"))
    rng = np.random.default_rng(seed=seed)
    channel_locations = np.asarray(channel_locations)
    loc = np.zeros((num_units, 3), dtype="float32")
    x0, x1 = (
        np.min(channel_locations[:, 0]) - margin_um,
        np.max(channel_locations[:, 0]) + margin_um,
    )
    y0, y1 = (
        np.min(channel_locations[:, 1]) - margin_um,
        np.max(channel_locations[:, 1]) + margin_um,
    )

    def draw_y(size: int) -> np.ndarray:
        if distribution == "uniform":
            return rng.uniform(y0, y1, size=size)
        return _multimodal(rng, size, num_modes, y0, y1)

    loc[:, 0] = rng.uniform(x0, x1, size=num_units)
    loc[:, 1] = draw_y(num_units)
    loc[:, 2] = rng.uniform(minimum_z, maximum_z, size=num_units)
    if minimum_distance is None:
        return loc
    renew: np.ndarray | None = None
    for _ in range(max_iteration):
        d = np.linalg.norm(loc[:, np.newaxis] - loc[np.newaxis, :], axis=2)
        i0, i1 = np.nonzero(d < minimum_distance)
        close = np.unique(i0[i0 != i1])
        if close.size == 0:
            return loc
        renew = close if renew is None else renew[np.isin(renew, close)]
        loc[:, 0][renew] = rng.uniform(x0, x1, size=renew.size)
        loc[:, 1][renew] = draw_y(renew.size)
        loc[:, 2][renew] = rng.uniform(minimum_z, maximum_z, size=renew.size)
    msg = (
        f"generate_unit_locations(): no solution for minimum_distance={minimum_distance} and "
        f"max_iteration={max_iteration}."
    )
    if distance_strict:
        raise ExtractorValueError(msg + " Use distance_strict=False or reduce minimum_distance.")
    warnings.warn(msg, ExtractorWarning, stacklevel=2)
    return loc
