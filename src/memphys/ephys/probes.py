"""Probes for recordings: the files that carry them, read with probeinterface.

- :func:`read_probe_file`: a probe (group) from a probeinterface ``.json``, a ``.prb``, a
  SpikeGLX ``.meta`` or an Open Ephys ``settings.xml``;
- :func:`set_probe_file`: attach it to a recording, refusing a probe whose connected
  contacts are not the recording's channels (:class:`~memphys.errors.ProbeMismatchError`,
  naming the file, its contact count and the channel count);
- :func:`attach_neuropixels_probe`: what the SpikeGLX and Open Ephys readers do with a
  Neuropixels probe (by shank when it has shanks, ``inter_sample_shift`` from the ADC
  order, the saturation threshold as an annotation).

Examples
--------
>>> import json, os, tempfile
>>> import numpy as np
>>> import probeinterface as pi
>>> import memphys.ephys as si
>>> probe = pi.generate_linear_probe(num_elec=4, ypitch=20)
>>> probe.set_device_channel_indices(np.arange(4))
>>> path = os.path.join(tempfile.mkdtemp(), "probe.json")
>>> pi.write_probeinterface(path, probe)
>>> rec = si.NumpyRecording(np.zeros((100, 3), "int16"), 1000.0)
>>> set_probe_file(rec, path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.ProbeMismatchError: Invalid probe file ...probe.json': it connects 4 contacts, ...
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import (
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
    ProbeMismatchError,
)

__all__ = [
    "read_probe_file",
    "set_probe_file",
    "attach_neuropixels_probe",
    "neuropixels_sample_shifts",
    "neuropixels_saturation_threshold",
]


def read_probe_file(path: Any, stream_name: str | None = None) -> Any:
    """A ``probeinterface.ProbeGroup`` read from ``path`` (by its suffix).

    ``.json`` (probeinterface), ``.prb``, ``.meta`` (SpikeGLX), ``.xml`` (Open Ephys
    settings; ``stream_name`` picks the probe when there are several).

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If the file does not exist.
    memphys.errors.FileFormatError
        If the suffix is not one of these, or probeinterface cannot read the file.
    """
    import probeinterface as pi

    p = Path(path)
    if not p.is_file():
        raise MemphysFileNotFoundError(
            f"Invalid value for the probe file: {str(p)!r} does not exist."
        )
    suffix = p.suffix.lower()
    readers = {
        ".json": lambda: pi.read_probeinterface(p),
        ".prb": lambda: pi.read_prb(p),
        ".meta": lambda: pi.read_spikeglx(p),
        ".xml": lambda: pi.read_openephys(p, stream_name=stream_name),
    }
    if suffix not in readers:
        raise FileFormatError(
            f"Invalid probe file {str(p)!r}: expected a probeinterface .json, a .prb, a "
            f"SpikeGLX .meta or an Open Ephys settings .xml, but got a {suffix or 'suffixless'} "
            "file."
        )
    try:
        probe = readers[suffix]()
    except Exception as exc:  # probeinterface raises many types on a bad file
        raise FileFormatError(
            f"Invalid probe file {str(p)!r}: probeinterface cannot read it ({type(exc).__name__}: "
            f"{exc})."
        ) from exc
    if isinstance(probe, pi.Probe):
        group = pi.ProbeGroup()
        group.add_probe(probe)
        return group
    return probe


def set_probe_file(recording: Any, path: Any, group_mode: str = "auto") -> None:
    """Attach the probe of ``path`` to ``recording`` (in place).

    A probe without wiring (``device_channel_indices``) is wired to the channels in order
    when it has exactly as many contacts as the recording has channels.

    Raises
    ------
    memphys.errors.ProbeMismatchError
        If the probe's connected contacts are not one per channel.
    """
    group = read_probe_file(path)
    n = recording.get_num_channels()
    probes = group.probes
    wired = [p.device_channel_indices is not None for p in probes]
    if not any(wired):
        total = sum(p.get_contact_count() for p in probes)
        if total != n:
            raise ProbeMismatchError(
                f"Invalid probe file {str(path)!r}: it has {total} contacts (not wired to "
                f"channels), but the recording has {n} channels."
            )
        group.set_global_device_channel_indices(np.arange(n))
    connected = int(
        np.sum(group.get_global_device_channel_indices()["device_channel_indices"] >= 0)
    )
    if connected != n:
        raise ProbeMismatchError(
            f"Invalid probe file {str(path)!r}: it connects {connected} contacts, but the "
            f"recording has {n} channels. Use a probe with one connected contact per channel, "
            "or select the channels first."
        )
    try:
        recording.set_probegroup(group, group_mode=group_mode)
    except ValueError as exc:
        raise ProbeMismatchError(
            f"Invalid probe file {str(path)!r}: its wiring does not match the recording's "
            f"{n} channels ({exc})."
        ) from exc


def neuropixels_sample_shifts(probe: Any) -> np.ndarray | None:
    """Per-channel sampling delay (fraction of a sample) of a Neuropixels probe, from its
    ADC order, or None when the probe does not say."""
    per_adc = probe.annotations.get("num_channels_per_adc")
    order = probe.contact_annotations.get("adc_sample_order")
    ap = probe.annotations.get("ap_sample_frequency_hz")
    lf = probe.annotations.get("lf_sample_frequency_hz")
    if per_adc is None or order is None or ap is None or lf is None:
        return None
    cycles = int(per_adc * (1 + lf / ap))
    return np.asarray(order) / cycles


def neuropixels_saturation_threshold(probe: Any, stream_name: str) -> float | None:
    """The saturation level in µV of a Neuropixels stream (AP or LF gain), or None."""
    vpp = probe.annotations.get("adc_range_vpp")
    gain = probe.annotations.get("lf_gain" if "lf" in stream_name.lower() else "ap_gain")
    if vpp is None or gain is None:
        return None
    return float((vpp / 2) / gain * 1e6)


def attach_neuropixels_probe(recording: Any, probe: Any, stream_name: str) -> None:
    """Set a Neuropixels probe (by shank when it has shanks) and its derived metadata.

    Raises
    ------
    memphys.errors.ProbeMismatchError
        If the probe's contacts are not the recording's channels.
    """
    n = recording.get_num_channels()
    if probe.get_contact_count() != n:
        raise ProbeMismatchError(
            f"The probe read for stream {stream_name!r} has {probe.get_contact_count()} "
            f"contacts, but the stream has {n} channels."
        )
    mode = "by_shank" if probe.shank_ids is not None else "auto"
    recording.set_probe(probe, group_mode=mode)
    shifts = neuropixels_sample_shifts(probe)
    if shifts is not None:
        recording.set_property("inter_sample_shift", shifts)
    else:
        warnings.warn(
            f"The probe of stream {stream_name!r} gives no ADC sample order: the inter-sample "
            "shifts are not set.",
            ExtractorWarning,
            stacklevel=3,
        )
    threshold = neuropixels_saturation_threshold(probe, stream_name)
    if threshold is not None:
        recording.annotate(saturation_threshold_uV=threshold)
