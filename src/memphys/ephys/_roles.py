"""The derived classes a base class builds, found by role: imports in ``ephys`` point one way.

SpikeInterface's base classes build their derived classes (``BaseRecording.frame_slice``
returns a ``FrameSliceRecording``, ``save`` writes through the binary-folder, zarr or numpy
extractors, ``BaseSorting.select_segments`` a segment selection ...). In memphys the base
modules name none of them: each derived class (or function) registers itself under a
*role* with :func:`register_role` where it is defined, and the base asks :func:`role` for
it. This module also knows which module provides each role, so that the lookup imports it
on first use and ``import memphys.ephys`` stays light (as ``core/_kinds.py`` does for the
data model, where ``memphys.core`` imports every class instead).

A role is ``"<kind>.<what>"``: ``recording.channel_slice``, ``sorting.zarr``, ...

Examples
--------
>>> from memphys.ephys._roles import role
>>> role("recording.frame_slice").__name__
'FrameSliceRecording'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from memphys.errors import MemphysRuntimeError

__all__ = ["EXTENSION_PROVIDERS", "PROVIDERS", "register_role", "role"]

_T = TypeVar("_T")

#: role -> the module that defines (and registers) its class or function
PROVIDERS: dict[str, str] = {
    "recording.numpy": "memphys.ephys.numpyextractors",
    "recording.shared_memory": "memphys.ephys.numpyextractors",
    "recording.binary_folder": "memphys.ephys.binaryfolder",
    "recording.zarr": "memphys.ephys.zarrextractors",
    "recording.channel_slice": "memphys.ephys.channelslice",
    "recording.frame_slice": "memphys.ephys.frameslicerecording",
    "recording.select_segments": "memphys.ephys.segmentutils",
    "recording.astype": "memphys.ephys.astyperecording",
    "sorting.numpy": "memphys.ephys.numpysorting",
    "sorting.shared_memory": "memphys.ephys.numpysorting",
    "sorting.numpy_folder": "memphys.ephys.sortingfolder",
    "sorting.npz_folder": "memphys.ephys.sortingfolder",
    "sorting.zarr": "memphys.ephys.zarrsorting",
    "sorting.units_selection": "memphys.ephys.unitsselection",
    "sorting.frame_slice": "memphys.ephys.frameslicesorting",
    "sorting.select_segments": "memphys.ephys.sorting_segmentutils",
    "snippets.npy_folder": "memphys.ephys.npysnippets",
}

#: extension name -> module that registers it (imported on first use). SpikeInterface's
#: other built-in extensions are listed by name so that their folders are recognised.
EXTENSION_PROVIDERS: dict[str, str] = {
    "random_spikes": "memphys.ephys.analyzer_extension_core",
    "waveforms": "memphys.ephys.analyzer_extension_core",
    "templates": "memphys.ephys.analyzer_extension_core",
    "noise_levels": "memphys.ephys.analyzer_extension_core",
    "amplitude_scalings": "spikeinterface.postprocessing",
    "correlograms": "spikeinterface.postprocessing",
    "auto_correlograms": "spikeinterface.postprocessing",
    "isi_histograms": "spikeinterface.postprocessing",
    "principal_components": "spikeinterface.postprocessing",
    "spike_amplitudes": "spikeinterface.postprocessing",
    "spike_locations": "spikeinterface.postprocessing",
    "template_similarity": "spikeinterface.postprocessing",
    "unit_locations": "spikeinterface.postprocessing",
    "valid_unit_periods": "spikeinterface.postprocessing",
    "quality_metrics": "spikeinterface.metrics",
    "template_metrics": "spikeinterface.metrics",
    "spiketrain_metrics": "spikeinterface.metrics",
}

_ROLES: dict[str, Any] = {}


def register_role(name: str) -> Callable[[_T], _T]:
    """Decorator: register a class or function as the one that plays role ``name``."""

    def decorate(obj: _T) -> _T:
        _ROLES[name] = obj
        return obj

    return decorate


def role(name: str) -> Any:
    """The class or function registered for role ``name`` (its module imported if needed)."""
    if name not in _ROLES and name in PROVIDERS:
        importlib.import_module(PROVIDERS[name])
    try:
        return _ROLES[name]
    except KeyError:
        raise MemphysRuntimeError(
            f"No class plays the role {name!r} in memphys.ephys: expected one of "
            f"{', '.join(sorted(PROVIDERS))}."
        ) from None
