"""Templates: one average waveform per unit, dense or sparse, with its sampling context.

:class:`Templates` is SpikeInterface 0.105's dataclass: ``templates_array`` (units x samples
x channels, or x max sparse channels with a ``sparsity_mask``), ``sampling_frequency``,
``nbefore``, ``is_in_uV``, ``channel_ids``, ``unit_ids`` and an optional probeinterface
``probe``; ``num_units``, ``num_samples``, ``num_channels``, ``nafter``, ``ms_before``,
``ms_after`` and ``sparsity`` are derived. It converts between dense and sparse
(``to_sparse``, ``to_dense``, ``get_dense_templates``, ``get_one_template_dense``), selects
units and channels, finds each unit's main channel, compares by value, and round-trips
through dicts, JSON and zarr groups (probeinterface and zarr are imported when used).

A sparsity mask given with templates that are not sparse (values outside a unit's channels)
raises SpikeInterface's error, "Sparsity mask passed but the templates are not sparse".

Examples
--------
>>> import numpy as np
>>> arr = np.zeros((2, 4, 3)); arr[0, 1, 2] = -5.0; arr[1, 1, 0] = 3.0
>>> t = Templates(templates_array=arr, sampling_frequency=1000.0, nbefore=1)
>>> t.num_units, t.num_samples, t.num_channels, t.nafter
(2, 4, 3, 3)
>>> t.get_main_channels()
array([2, 0])
>>> sparse = t.to_sparse(np.array([[False, True, True], [True, False, False]]))
>>> sparse.templates_array.shape
(2, 4, 2)
>>> bool(np.array_equal(sparse.get_dense_templates(), arr))
True
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.ephys.sparsity import ChannelSparsity
from memphys.errors import ExtractorValueError

__all__ = ["Templates"]


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise ExtractorValueError(message)


@dataclass
class Templates:
    """Spike templates, dense or sparse (see the module docstring).

    Parameters
    ----------
    templates_array : numpy.ndarray
        (units, samples, channels), or (units, samples, max sparse channels) with
        ``sparsity_mask``.
    sampling_frequency : float
    nbefore : int
        Samples before the spike peak.
    is_in_uV : bool, default True
    sparsity_mask : numpy.ndarray, optional
        (units, channels) booleans.
    channel_ids, unit_ids : array, optional
        Default: 0, 1, ...
    probe : probeinterface.Probe, optional
    check_for_consistent_sparsity : bool, default True
        Check that a sparse array has zeros past each unit's channels.
    """

    templates_array: np.ndarray
    sampling_frequency: float
    nbefore: int
    is_in_uV: bool = True

    sparsity_mask: np.ndarray | None = None
    channel_ids: np.ndarray | None = None
    unit_ids: np.ndarray | None = None

    probe: Any = None

    check_for_consistent_sparsity: bool = True

    num_units: int = field(init=False)
    num_samples: int = field(init=False)
    num_channels: int = field(init=False)

    nafter: int = field(init=False)
    ms_before: float = field(init=False)
    ms_after: float = field(init=False)
    sparsity: ChannelSparsity | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        arr = np.asarray(self.templates_array)
        _need(
            arr.ndim == 3,
            f"Invalid value for `templates_array`: expected a 3-D array (units, samples, "
            f"channels), but got shape {arr.shape}.",
        )
        self.templates_array = arr
        self.num_units, self.num_samples = (int(v) for v in arr.shape[:2])
        if self.sparsity_mask is None:
            self.num_channels = int(arr.shape[2])
        else:
            self.sparsity_mask = np.asarray(self.sparsity_mask, dtype=bool)
            _need(
                self.sparsity_mask.ndim == 2 and self.sparsity_mask.shape[0] == self.num_units,
                f"Invalid value for `sparsity_mask`: expected shape ({self.num_units}, "
                f"channels), but got {self.sparsity_mask.shape}.",
            )
            self.num_channels = int(self.sparsity_mask.shape[1])
        if self.probe is not None:
            from probeinterface import Probe

            _need(
                isinstance(self.probe, Probe),
                f"Invalid value for `probe`: expected a probeinterface.Probe, but got "
                f"{type(self.probe).__name__}.",
            )
        self.nafter = self.num_samples - int(self.nbefore)
        self.ms_before = self.nbefore / self.sampling_frequency * 1000
        self.ms_after = self.nafter / self.sampling_frequency * 1000

        if self.channel_ids is None:
            self.channel_ids = np.arange(self.num_channels)
        else:
            self.channel_ids = np.asarray(self.channel_ids)
            _need(
                len(self.channel_ids) == self.num_channels,
                f"length of channel ids {len(self.channel_ids)} must be equal to the number of "
                f"channels {self.num_channels}",
            )
        if self.unit_ids is None:
            self.unit_ids = np.arange(self.num_units)
        else:
            self.unit_ids = np.asarray(self.unit_ids)
            _need(
                self.unit_ids.size == self.num_units,
                f"length of units ids {self.unit_ids.size} must be equal to the number of "
                f"units {self.num_units}",
            )
        if self.sparsity_mask is not None:
            self.sparsity = ChannelSparsity(
                mask=self.sparsity_mask, unit_ids=self.unit_ids, channel_ids=self.channel_ids
            )
            if self.check_for_consistent_sparsity and not self._are_passed_templates_sparse():
                raise ExtractorValueError("Sparsity mask passed but the templates are not sparse")

    def __repr__(self) -> str:
        txt = (
            f"Templates: {self.num_units} units - {self.num_samples} samples - "
            f"{self.num_channels} channels \n"
            f"sampling_frequency={self.sampling_frequency / 1000:.2f} kHz - "
            f"ms_before={self.ms_before:.2f} ms - ms_after={self.ms_after:.2f} ms"
        )
        if self.probe is not None:
            txt += f"\n{self.probe!r}"
        if self.sparsity is not None:
            txt += f"\n{self.sparsity!r}"
        return txt

    # ------------------------------------------------------------- selection
    def _unit_indices(self, unit_ids: Any) -> np.ndarray:
        ids = list(np.asarray(self.unit_ids).tolist())
        out = []
        for u in np.atleast_1d(np.asarray(unit_ids)).tolist():
            if u not in ids:
                raise ExtractorValueError(
                    f"Invalid value for `unit_ids`: {u!r} is not one of the template unit ids "
                    f"{ids[:20]}."
                )
            out.append(ids.index(u))
        return np.asarray(out, dtype=int)

    def select_units(self, unit_ids: Any) -> Templates:
        """A new Templates with only ``unit_ids`` (in that order)."""
        idx = self._unit_indices(unit_ids)
        mask = None if self.sparsity_mask is None else self.sparsity_mask[idx]
        return replace(
            self,
            templates_array=self.templates_array[idx],
            sparsity_mask=mask,
            unit_ids=np.asarray(self.unit_ids)[idx],
            check_for_consistent_sparsity=False,
        )

    def select_channels(self, channel_ids: Any) -> Templates:
        """A new Templates with only ``channel_ids`` (dense templates only)."""
        _need(not self.are_templates_sparse(), "Cannot select channels on sparse templates")
        ids = list(np.asarray(self.channel_ids).tolist())
        idx = []
        for c in np.atleast_1d(np.asarray(channel_ids)).tolist():
            if c not in ids:
                raise ExtractorValueError(
                    f"Invalid value for `channel_ids`: {c!r} is not one of the template "
                    f"channel ids {ids[:20]}."
                )
            idx.append(ids.index(c))
        sel = np.asarray(idx, dtype=int)
        return replace(
            self,
            templates_array=self.templates_array[:, :, sel],
            sparsity_mask=None,
            channel_ids=np.asarray(self.channel_ids)[sel],
            check_for_consistent_sparsity=False,
        )

    # ---------------------------------------------------------- dense/sparse
    def to_sparse(self, sparsity: Any) -> Templates:
        """Sparse templates for a :class:`ChannelSparsity` (or a boolean mask)."""
        if isinstance(sparsity, np.ndarray):
            sparsity = ChannelSparsity(
                mask=sparsity, unit_ids=self.unit_ids, channel_ids=self.channel_ids
            )
        _need(
            isinstance(sparsity, ChannelSparsity),
            f"sparsity should be of type ChannelSparsity, not {type(sparsity).__name__}",
        )
        _need(self.sparsity_mask is None, "Templates should be dense")
        return Templates(
            templates_array=sparsity.sparsify_templates(self.templates_array),
            sampling_frequency=self.sampling_frequency,
            nbefore=self.nbefore,
            sparsity_mask=sparsity.mask,
            channel_ids=self.channel_ids,
            unit_ids=self.unit_ids,
            probe=self.probe,
            check_for_consistent_sparsity=self.check_for_consistent_sparsity,
            is_in_uV=self.is_in_uV,
        )

    def to_dense(self) -> Templates:
        """Dense templates (``self`` if already dense)."""
        if not self.are_templates_sparse():
            return self
        return Templates(
            templates_array=self.get_dense_templates(),
            sampling_frequency=self.sampling_frequency,
            nbefore=self.nbefore,
            sparsity_mask=None,
            channel_ids=self.channel_ids,
            unit_ids=self.unit_ids,
            probe=self.probe,
            check_for_consistent_sparsity=False,
            is_in_uV=self.is_in_uV,
        )

    def get_one_template_dense(self, unit_index: int) -> np.ndarray:
        """Unit ``unit_index``'s template on all channels (samples x channels)."""
        if self.sparsity is None:
            return np.asarray(self.templates_array[unit_index])
        assert self.unit_ids is not None
        return self.sparsity.densify_waveforms(
            self.templates_array[unit_index], unit_id=self.unit_ids[unit_index]
        )

    def get_dense_templates(self) -> np.ndarray:
        """All templates on all channels (units x samples x channels)."""
        if self.sparsity is None:
            return self.templates_array
        out = np.zeros(
            (self.num_units, self.num_samples, self.num_channels), dtype=self.templates_array.dtype
        )
        for i in range(self.num_units):
            out[i] = self.get_one_template_dense(i)
        return out

    def are_templates_sparse(self) -> bool:
        return self.sparsity is not None

    def _are_passed_templates_sparse(self) -> bool:
        assert self.sparsity is not None
        assert self.unit_ids is not None
        return all(
            self.sparsity.are_waveforms_sparse(self.templates_array[i], unit_id=u)
            for i, u in enumerate(self.unit_ids)
        )

    # ---------------------------------------------------------- serialization
    def to_dict(self) -> dict[str, Any]:
        return {
            "templates_array": self.templates_array,
            "sparsity_mask": self.sparsity_mask,
            "channel_ids": self.channel_ids,
            "unit_ids": self.unit_ids,
            "sampling_frequency": self.sampling_frequency,
            "nbefore": self.nbefore,
            "is_in_uV": self.is_in_uV,
            "probe": self.probe.to_dict() if self.probe is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Templates:
        probe = data.get("probe")
        if probe is not None:
            from probeinterface import Probe

            probe = Probe.from_dict(probe)
        mask = data.get("sparsity_mask")
        return cls(
            templates_array=np.asarray(data["templates_array"]),
            sparsity_mask=None if mask is None else np.asarray(mask),
            channel_ids=np.asarray(data["channel_ids"]),
            unit_ids=np.asarray(data["unit_ids"]),
            sampling_frequency=data["sampling_frequency"],
            nbefore=data["nbefore"],
            is_in_uV=data.get("is_in_uV", data.get("is_scaled", True)),
            probe=probe,
        )

    def to_json(self) -> str:
        from memphys.ephys.core_tools import EphysJsonEncoder

        return json.dumps(self.to_dict(), cls=EphysJsonEncoder)

    @classmethod
    def from_json(cls, json_str: str) -> Templates:
        return cls.from_dict(json.loads(json_str))

    def add_templates_to_zarr_group(self, zarr_group: Any) -> None:
        """Write into a zarr group: ``templates_array`` (one chunk per unit), ids, attributes,
        the sparsity mask and the probe when present."""
        arr = np.asarray(self.templates_array)
        zarr_group.create_array(
            "templates_array", data=arr, chunks=(1, *arr.shape[1:]) if arr.shape[0] else None
        )
        zarr_group.create_array("channel_ids", data=np.asarray(self.channel_ids))
        zarr_group.create_array("unit_ids", data=np.asarray(self.unit_ids))
        zarr_group.attrs["sampling_frequency"] = float(self.sampling_frequency)
        zarr_group.attrs["nbefore"] = int(self.nbefore)
        zarr_group.attrs["is_in_uV"] = bool(self.is_in_uV)
        if self.sparsity_mask is not None:
            zarr_group.create_array("sparsity_mask", data=np.asarray(self.sparsity_mask))
        if self.probe is not None:
            zarr_group.attrs["probe"] = json.loads(
                json.dumps(self.probe.to_dict(array_as_list=True), default=_json_default)
            )

    def to_zarr(self, folder_path: str | Path) -> None:
        """Write to a zarr store (format 2, readable by SpikeInterface's zarr 2)."""
        import zarr

        group = zarr.open_group(str(folder_path), mode="w", zarr_format=2)
        self.add_templates_to_zarr_group(group)

    @classmethod
    def from_zarr_group(cls, zarr_group: Any) -> Templates:
        from memphys.ephys.zarrsorting import _plain

        mask = zarr_group["sparsity_mask"][:] if "sparsity_mask" in zarr_group else None
        probe = None
        if "probe" in zarr_group.attrs:
            from probeinterface import Probe

            probe = Probe.from_dict(dict(zarr_group.attrs["probe"]))
        is_in_uv = zarr_group.attrs.get("is_in_uV", zarr_group.attrs.get("is_scaled", True))
        return cls(
            templates_array=np.asarray(zarr_group["templates_array"][:]),
            sampling_frequency=float(zarr_group.attrs["sampling_frequency"]),
            nbefore=int(zarr_group.attrs["nbefore"]),
            sparsity_mask=mask,
            channel_ids=_plain(zarr_group["channel_ids"][:]),
            unit_ids=_plain(zarr_group["unit_ids"][:]),
            probe=probe,
            is_in_uV=bool(is_in_uv),
        )

    @staticmethod
    def from_zarr(folder_path: str | Path) -> Templates:
        import zarr

        return Templates.from_zarr_group(zarr.open_group(str(folder_path), mode="r"))

    # --------------------------------------------------------------- compare
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Templates):
            return False
        for a, b in zip(astuple(self), astuple(other), strict=True):
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not np.array_equal(a, b):
                    return False
            elif isinstance(a, ChannelSparsity) or isinstance(b, ChannelSparsity):
                if a != b:
                    return False
            elif a is not b and a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ probe
    def get_channel_locations(self) -> np.ndarray:
        _need(self.probe is not None, "Templates.get_channel_locations() needs a probe to be set")
        return np.asarray(self.probe.contact_positions)

    def get_main_channels(
        self,
        peak_sign: str = "both",
        peak_mode: str = "extremum",
        outputs: str = "index",
        with_dict: bool = False,
    ) -> Any:
        """Each unit's main channel: the largest amplitude (``peak_sign``, ``peak_mode``),
        as positions (``outputs="index"``) or ids (``"id"``), optionally as a dict."""
        from memphys.ephys.template_tools import _get_main_channel_from_template_array

        check_in("outputs", outputs, ("index", "id"))
        main = _get_main_channel_from_template_array(
            self.get_dense_templates(), peak_mode, peak_sign, self.nbefore
        )
        values = main if outputs == "index" else np.asarray(self.channel_ids)[main]
        if with_dict:
            assert self.unit_ids is not None
            return dict(zip(self.unit_ids, values, strict=True))
        return values


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")
