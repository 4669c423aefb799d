"""Figures over both faces of memphys, drawn with matplotlib in bounded memory.

Every function takes ``ax=`` (a matplotlib ``Axes``; a new figure when None) and returns
the matplotlib objects it drew. matplotlib is imported on the first call, never by
``import memphys`` nor by ``import memphys.plot``; with no display it draws with the
headless ``Agg`` backend.

- :func:`plot_traces`: a Tsd, TsdFrame or :mod:`memphys.ephys` recording between two
  times. A short window is drawn sample by sample; a long one as the minimum and maximum
  of the samples in each pixel column, computed by :class:`EnvelopeOp` through
  :mod:`memphys.engine` (the whole of a 2 GiB file is drawn in bounded memory). Channels
  are offset by depth when a probe is attached; events (Ts, IntervalSet, ephys events)
  are marked.
- :func:`plot_psd`: power spectral densities (a DataFrame of
  ``compute_power_spectral_density`` / ``compute_mean_power_spectral_density``, or a
  signal whose mean PSD is computed through the engine).
- :func:`plot_perievent`: a raster and its PSTH around events.
- :func:`plot_tuning_curves`: tuning curves (xarray or pandas, 1-D lines or 2-D maps).
- :func:`plot_probe`: a probe's geometry (probeinterface), channel ids and shanks.
- :func:`plot_unit_templates`, :func:`plot_unit_waveforms`, :func:`plot_sparsity`: a
  sorting analyzer's templates, waveforms and sparsity (SpikeInterface 0.105's public
  analyzer API).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.plot import plot_traces
>>> x = nap.TsdFrame(d=np.random.default_rng(0).normal(size=(100_000, 4)), rate=1000.0)
>>> out = plot_traces(x, 0, 100)  # 100 s: one envelope per channel, min/max per pixel
>>> out.mode, len(out.artists)
('envelope', 4)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "plot_traces": "memphys.plot.traces",
    "TracesPlot": "memphys.plot.traces",
    "EnvelopeOp": "memphys.plot.envelope",
    "trace_envelope": "memphys.plot.envelope",
    "column_edges": "memphys.plot.envelope",
    "plot_psd": "memphys.plot.spectrum",
    "plot_perievent": "memphys.plot.perievent",
    "plot_tuning_curves": "memphys.plot.tuning",
    "plot_probe": "memphys.plot.probe",
    "plot_unit_templates": "memphys.plot.analyzer",
    "plot_unit_waveforms": "memphys.plot.analyzer",
    "plot_sparsity": "memphys.plot.analyzer",
    "plot_events": "memphys.plot.events",
}

__all__ = [
    "EnvelopeOp",
    "TracesPlot",
    "column_edges",
    "plot_events",
    "plot_perievent",
    "plot_probe",
    "plot_psd",
    "plot_sparsity",
    "plot_traces",
    "plot_tuning_curves",
    "plot_unit_templates",
    "plot_unit_waveforms",
    "trace_envelope",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'memphys.plot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover
    from memphys.plot.analyzer import plot_sparsity, plot_unit_templates, plot_unit_waveforms
    from memphys.plot.envelope import EnvelopeOp, column_edges, trace_envelope
    from memphys.plot.events import plot_events
    from memphys.plot.perievent import plot_perievent
    from memphys.plot.probe import plot_probe
    from memphys.plot.spectrum import plot_psd
    from memphys.plot.traces import TracesPlot, plot_traces
    from memphys.plot.tuning import plot_tuning_curves
