"""Channel sparsity: on which channels each unit's waveforms and templates live.

:class:`ChannelSparsity` is SpikeInterface 0.105's object: a boolean ``mask`` (units x
channels) with the unit and channel ids, the per-unit channel ids and indices, conversions
between dense and sparse waveforms (sparse waveforms keep a unit's channels first, in
channel order, padded with zeros up to the widest unit), and constructors from templates or
an analyzer (``from_radius``, ``from_best_channels``, ``from_closest_channels``,
``from_snr``, ``from_amplitude`` and ``from_ptp``, ``from_energy``, ``from_property``).
:func:`compute_sparsity` chooses a constructor by name; :func:`estimate_sparsity` needs
neither an analyzer nor templates: it estimates templates from a few spikes per unit,
reading only those spikes' windows (:mod:`memphys.ephys.waveform_pass`).

Bad input (a mask whose shape does not match the ids, a waveform array that is not sparse
for its unit, an unknown method, a missing argument of a method) raises
:class:`~memphys.errors.ExtractorValueError` (a ``ValueError`` and an ``AssertionError``, as
SpikeInterface raises either).

Examples
--------
>>> import numpy as np
>>> mask = np.array([[True, True, False], [False, True, True]])
>>> sparsity = ChannelSparsity(mask, unit_ids=["a", "b"], channel_ids=[10, 20, 30])
>>> sparsity
ChannelSparsity - units: 2 - channels: 3 - density, P(x=1): 0.67
>>> sparsity.unit_id_to_channel_ids["b"]
array([20, 30])
>>> dense = np.arange(6.0).reshape(2, 3)            # 2 samples x 3 channels
>>> sparsity.sparsify_waveforms(dense, unit_id="b")
array([[1., 2.],
       [4., 5.]])
>>> sparsity.densify_waveforms(np.ones((2, 2)), unit_id="b")
array([[0., 1., 1.],
       [0., 1., 1.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.ephys.core_tools import ms_to_samples
from memphys.errors import ExtractorValueError

__all__ = ["ChannelSparsity", "compute_sparsity", "estimate_sparsity"]

_METHODS_TEMPLATES = ("best_channels", "closest_channels", "radius", "snr", "amplitude", "ptp")


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise ExtractorValueError(message)


class ChannelSparsity:
    """Which channels each unit uses (see the module docstring).

    Parameters
    ----------
    mask : array of bool, shape (num_units, num_channels)
    unit_ids : sequence
    channel_ids : sequence

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the mask is not 2-D or its shape does not match the ids.
    """

    def __init__(self, mask: Any, unit_ids: Any, channel_ids: Any) -> None:
        self.unit_ids = np.asarray(unit_ids)
        self.channel_ids = np.asarray(channel_ids)
        self.mask = np.asarray(mask, dtype="bool")
        _need(
            self.mask.ndim == 2,
            f"Invalid value for `mask`: expected a 2-D boolean array (units x channels), but "
            f"got shape {self.mask.shape}.",
        )
        _need(
            self.mask.shape[0] == self.unit_ids.shape[0],
            f"Invalid value for `mask`: expected {self.unit_ids.shape[0]} rows (one per unit "
            f"id), but got shape {self.mask.shape}.",
        )
        _need(
            self.mask.shape[1] == self.channel_ids.shape[0],
            f"Invalid value for `mask`: expected {self.channel_ids.shape[0]} columns (one per "
            f"channel id), but got shape {self.mask.shape}.",
        )
        self._unit_id_to_channel_ids: dict[Any, np.ndarray] | None = None
        self._unit_id_to_channel_indices: dict[Any, np.ndarray] | None = None
        self.num_channels = int(self.channel_ids.size)
        self.num_units = int(self.unit_ids.size)
        self.max_num_active_channels = int(self.mask.sum(axis=1).max()) if self.num_units else 0

    def __repr__(self) -> str:
        density = float(np.mean(self.mask)) if self.mask.size else 0.0
        return (
            f"ChannelSparsity - units: {self.num_units} - channels: {self.num_channels} - "
            f"density, P(x=1): {density:0.2f}"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ChannelSparsity)
            and np.array_equal(self.channel_ids, other.channel_ids)
            and np.array_equal(self.unit_ids, other.unit_ids)
            and np.array_equal(self.mask, other.mask)
        )

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ views
    @property
    def unit_id_to_channel_ids(self) -> dict[Any, np.ndarray]:
        """Unit id -> the ids of its channels."""
        if self._unit_id_to_channel_ids is None:
            self._unit_id_to_channel_ids = {
                u: self.channel_ids[np.flatnonzero(self.mask[i])]
                for i, u in enumerate(self.unit_ids)
            }
        return self._unit_id_to_channel_ids

    @property
    def unit_id_to_channel_indices(self) -> dict[Any, np.ndarray]:
        """Unit id -> the positions of its channels."""
        if self._unit_id_to_channel_indices is None:
            self._unit_id_to_channel_indices = {
                u: np.flatnonzero(self.mask[i]) for i, u in enumerate(self.unit_ids)
            }
        return self._unit_id_to_channel_indices

    def _unit_channels(self, unit_id: Any) -> np.ndarray:
        try:
            return self.unit_id_to_channel_indices[unit_id]
        except (KeyError, TypeError):
            raise ExtractorValueError(
                f"Invalid value for `unit_id`: expected one of {self.unit_ids.tolist()[:20]}, "
                f"but got {unit_id!r}."
            ) from None

    # ------------------------------------------------------------- conversions
    def sparsify_waveforms(self, waveforms: np.ndarray, unit_id: Any) -> np.ndarray:
        """Keep only ``unit_id``'s channels of dense waveforms (last axis: channels)."""
        waveforms = np.asarray(waveforms)
        _need(
            waveforms.shape[-1] == self.num_channels,
            f"Invalid value for `waveforms`: expected dense waveforms with {self.num_channels} "
            f"channels on the last axis, but got shape {waveforms.shape}.",
        )
        return waveforms[..., self._unit_channels(unit_id)]

    def densify_waveforms(self, waveforms: np.ndarray, unit_id: Any) -> np.ndarray:
        """Put ``unit_id``'s sparse waveforms back at their channels of a dense array.

        Raises
        ------
        memphys.errors.ExtractorValueError
            If the waveforms have values past the unit's number of channels (they are not
            sparse for this unit).
        """
        waveforms = np.asarray(waveforms)
        idx = self._unit_channels(unit_id)
        k = idx.size
        _need(
            waveforms.shape[-1] >= k,
            f"Invalid value for `waveforms`: unit {unit_id!r} has {k} channels, but the "
            f"waveforms have only {waveforms.shape[-1]} on their last axis.",
        )
        if not self.are_waveforms_sparse(waveforms, unit_id):
            raise ExtractorValueError(
                "Waveforms do not seem to be in the sparsity shape for this unit_id: unit "
                f"{unit_id!r} has {k} active channels, but the waveforms have non-zero values "
                f"past the first {k} of their {waveforms.shape[-1]} channels."
            )
        out = np.zeros((*waveforms.shape[:-1], self.num_channels), dtype=waveforms.dtype)
        out[..., idx] = waveforms[..., :k]
        return out

    def are_waveforms_dense(self, waveforms: np.ndarray) -> bool:
        """True if the last axis has all channels."""
        return bool(np.asarray(waveforms).shape[-1] == self.num_channels)

    def are_waveforms_sparse(self, waveforms: np.ndarray, unit_id: Any) -> bool:
        """True if nothing but zeros lies past ``unit_id``'s number of channels."""
        k = self._unit_channels(unit_id).size
        return not bool(np.any(np.asarray(waveforms)[..., k:]))

    def sparsify_templates(self, templates_array: np.ndarray) -> np.ndarray:
        """Dense templates (units x samples x channels) -> sparse (units x samples x
        max_num_active_channels)."""
        t = np.asarray(templates_array)
        _need(
            t.ndim == 3 and t.shape[0] == self.num_units and t.shape[2] == self.num_channels,
            f"Invalid value for `templates_array`: expected shape ({self.num_units}, samples, "
            f"{self.num_channels}), but got {t.shape}.",
        )
        out = np.zeros((self.num_units, t.shape[1], self.max_num_active_channels), dtype=t.dtype)
        for i in range(self.num_units):
            idx = np.flatnonzero(self.mask[i])
            out[i, :, : idx.size] = t[i][:, idx]
        return out

    def densify_templates(self, templates_array: np.ndarray) -> np.ndarray:
        """Sparse templates (units x samples x >= max channels) -> dense."""
        t = np.asarray(templates_array)
        _need(
            t.ndim == 3 and t.shape[0] == self.num_units,
            f"Invalid value for `templates_array`: expected {self.num_units} units on axis 0 "
            f"of a 3-D array, but got shape {t.shape}.",
        )
        out = np.zeros((self.num_units, t.shape[1], self.num_channels), dtype=t.dtype)
        for i, u in enumerate(self.unit_ids):
            out[i] = self.densify_waveforms(t[i], u)
        return out

    # ------------------------------------------------------------ dict forms
    @classmethod
    def from_unit_id_to_channel_ids(
        cls, unit_id_to_channel_ids: dict[Any, Any], unit_ids: Any, channel_ids: Any
    ) -> ChannelSparsity:
        """A sparsity from ``{unit_id: channel_ids}``."""
        units = list(np.asarray(unit_ids).tolist())
        chans = list(np.asarray(channel_ids).tolist())
        mask = np.zeros((len(units), len(chans)), dtype="bool")
        for unit_id, chan_ids in unit_id_to_channel_ids.items():
            key = unit_id.item() if isinstance(unit_id, np.generic) else unit_id
            if key not in units:
                raise ExtractorValueError(
                    f"Invalid value for `unit_id_to_channel_ids`: unit {unit_id!r} is not one "
                    f"of the unit ids {units[:20]}."
                )
            for c in np.asarray(chan_ids).tolist():
                if c not in chans:
                    raise ExtractorValueError(
                        f"Invalid value for `unit_id_to_channel_ids`: channel {c!r} of unit "
                        f"{unit_id!r} is not one of the channel ids {chans[:20]}."
                    )
                mask[units.index(key), chans.index(c)] = True
        return cls(mask, unit_ids, channel_ids)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (``from_dict`` reads it back)."""
        return dict(
            unit_id_to_channel_ids={k: list(v) for k, v in self.unit_id_to_channel_ids.items()},
            channel_ids=list(self.channel_ids),
            unit_ids=list(self.unit_ids),
        )

    @classmethod
    def from_dict(cls, dictionary: dict[str, Any]) -> ChannelSparsity:
        """Read :meth:`to_dict`'s dict (also after a JSON round trip: keys become strings)."""
        d = dict(dictionary)
        mapping = d["unit_id_to_channel_ids"]
        fixed = {}
        for unit_id in d["unit_ids"]:
            if unit_id in mapping:
                fixed[unit_id] = mapping[unit_id]
            elif str(unit_id) in mapping:
                fixed[unit_id] = mapping[str(unit_id)]
            else:
                raise ExtractorValueError(
                    f"Invalid value for `dictionary`: unit {unit_id!r} has no entry in "
                    "unit_id_to_channel_ids."
                )
        return cls.from_unit_id_to_channel_ids(fixed, d["unit_ids"], d["channel_ids"])

    # ------------------------------------------------------------ estimators
    @classmethod
    def from_best_channels(
        cls,
        templates_or_sorting_analyzer: Any,
        num_channels: int,
        peak_sign: str | None = None,
        amplitude_mode: str = "extremum",
    ) -> ChannelSparsity:
        """The ``num_channels`` channels of largest template amplitude per unit."""
        from memphys.ephys.template_tools import get_template_amplitudes

        obj = templates_or_sorting_analyzer
        peaks = get_template_amplitudes(obj, peak_sign=peak_sign, peak_mode=amplitude_mode)
        mask = np.zeros((obj.unit_ids.size, obj.channel_ids.size), dtype="bool")
        for i, u in enumerate(obj.unit_ids):
            order = np.argsort(np.abs(peaks[u]))[::-1]
            mask[i, order[: int(num_channels)]] = True
        return cls(mask, obj.unit_ids, obj.channel_ids)

    @classmethod
    def from_closest_channels(
        cls,
        templates_or_sorting_analyzer: Any,
        num_channels: int,
        peak_sign: str | None = None,
        peak_mode: str | None = None,
    ) -> ChannelSparsity:
        """The ``num_channels`` channels closest to each unit's main channel."""
        obj = templates_or_sorting_analyzer
        locations = np.asarray(obj.get_channel_locations())
        distances = np.linalg.norm(locations[:, None] - locations[None, :], axis=2)
        main = _main_channels(obj, peak_sign, peak_mode)
        mask = np.zeros((obj.unit_ids.size, obj.channel_ids.size), dtype="bool")
        for i in range(obj.unit_ids.size):
            order = np.argsort(distances[main[i]], kind="stable")
            mask[i, order[: int(num_channels)]] = True
        return cls(mask, obj.unit_ids, obj.channel_ids)

    @classmethod
    def from_radius_and_main_channel(
        cls,
        unit_ids: Any,
        channel_ids: Any,
        main_channel_indices: Any,
        channel_locations: Any,
        radius_um: float,
    ) -> ChannelSparsity:
        """The channels within ``radius_um`` of each unit's main channel."""
        locations = np.asarray(channel_locations, dtype=float)
        distances = np.linalg.norm(locations[:, None] - locations[None, :], axis=2)
        main = np.asarray(main_channel_indices, dtype=np.int64)
        _need(
            main.size == len(unit_ids),
            f"Invalid value for `main_channel_indices`: expected one per unit ({len(unit_ids)}),"
            f" but got {main.size}.",
        )
        mask = distances[main] <= float(radius_um) if main.size else np.zeros((0, len(locations)))
        return cls(mask, unit_ids, channel_ids)

    @classmethod
    def from_radius(
        cls,
        templates_or_sorting_analyzer: Any,
        radius_um: float,
        peak_sign: str | None = None,
        peak_mode: str | None = None,
    ) -> ChannelSparsity:
        """The channels within ``radius_um`` of each unit's main channel."""
        obj = templates_or_sorting_analyzer
        return cls.from_radius_and_main_channel(
            obj.unit_ids,
            obj.channel_ids,
            _main_channels(obj, peak_sign, peak_mode),
            obj.get_channel_locations(),
            radius_um,
        )

    @classmethod
    def from_snr(
        cls,
        templates_or_sorting_analyzer: Any,
        threshold: float,
        amplitude_mode: str | None = None,
        peak_sign: str | None = None,
        noise_levels: Any = None,
    ) -> ChannelSparsity:
        """Channels whose template amplitude over the noise level is at least ``threshold``."""
        from memphys.ephys.template_tools import get_template_amplitudes

        obj = templates_or_sorting_analyzer
        _need(
            obj.sparsity is None,
            "To compute sparsity you need a dense SortingAnalyzer or Templates (this one is "
            "sparse).",
        )
        if _is_analyzer(obj):
            ext = obj.get_extension("noise_levels")
            _need(ext is not None, "To compute sparsity from snr compute 'noise_levels' first.")
            noise_levels = ext.data["noise_levels"]
        _need(
            noise_levels is not None,
            "To compute sparsity from snr with Templates, pass `noise_levels` (see "
            "get_noise_levels()).",
        )
        noise = np.asarray(noise_levels, dtype=float)
        peaks = get_template_amplitudes(obj, peak_sign=peak_sign, peak_mode=amplitude_mode)
        mask = np.zeros((obj.unit_ids.size, obj.channel_ids.size), dtype="bool")
        for i, u in enumerate(obj.unit_ids):
            mask[i] = np.abs(peaks[u]) / noise >= threshold
        return cls(mask, obj.unit_ids, obj.channel_ids)

    @classmethod
    def from_amplitude(
        cls,
        templates_or_sorting_analyzer: Any,
        threshold: float,
        amplitude_mode: str | None = None,
        peak_sign: str | None = None,
    ) -> ChannelSparsity:
        """Channels whose template amplitude (µV) is at least ``threshold``."""
        from memphys.ephys.template_tools import get_template_amplitudes

        obj = templates_or_sorting_analyzer
        _need(
            obj.sparsity is None,
            "To compute sparsity you need a dense SortingAnalyzer or Templates (this one is "
            "sparse).",
        )
        in_uv = obj.return_in_uV if _is_analyzer(obj) else obj.is_in_uV
        _need(
            bool(in_uv),
            "To compute sparsity from amplitude the templates must be in µV (return_in_uV=True "
            "for an analyzer, is_in_uV=True for Templates).",
        )
        peaks = get_template_amplitudes(obj, peak_sign=peak_sign, peak_mode=amplitude_mode)
        mask = np.zeros((obj.unit_ids.size, obj.channel_ids.size), dtype="bool")
        for i, u in enumerate(obj.unit_ids):
            mask[i] = np.abs(peaks[u]) >= threshold
        return cls(mask, obj.unit_ids, obj.channel_ids)

    @classmethod
    def from_ptp(
        cls,
        templates_or_sorting_analyzer: Any,
        threshold: float,
        noise_levels: Any = None,
    ) -> ChannelSparsity:
        """Channels whose template peak-to-peak amplitude over the noise level is at least
        ``threshold`` (SpikeInterface's former ``from_ptp``: ``from_snr`` with
        ``amplitude_mode="peak_to_peak"``)."""
        return cls.from_snr(
            templates_or_sorting_analyzer,
            threshold,
            amplitude_mode="peak_to_peak",
            peak_sign="both" if not _is_analyzer(templates_or_sorting_analyzer) else None,
            noise_levels=noise_levels,
        )

    @classmethod
    def from_energy(cls, sorting_analyzer: Any, threshold: float) -> ChannelSparsity:
        """Channels whose waveform energy over the noise energy is at least ``threshold``
        (needs the ``waveforms`` and ``noise_levels`` extensions of a dense analyzer)."""
        an = sorting_analyzer
        _need(_is_analyzer(an), "from_energy needs a SortingAnalyzer.")
        _need(
            an.sparsity is None,
            "To compute sparsity with energy you need a dense SortingAnalyzer.",
        )
        ext = an.get_extension("noise_levels")
        _need(ext is not None, "To compute sparsity from energy compute 'noise_levels' first.")
        wf_ext = an.get_extension("waveforms")
        _need(wf_ext is not None, "To compute sparsity from energy compute 'waveforms' first.")
        noise = np.sqrt(wf_ext.nbefore + wf_ext.nafter) * np.asarray(ext.data["noise_levels"])
        mask = np.zeros((an.unit_ids.size, an.channel_ids.size), dtype="bool")
        for i, u in enumerate(an.unit_ids):
            wfs = np.asarray(wf_ext.get_waveforms_one_unit(u, force_dense=True), dtype=np.float64)
            if len(wfs) == 0:
                continue
            energies = np.linalg.norm(wfs, axis=(0, 1))
            mask[i] = energies / (noise * np.sqrt(len(wfs))) >= threshold
        return cls(mask, an.unit_ids, an.channel_ids)

    @classmethod
    def from_property(cls, sorting: Any, recording: Any, by_property: str) -> ChannelSparsity:
        """Each unit gets the channels whose property ``by_property`` equals the unit's."""
        _need(
            by_property in recording.get_property_keys(),
            f"Property {by_property!r} is not a recording property "
            f"(it has {list(recording.get_property_keys())}).",
        )
        _need(
            by_property in sorting.get_property_keys(),
            f"Property {by_property!r} is not a sorting property "
            f"(it has {list(sorting.get_property_keys())}).",
        )
        chan_values = np.asarray(recording.get_property(by_property))
        unit_values = np.asarray(sorting.get_property(by_property))
        mask = np.zeros((sorting.unit_ids.size, recording.channel_ids.size), dtype="bool")
        for i, value in enumerate(unit_values):
            row = chan_values == value
            _need(
                bool(row.any()),
                f"Unit property {value!r} ({by_property!r} of unit {sorting.unit_ids[i]!r}) "
                "cannot be found in the recording properties.",
            )
            mask[i] = row
        return cls(mask, sorting.unit_ids, recording.channel_ids)

    @classmethod
    def create_dense(cls, sorting_analyzer: Any) -> ChannelSparsity:
        """Every channel for every unit."""
        an = sorting_analyzer
        mask = np.ones((an.unit_ids.size, an.channel_ids.size), dtype="bool")
        return cls(mask, an.unit_ids, an.channel_ids)


