"""Channels and probes: what recordings and snippets share.

:class:`BaseRecordingSnippets` adds to :class:`~memphys.ephys.base.BaseExtractor` the
sampling frequency, the dtype, channel ids, gains and offsets, channel groups, and probes
through probeinterface (imported when a probe is used):

- ``set_probe`` / ``set_probegroup`` attach a probe in place. Contacts are matched to
  channels by the probe's wiring (``device_channel_indices``): contact ``k`` wired to device
  channel ``d`` describes the recording's channel at position ``d``, so the probe is reordered
  to follow the channels; unconnected contacts (``-1``) are dropped. The number of connected
  contacts must equal the number of channels. The ``group`` property follows the probes,
  shanks or sides (``group_mode``) and the ``location`` property is set to the contact
  positions (SpikeInterface 0.105 leaves it unset; see ``docs/compat.md``).
- ``select_channels_with_probe(group)`` returns a *new* object with the connected channels.

Examples
--------
>>> import numpy as np
>>> from probeinterface import generate_linear_probe
>>> from memphys.ephys import NumpyRecording
>>> rec = NumpyRecording(np.zeros((100, 4), dtype="int16"), sampling_frequency=1000.0)
>>> probe = generate_linear_probe(num_elec=4, ypitch=20)
>>> probe.set_device_channel_indices([3, 2, 1, 0])   # contact 0 wired to channel 3
>>> rec.set_probe(probe)
>>> rec.get_channel_locations()[:, 1]
array([60., 40., 20.,  0.])
>>> rec.get_property("location")[0]
array([ 0., 60.])
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import check_in, check_sampling_frequency, ext_error
from memphys.ephys.base import BaseExtractor
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    MemphysFutureWarning,
    MemphysTypeError,
)

__all__ = [
    "BaseRecordingSnippets",
    "check_probe_do_not_overlap",
    "set_group_property_from_probegroup",
]


def check_probe_do_not_overlap(probes: list[Any]) -> None:
    """Raise if a contact of one probe falls in the bounding box of another probe.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If probes overlap (their channel positions could not be told apart).
    """
    boxes = []
    for p in probes:
        pos = np.asarray(p.contact_positions)
        boxes.append((pos[:, 0].min(), pos[:, 0].max(), pos[:, 1].min(), pos[:, 1].max()))
    for i, (x0, x1, y0, y1) in enumerate(boxes):
        for j in range(i + 1, len(probes)):
            pos = np.asarray(probes[j].contact_positions)
            inside = (pos[:, 0] >= x0) & (pos[:, 0] <= x1) & (pos[:, 1] >= y0) & (pos[:, 1] <= y1)
            if np.any(inside):
                raise ExtractorValueError(
                    f"Probes are overlapping! Contacts of probe {j} lie inside probe {i}'s "
                    "bounding box. Move the probes apart (probe.move) or retrieve locations "
                    "of single probes separately."
                )


def set_group_property_from_probegroup(obj: Any, probegroup: Any, group_mode: str) -> None:
    """Set ``obj``'s ``group`` property from the probes, shanks and/or sides of a probegroup."""
    check_in("group_mode", group_mode, ("auto", "by_probe", "by_shank", "by_side"))
    arr = probegroup.to_numpy(complete=True)
    fields = arr.dtype.fields or {}
    has_shank = "shank_ids" in fields
    has_side = "contact_sides" in fields
    if group_mode == "auto":
        keys = (
            ["probe_index"]
            + (["shank_ids"] if has_shank else [])
            + (["contact_sides"] if has_side else [])
        )
    elif group_mode == "by_probe":
        keys = ["probe_index"]
    elif group_mode == "by_shank":
        if not has_shank:
            raise ExtractorValueError("shank_ids is None in probe, you cannot group by shank.")
        keys = ["probe_index", "shank_ids"]
    else:
        if not has_side:
            raise ExtractorValueError("contact_sides is None in probe, you cannot group by side.")
        keys = ["probe_index"] + (["shank_ids"] if has_shank else []) + ["contact_sides"]
    groups = np.zeros(arr.size, dtype="int64")
    if arr.size:
        _, inverse = np.unique(arr[keys], return_inverse=True)
        groups = inverse.reshape(-1).astype("int64")
    obj.set_property("group", groups, ids=None)


class BaseRecordingSnippets(BaseExtractor):
    """Channels, gains, groups and probes of recordings and snippets."""

    def __init__(self, sampling_frequency: float, channel_ids: Any, dtype: Any) -> None:
        BaseExtractor.__init__(self, channel_ids)
        self._sampling_frequency = check_sampling_frequency(sampling_frequency)
        try:
            self._dtype = np.dtype(dtype)
        except TypeError as exc:
            raise ext_error("dtype", "a numpy dtype", dtype) from exc
        self._probegroup: Any = None

    # --------------------------------------------------------------------- basics
    @property
    def channel_ids(self) -> np.ndarray:
        return self._main_ids

    @property
    def sampling_frequency(self) -> float:
        return self._sampling_frequency

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._dtype

    def get_sampling_frequency(self) -> float:
        """Samples per second (Hz)."""
        return self._sampling_frequency

    def get_channel_ids(self) -> np.ndarray:
        """The channel ids (integers or strings)."""
        return self._main_ids

    def get_num_channels(self) -> int:
        """Number of channels."""
        return len(self._main_ids)

    def get_dtype(self) -> np.dtype[Any]:
        """The dtype of the raw traces."""
        return self._dtype

    def has_scaleable_traces(self) -> bool:
        """True when ``gain_to_uV`` and ``offset_to_uV`` are set (traces convert to µV)."""
        return (
            self.get_property("gain_to_uV") is not None
            and self.get_property("offset_to_uV") is not None
        )

    def is_filtered(self) -> bool:
        """The ``is_filtered`` annotation."""
        return bool(self._annotations.get("is_filtered", False))

    # --------------------------------------------------------------------- probes
    def has_probe(self) -> bool:
        return self._probegroup is not None

    def has_3d_probe(self) -> bool:
        return self.has_probe() and self.get_probegroup().probes[0].ndim == 3

    def has_channel_location(self) -> bool:
        return self.has_probe()

    def remove_probe(self) -> None:
        """Forget the probe (and the ``location`` property)."""
        self._probegroup = None
        self._properties.pop("location", None)

    def set_probe(self, probe: Any, group_mode: str = "auto", in_place: bool | None = None) -> Any:
        """Attach a probe, in place (see the module docstring).

        ``in_place=False`` (deprecated, as in SpikeInterface) returns a new object with the
        connected channels instead, like :meth:`select_channels_with_probe`.
        """
        from probeinterface import Probe, ProbeGroup

        if not isinstance(probe, Probe):
            raise MemphysTypeError(
                f"Invalid type for `probe`: expected a probeinterface.Probe, but got "
                f"{type(probe).__name__}. Use set_probegroup() for a ProbeGroup."
            )
        pg = ProbeGroup()
        pg.add_probe(probe)
        return self.set_probegroup(pg, group_mode=group_mode, in_place=in_place)

    def set_probegroup(
        self,
        probegroup: Any,
        group_mode: str = "auto",
        in_place: bool | None = None,
        check_overlap: bool = True,
    ) -> Any:
        """Attach a probegroup, in place (see :meth:`set_probe`).

        Raises
        ------
        memphys.errors.ExtractorValueError
            If the number of connected contacts differs from the number of channels, the
            wiring is not a permutation of the channels, or probes overlap.
        """
        from probeinterface import Probe, ProbeGroup

        if isinstance(probegroup, Probe):
            pg = ProbeGroup()
            pg.add_probe(probegroup)
            probegroup = pg
        elif isinstance(probegroup, dict):
            probegroup = ProbeGroup.from_dict(probegroup)
        if in_place is not None:
            warnings.warn(
                "The 'in_place' argument is deprecated and will be removed in version 0.106.0. "
                "The `set_probe/probegroup()` are now always in place; please remove the "
                "in_place argument.",
                MemphysFutureWarning,
                stacklevel=2,
            )
            if not in_place:
                return self.select_channels_with_probegroup(probegroup, group_mode=group_mode)
        check_in("group_mode", group_mode, ("auto", "by_probe", "by_shank", "by_side"))
        if check_overlap and len(probegroup.probes) > 1:
            check_probe_do_not_overlap(probegroup.probes)
        ordered = self._probegroup_in_channel_order(probegroup)
        n = self.get_num_channels()
        if ordered.get_contact_count() != n:
            raise ExtractorValueError(
                "Invalid value for `probe`: expected as many connected contacts as channels "
                f"({n}), but the probe has {ordered.get_contact_count()} connected contacts. "
                "Use recording.select_channels_with_probe(probe) to keep only the connected "
                "channels."
            )
        dci = ordered.get_global_device_channel_indices()["device_channel_indices"]
        if not np.array_equal(dci, np.arange(n)):
            raise ExtractorValueError(
                f"`device_channel_indices` is wrong! It should contain only values [0...{n - 1}] "
                f"after ordering, but they are: {dci.tolist()}."
            )
        self._probegroup = ordered
        set_group_property_from_probegroup(self, ordered, group_mode)
        self._set_location_from_probe()
        return None

    def _set_location_from_probe(self) -> None:
        if (
            self._probegroup is not None
            and self._probegroup.get_contact_count() == self.get_num_channels()
        ):
            self.set_property(
                "location", np.asarray(self._probegroup.get_global_contact_positions())
            )

    def select_channels_with_probe(self, probe: Any, group_mode: str = "auto") -> Any:
        """A new object with the channels connected to ``probe``, in wiring order."""
        from probeinterface import Probe, ProbeGroup

        if not isinstance(probe, Probe):
            raise MemphysTypeError(
                f"Invalid type for `probe`: expected a probeinterface.Probe, but got "
                f"{type(probe).__name__}."
            )
        pg = ProbeGroup()
        pg.add_probe(probe)
        return self.select_channels_with_probegroup(pg, group_mode=group_mode)

    def select_channels_with_probegroup(self, probegroup: Any, group_mode: str = "auto") -> Any:
        """A new object with the channels connected to ``probegroup``."""
        from probeinterface import ProbeGroup

        ordered = self._probegroup_in_channel_order(probegroup)
        if ordered.get_contact_count() > 0:
            dci = ordered.get_global_device_channel_indices()["device_channel_indices"]
            new_ids = self.channel_ids[dci]
            ordered.set_global_device_channel_indices(np.arange(len(new_ids)))
            sub = (
                self.clone()
                if np.array_equal(new_ids, self.channel_ids)
                else self.select_channels(new_ids)
            )
            sub._probegroup = ordered
            set_group_property_from_probegroup(sub, ordered, group_mode)
            sub._set_location_from_probe()
        else:
            sub = self.select_channels([])
            sub._probegroup = ProbeGroup()
        return sub

    def _probegroup_in_channel_order(self, probegroup: Any) -> Any:
        """The connected contacts of ``probegroup``, ordered by device channel index."""
        from probeinterface import ProbeGroup

        if not isinstance(probegroup, ProbeGroup):
            raise MemphysTypeError(
                f"Invalid type for `probegroup`: expected a probeinterface.ProbeGroup, but got "
                f"{type(probegroup).__name__}."
            )
        for p in probegroup.probes:
            if p.device_channel_indices is None:
                raise ExtractorValueError(
                    "Invalid value for `probe`: expected a wired probe, but its "
                    "device_channel_indices are None. Call probe.set_device_channel_indices("
                    "np.arange(num_channels)) or probe.wiring_to_device(...)."
                )
        dci = probegroup.get_global_device_channel_indices()["device_channel_indices"]
        keep = np.flatnonzero(dci >= 0)
        if keep.size == 0:
            warnings.warn(
                "No connected channels in the probegroup! The probegroup will be attached but no "
                "channel will be selected.",
                ExtractorWarning,
                stacklevel=3,
            )
            return ProbeGroup()
        if keep.size < dci.size:
            probegroup = probegroup.get_slice(keep)
            dci = dci[keep]
        n = self.get_num_channels()
        if dci.max() >= n:
            raise ExtractorValueError(
                f"Invalid value for `probe`: its device_channel_indices go up to {int(dci.max())}, "
                f"but the recording has {n} channels (indices 0 to {n - 1})."
            )
        if np.unique(dci).size != dci.size:
            raise ExtractorValueError(
                "Invalid value for `probe`: expected each device channel wired to one contact, "
                f"but device_channel_indices repeat: {dci.tolist()}."
            )
        return probegroup.get_slice(np.argsort(dci, kind="stable"))

    def get_probe(self) -> Any:
        """The probe (there must be exactly one)."""
        probes = self.get_probes()
        if len(probes) != 1:
            raise ExtractorValueError(
                f"There are {len(probes)} probes: use .get_probes() or get_probegroup()."
            )
        return probes[0]

    def get_probes(self) -> list[Any]:
        return list(self.get_probegroup().probes)

    def get_probegroup(self) -> Any:
        if self._probegroup is None:
            raise ExtractorValueError(
                "There is no Probe attached to this recording. Use set_probe(...) to attach one."
            )
        return self._probegroup

    def is_probe_3d(self) -> bool:
        return int(self.get_probegroup().ndim) == 3

    def _extra_metadata_copy(self, other: BaseExtractor) -> None:
        if self._probegroup is not None:
            other._probegroup = self._probegroup.copy()  # type: ignore[attr-defined]

    def _extra_metadata_from_dict(self, dump_dict: dict[str, Any]) -> None:
        if dump_dict.get("probegroup") is not None:
            from probeinterface import ProbeGroup

            self._probegroup = ProbeGroup.from_dict(dump_dict["probegroup"])

    def _extra_metadata_to_dict(self, dump_dict: dict[str, Any]) -> None:
        if self._probegroup is not None:
            dump_dict["probegroup"] = self._probegroup.to_dict(array_as_list=True)

    def _handle_extractor_backward_compatibility(self) -> None:
        """Probes of SpikeInterface < 0.105 dumps: ``contact_vector`` or ``location``."""
        if self._probegroup is None:
            found = False
            if "contact_vector" in self._properties:
                from probeinterface import ProbeGroup

                self._probegroup = ProbeGroup.from_numpy(self._properties.pop("contact_vector"))
                found = True
            elif "location" in self._properties:
                self.set_dummy_probe_from_locations(self.get_property("location"))
                found = True
            if found and self._probegroup is not None:
                for i, probe in enumerate(self._probegroup.probes):
                    info = self._annotations.get("probes_info")
                    if info is not None and i < len(info):
                        probe.annotations.update(info[i])
                    contour = self._annotations.pop(f"probe_{i}_planar_contour", None)
                    if contour is not None:
                        probe.set_planar_contour(contour)
        self._annotations.pop("probes_info", None)

    def create_dummy_probe_from_locations(
        self,
        locations: Any,
        shape: str = "circle",
        shape_params: dict[str, Any] | None = None,
        axes: str = "xy",
    ) -> Any:
        """A probe with one contact per channel at ``locations`` (num_channels, 2 or 3)."""
        from probeinterface import Probe, select_axes

        locations = np.asarray(locations, dtype=float)
        n = self.get_num_channels()
        if locations.ndim != 2 or locations.shape[0] != n or locations.shape[1] not in (2, 3):
            raise ext_error("locations", f"an array of shape ({n}, 2) or ({n}, 3)", locations)
        ndim = locations.shape[1]
        probe = Probe(ndim=2)
        loc2d = select_axes(locations, axes) if ndim == 3 else locations
        probe.set_contacts(loc2d, shapes=shape, shape_params=shape_params or {"radius": 1})
        probe.set_device_channel_indices(np.arange(n))
        if ndim == 3:
            probe = probe.to_3d(axes=axes)
        return probe

    def set_dummy_probe_from_locations(
        self,
        locations: Any,
        shape: str = "circle",
        shape_params: dict[str, Any] | None = None,
        axes: str = "xy",
    ) -> None:
        """Attach a dummy probe with one contact per channel at ``locations``."""
        probe = self.create_dummy_probe_from_locations(locations, shape, shape_params, axes)
        self.set_probe(probe)

    def set_channel_locations(self, locations: Any, channel_ids: Any = None) -> None:
        """Deprecated spelling of :meth:`set_dummy_probe_from_locations`."""
        warnings.warn(
            "set_channel_locations() is deprecated and will be removed in version 0.106.0. "
            "If you want to set probe information, use `set_dummy_probe_from_locations()`.",
            MemphysFutureWarning,
            stacklevel=2,
        )
        self.set_dummy_probe_from_locations(locations, axes="xy")

    def get_channel_locations(self, channel_ids: Any = None, axes: str = "xy") -> np.ndarray:
        """Contact positions of the channels along ``axes`` ("xy", "xz", "xyz", ...)."""
        from probeinterface import select_axes

        if not self.has_probe():
            raise ExtractorValueError(
                "get_channel_locations(..) needs a probe to be attached to the recording: use "
                "set_probe(...) or set_dummy_probe_from_locations(...)."
            )
        indices = self.ids_to_indices(channel_ids)
        positions = self.get_probegroup().get_global_contact_positions()
        return np.asarray(select_axes(positions, axes))[indices]

    def clear_channel_locations(self, channel_ids: Any = None) -> None:
        """Deprecated spelling of :meth:`remove_probe`."""
        warnings.warn(
            "clear_channel_locations() is deprecated and will be removed in version 0.106.0. "
            "If you want to remove probe information, use `remove_probe()`.",
            MemphysFutureWarning,
            stacklevel=2,
        )
        self.remove_probe()

    # ------------------------------------------------------------- groups and gains
    def set_channel_groups(self, groups: Any, channel_ids: Any = None) -> None:
        """Set the ``group`` property (for all channels or ``channel_ids``)."""
        if "probes" in self._annotations:
            warnings.warn(
                "set_channel_groups() destroys the probe description. Using set_probe() is "
                "preferable",
                ExtractorWarning,
                stacklevel=2,
            )
            self._annotations.pop("probes")
        self.set_property("group", groups, ids=channel_ids)

    def get_channel_groups(self, channel_ids: Any = None) -> Any:
        """The ``group`` property (None if not set)."""
        return self.get_property("group", ids=channel_ids)

    def clear_channel_groups(self, channel_ids: Any = None) -> None:
        """Set every group (or those of ``channel_ids``) to 0."""
        n = self.get_num_channels() if channel_ids is None else len(channel_ids)
        self.set_property("group", np.zeros(n, dtype="int64"), ids=channel_ids)

    def _per_channel(self, name: str, values: Any, channel_ids: Any) -> Any:
        n = self.get_num_channels() if channel_ids is None else len(channel_ids)
        if np.isscalar(values):
            return [values] * n
        arr = np.asarray(values)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ext_error(name, f"one scalar or {n} values (one per channel)", values)
        if arr.dtype.kind not in "biuf":
            raise ext_error(name, "numbers", values)
        return arr

    def set_channel_gains(self, gains: Any, channel_ids: Any = None) -> None:
        """Set ``gain_to_uV`` (one scalar or one value per channel)."""
        self.set_property(
            "gain_to_uV", self._per_channel("gains", gains, channel_ids), ids=channel_ids
        )

    def get_channel_gains(self, channel_ids: Any = None) -> Any:
        return self.get_property("gain_to_uV", ids=channel_ids)

    def set_channel_offsets(self, offsets: Any, channel_ids: Any = None) -> None:
        """Set ``offset_to_uV`` (one scalar or one value per channel)."""
        self.set_property(
            "offset_to_uV", self._per_channel("offsets", offsets, channel_ids), ids=channel_ids
        )

    def get_channel_offsets(self, channel_ids: Any = None) -> Any:
        return self.get_property("offset_to_uV", ids=channel_ids)

    def get_channel_property(self, channel_id: Any, key: str) -> Any:
        """One channel's value of a property."""
        return self.get_property(key)[self.id_to_index(channel_id)]

    def planarize(self, axes: str = "xy") -> Any:
        """A copy with a 2-D probe made from the 3-D one (keeping ``axes``)."""
        if not self.has_3d_probe():
            raise ExtractorValueError(
                "The 'planarize' function needs a recording with 3d locations."
            )
        if len(axes) != 2:
            raise ext_error("axes", "2 dimensions such as 'xy' or 'zy'", axes)
        probe2d = self.get_probe().to_2d(axes=axes)
        rec2d = self.clone()
        rec2d.set_probe(probe2d)
        return rec2d

    # ------------------------------------------------------------------- slicing
    def select_channels(self, channel_ids: Any) -> Any:
        """A new object with the given channels (lazy)."""
        raise NotImplementedError

    def channel_slice(self, channel_ids: Any, renamed_channel_ids: Any = None) -> Any:
        """Older spelling of :meth:`select_channels` (with optional renaming)."""
        raise NotImplementedError

    def remove_channels(self, remove_channel_ids: Any = None, channel_ids: Any = None) -> Any:
        """A new object without the given channels (``channel_ids=`` is the older spelling)."""
        if remove_channel_ids is None:
            remove_channel_ids = channel_ids
        if remove_channel_ids is None:
            raise ext_error("remove_channel_ids", "a list of channel ids to remove", None)
        return self._remove_channels(remove_channel_ids)

    def _remove_channels(self, remove_channel_ids: Any) -> Any:
        raise NotImplementedError

    def frame_slice(self, start_frame: Any, end_frame: Any) -> Any:
        raise NotImplementedError

    def select_segments(self, segment_indices: Any) -> Any:
        """A new object with the given segments."""
        return self._select_segments(segment_indices)

    def _select_segments(self, segment_indices: Any) -> Any:
        raise NotImplementedError

    def split_by(self, property: str = "group", outputs: str = "dict") -> Any:
        """Channel selections by value of a property (a dict by value, or a list).

        Raises
        ------
        memphys.errors.ExtractorValueError
            If the property is not set.
        """
        check_in("outputs", outputs, ("dict", "list"))
        values = self.get_property(property)
        if values is None:
            raise ExtractorValueError(
                f"property {property} is not set: properties are {self.get_property_keys()}."
            )
        out_dict: dict[Any, Any] = {}
        out_list: list[Any] = []
        for value in np.unique(values).tolist():
            (inds,) = np.nonzero(values == value)
            sub = self.select_channels(self.channel_ids[inds])
            sub.set_annotation("split_by_property", value=property)
            out_dict[value] = sub
            out_list.append(sub)
        return out_dict if outputs == "dict" else out_list