def _is_analyzer(obj: Any) -> bool:
    from memphys.ephys.sortinganalyzer import SortingAnalyzer

    return isinstance(obj, SortingAnalyzer)


def _is_templates(obj: Any) -> bool:
    from memphys.ephys.template import Templates

    return isinstance(obj, Templates)


def _main_channels(obj: Any, peak_sign: str | None, peak_mode: str | None) -> np.ndarray:
    if _is_templates(obj):
        return np.asarray(
            obj.get_main_channels(
                outputs="index",
                peak_sign=peak_sign or "both",
                peak_mode=peak_mode or "extremum",
            )
        )
    return np.asarray(obj.get_main_channels(outputs="index"))


def compute_sparsity(
    templates_or_sorting_analyzer: Any,
    noise_levels: Any = None,
    method: str = "radius",
    peak_sign: str | None = None,
    amplitude_mode: str | None = None,
    num_channels: int | None = 5,
    radius_um: float | None = 100.0,
    threshold: float | None = 5,
    by_property: str | None = None,
) -> ChannelSparsity:
    """A sparsity from a :class:`~memphys.ephys.Templates` or a ``SortingAnalyzer``.

    Parameters
    ----------
    templates_or_sorting_analyzer : Templates or SortingAnalyzer
    noise_levels : array, optional
        For ``method="snr"`` with Templates.
    method : {"radius", "best_channels", "closest_channels", "snr", "amplitude", "ptp",
              "energy", "by_property"}
        ``"energy"`` and ``"by_property"`` need an analyzer.
    peak_sign, amplitude_mode : str, optional
        Required with Templates; must be None with an analyzer (it has its own).
    num_channels, radius_um, threshold, by_property
        The argument of the method.
    """
    obj = templates_or_sorting_analyzer
    check_in(
        "method",
        method,
        (
            "radius",
            "best_channels",
            "closest_channels",
            "snr",
            "amplitude",
            "ptp",
            "energy",
            "by_property",
        ),
    )
    if method in _METHODS_TEMPLATES:
        _need(
            _is_templates(obj) or _is_analyzer(obj),
            f"compute_sparsity(method={method!r}) needs Templates or a SortingAnalyzer, not "
            f"{type(obj).__name__}.",
        )
        if _is_templates(obj):
            _need(
                peak_sign is not None,
                "When using `compute_sparsity` with a Templates object, `peak_sign` must be "
                "specified.",
            )
            _need(
                amplitude_mode is not None,
                "When using `compute_sparsity` with a Templates object, `amplitude_mode` must "
                "be specified.",
            )
    else:
        _need(
            _is_analyzer(obj),
            f"compute_sparsity(method={method!r}) needs a SortingAnalyzer, not "
            f"{type(obj).__name__}.",
        )
        _need(
            peak_sign is None,
            "When using `compute_sparsity` with an analyzer, `peak_sign` must be None: it is "
            "set when the analyzer is created.",
        )
        _need(
            amplitude_mode is None,
            "When using `compute_sparsity` with an analyzer, `amplitude_mode` must be None: "
            "the analyzer's `peak_mode` is used.",
        )
    if method in ("best_channels", "closest_channels"):
        _need(num_channels is not None, f"For the {method!r} method, give `num_channels`.")
    if method == "radius":
        _need(radius_um is not None, "For the 'radius' method, give `radius_um`.")
    if method in ("snr", "amplitude", "ptp", "energy"):
        _need(threshold is not None, f"For the {method!r} method, give `threshold`.")
    if method == "by_property":
        _need(by_property is not None, "For the 'by_property' method, give `by_property`.")
    n_ch = int(num_channels or 0)
    thr = float(threshold or 0.0)
    if method == "best_channels":
        return ChannelSparsity.from_best_channels(
            obj, n_ch, peak_sign=peak_sign, amplitude_mode=amplitude_mode or "extremum"
        )
    if method == "closest_channels":
        return ChannelSparsity.from_closest_channels(
            obj, n_ch, peak_sign=peak_sign, peak_mode=amplitude_mode
        )
    if method == "radius":
        return ChannelSparsity.from_radius(
            obj, float(radius_um or 0.0), peak_sign=peak_sign, peak_mode=amplitude_mode
        )
    if method == "snr":
        return ChannelSparsity.from_snr(
            obj, thr, noise_levels=noise_levels, peak_sign=peak_sign, amplitude_mode=amplitude_mode
        )
    if method == "amplitude":
        return ChannelSparsity.from_amplitude(
            obj, thr, amplitude_mode=amplitude_mode, peak_sign=peak_sign
        )
    if method == "ptp":
        return ChannelSparsity.from_ptp(obj, thr, noise_levels=noise_levels)
    if method == "energy":
        return ChannelSparsity.from_energy(obj, thr)
    return ChannelSparsity.from_property(obj.sorting, obj.recording, str(by_property))


def _unique_location_probe(recording: Any) -> Any:
    """The recording's probe, or a dummy probe whose contacts are the channel locations
    (shifted apart per probe when several probes share locations)."""
    probes = recording.get_probes() if recording.has_probe() else []
    if len(probes) == 1:
        return recording.get_probe()
    locations = np.asarray(recording.get_channel_locations(), dtype=float)
    if probes and len(locations) != len({tuple(x) for x in locations}):
        shifted = np.zeros_like(locations)
        i0 = 0
        for k, probe in enumerate(probes):
            n = probe.get_contact_count()
            pos = np.asarray(probe.contact_positions, dtype=float)[:, : locations.shape[1]].copy()
            pos += 300.0 * k
            shifted[i0 : i0 + n] = pos
            i0 += n
        locations = shifted
    return recording.create_dummy_probe_from_locations(locations)


def estimate_sparsity(
    sorting: Any,
    recording: Any,
    num_spikes_for_sparsity: int = 100,
    ms_before: float = 1.0,
    ms_after: float = 2.5,
    method: str = "radius",
    peak_sign: str = "both",
    radius_um: float = 100.0,
    num_channels: int = 5,
    threshold: float | None = 5,
    amplitude_mode: str = "extremum",
    by_property: str | None = None,
    noise_levels: Any = None,
    main_channel_indices: Any = None,
    **job_kwargs: Any,
) -> ChannelSparsity:
    """Estimate a sparsity without an analyzer.

    The templates of ``num_spikes_for_sparsity`` random spikes per unit (seed 2205, spikes
    within the window of a segment's border excluded) are averaged in one pass through
    :mod:`memphys.engine` that reads only those spikes' windows, in raw units; the sparsity
    then follows ``method`` as in :func:`compute_sparsity`. With ``method="radius"`` and
    ``main_channel_indices`` nothing is read. ``"by_property"`` reads nothing either.
    ``"snr"`` needs ``noise_levels``; ``"energy"`` is not available here.

    Parameters
    ----------
    sorting, recording
    num_spikes_for_sparsity : int, default 100
    ms_before, ms_after : float
        The window of the estimated templates.
    method : {"radius", "best_channels", "closest_channels", "snr", "amplitude",
              "by_property"}
    peak_sign, radius_um, num_channels, threshold, amplitude_mode, by_property,
    noise_levels, main_channel_indices
        As in :func:`compute_sparsity`.
    **job_kwargs
        ``n_jobs``, ``chunk_duration``, ``progress_bar``, ...
    """
    from memphys.ephys.template import Templates
    from memphys.ephys.template_tools import _get_templates_array_from_recording_and_sorting

    check_in(
        "method",
        method,
        ("radius", "best_channels", "closest_channels", "snr", "amplitude", "by_property"),
    )
    _check_pair(sorting, recording)
    if method == "radius" and main_channel_indices is not None:
        main = np.asarray(main_channel_indices)
        _need(
            main.size == sorting.unit_ids.size,
            f"Invalid value for `main_channel_indices`: expected one per unit "
            f"({sorting.unit_ids.size}), but got {main.size}.",
        )
        return ChannelSparsity.from_radius_and_main_channel(
            sorting.unit_ids,
            recording.channel_ids,
            main,
            recording.get_channel_locations(),
            radius_um,
        )
    if method == "by_property":
        _need(by_property is not None, "For the 'by_property' method, give `by_property`.")
        return ChannelSparsity.from_property(sorting, recording, str(by_property))
    if method == "snr":
        _need(threshold is not None, "For the 'snr' method, give `threshold`.")
        _need(
            noise_levels is not None,
            "For the 'snr' method, `noise_levels` needs to be given. You can use the "
            "`get_noise_levels()` function to compute them.",
        )
    probe = _unique_location_probe(recording)
    templates_array = _get_templates_array_from_recording_and_sorting(
        recording, sorting, ms_before, ms_after, num_spikes_for_sparsity, 2205, **job_kwargs
    )
    templates = Templates(
        templates_array=templates_array,
        sampling_frequency=recording.sampling_frequency,
        nbefore=ms_to_samples(ms_before, recording.sampling_frequency),
        sparsity_mask=None,
        channel_ids=recording.channel_ids,
        unit_ids=sorting.unit_ids,
        probe=probe,
    )
    if method == "best_channels":
        return ChannelSparsity.from_best_channels(
            templates, num_channels, peak_sign=peak_sign, amplitude_mode=amplitude_mode
        )
    if method == "closest_channels":
        return ChannelSparsity.from_closest_channels(
            templates, num_channels, peak_sign=peak_sign, peak_mode=amplitude_mode
        )
    if method == "radius":
        return ChannelSparsity.from_radius(
            templates, radius_um, peak_sign=peak_sign, peak_mode=amplitude_mode
        )
    if method == "snr":
        return ChannelSparsity.from_snr(
            templates,
            float(threshold or 0.0),
            noise_levels=noise_levels,
            peak_sign=peak_sign,
            amplitude_mode=amplitude_mode,
        )
    _need(threshold is not None, "For the 'amplitude' method, give `threshold`.")
    return ChannelSparsity.from_amplitude(
        templates,
        float(threshold or 0.0),
        amplitude_mode=amplitude_mode,
        peak_sign=peak_sign,
    )


def _check_pair(sorting: Any, recording: Any) -> None:
    """A sorting and a recording that can go together (rate and segments)."""
    from memphys.ephys.waveform_tools import check_sorting_recording_pair

    check_sorting_recording_pair(sorting, recording, allow_exceeding=True)
