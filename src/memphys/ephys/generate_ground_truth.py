"""Ground truth: templates injected into a lazy noise recording, and generated snippets.

:class:`InjectTemplatesRecording` adds ``amplitude * template`` of every spike of a sorting
to a parent recording (or to zeros) *when a block is read*: only the spikes whose
templates overlap the block are looked up (two ``searchsorted`` on the spike vector) and
added by a compiled kernel. Nothing of the traces is stored: a one-hour 384-channel
ground truth costs its spike vector and templates (megabytes) until read, and a block
reads the same values whatever the block boundaries, the executor or the process (the
parent noise is seeded per noise block, and each sample's templates are added in spike
order).

:func:`generate_ground_truth_recording` builds the whole set (a Poisson sorting, a
multi-column probe, unit locations, templates, lazy noise) with SpikeInterface's
signature; :func:`generate_snippets` cuts a generated recording around generated spikes.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(
...     durations=[2.0], num_channels=4, num_units=3, seed=0)
>>> rec.get_num_channels(), sorting.get_num_units(), rec.templates.shape
(4, 3, (3, 100, 4))
>>> import numpy as np
>>> a = rec.get_traces(start_frame=1000, end_frame=3000)
>>> bool(np.array_equal(a[500:], rec.get_traces(start_frame=1500, end_frame=3000)))
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import check_int, ext_error
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.ephys.basesorting import BaseSorting
from memphys.ephys.core_tools import _ensure_seed, define_function_from_class, ms_to_samples
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    MemphysTypeError,
    ShapeMismatchError,
)

__all__ = [
    "InjectTemplatesRecording",
    "InjectTemplatesRecordingSegment",
    "inject_templates",
    "generate_ground_truth_recording",
    "generate_snippets",
]


class InjectTemplatesRecording(BaseRecording):
    """A recording made of a sorting's spikes times templates (plus a parent recording).

    Parameters
    ----------
    sorting : BaseSorting
    templates : array
        ``(num_units, num_samples, num_channels)``, or with a 4th axis of jitters
        (``upsample_factor``) chosen per spike by ``upsample_vector``.
    nbefore : int, optional
        Samples before the peak (default: the sample of the largest absolute value).
    amplitude_factor : float or array, optional
        One factor for all spikes or one per spike (spike-vector order).
    parent_recording : BaseRecording, optional
        The recording the templates are added to (default: zeros).
    num_samples : int or list of int, optional
        Samples per segment without a parent (default: last spike + template length).
    upsample_vector : array, optional
        Jitter index per spike (4-D templates).
    check_borders : bool, default False
        Warn if the templates do not go to zero at their edges.

    Raises
    ------
    memphys.errors.ShapeMismatchError
        If templates, units, channels, amplitudes or jitters disagree in shape.
    memphys.errors.ExtractorValueError
        If the parent's segments or sampling frequency differ from the sorting's.
    """

    _si_class_path = "spikeinterface.core.generate.InjectTemplatesRecording"

    def __init__(
        self,
        sorting: BaseSorting,
        templates: Any,
        nbefore: Any = None,
        amplitude_factor: Any = None,
        parent_recording: BaseRecording | None = None,
        num_samples: Any = None,
        upsample_vector: Any = None,
        check_borders: bool = False,
    ) -> None:
        if not isinstance(sorting, BaseSorting):
            raise MemphysTypeError(
                f"Invalid type for `sorting`: expected a sorting, but got {type(sorting).__name__}."
            )
        templates = np.asarray(templates)
        if templates.ndim not in (3, 4):
            raise ext_error(
                "templates",
                "a (num_units, num_samples, num_channels[, upsample_factor]) array",
                f"an array of shape {templates.shape}",
            )
        if check_borders:
            peak = np.max(np.abs(templates))
            edge = max(np.max(np.abs(templates[:, 0])), np.max(np.abs(templates[:, -1])))
            if edge > 0.01 * peak:
                warnings.warn(
                    "Your templates do not go to 0 on the edges in InjectTemplatesRecording. "
                    "Please make your window bigger.",
                    ExtractorWarning,
                    stacklevel=2,
                )
            check_borders = False
        if templates.shape[0] != sorting.get_num_units():
            raise ShapeMismatchError(
                f"Invalid value for `templates`: expected one template per unit "
                f"({sorting.get_num_units()}), but got {templates.shape[0]}."
            )
        self.templates = templates
        n_ch = templates.shape[2]
        if parent_recording is not None:
            channel_ids: Any = parent_recording.channel_ids
            dtype = parent_recording.get_dtype()
            if parent_recording.get_num_channels() != n_ch:
                raise ShapeMismatchError(
                    "Invalid value for `templates`: expected "
                    f"{parent_recording.get_num_channels()} "
                    f"channels (the parent recording's), but got {n_ch}."
                )
            if parent_recording.get_num_segments() != sorting.get_num_segments():
                raise ExtractorValueError(
                    f"The parent recording has {parent_recording.get_num_segments()} segments and "
                    f"the sorting {sorting.get_num_segments()}."
                )
            if parent_recording.get_sampling_frequency() != sorting.get_sampling_frequency():
                raise ExtractorValueError(
                    "The parent recording is sampled at "
                    f"{parent_recording.get_sampling_frequency()} "
                    f"Hz and the sorting at {sorting.get_sampling_frequency()} Hz."
                )
        else:
            channel_ids = list(range(n_ch))
            dtype = templates.dtype
        BaseRecording.__init__(self, sorting.get_sampling_frequency(), channel_ids, dtype)
        spikes = sorting.to_spike_vector()
        self.spike_vector = spikes
        if nbefore is None:
            nbefore = int(
                np.argmax(
                    np.max(np.abs(templates), axis=(0, 2))
                    if templates.ndim == 3
                    else np.max(np.abs(templates), axis=(0, 2, 3))
                )
            )
        nbefore = int(nbefore)
        if templates.ndim == 4:
            if upsample_vector is None:
                raise ext_error(
                    "upsample_vector", "one jitter index per spike (4-D templates)", None
                )
            upsample_vector = np.asarray(upsample_vector)
            if upsample_vector.shape != spikes.shape:
                raise ShapeMismatchError(
                    f"Invalid value for `upsample_vector`: expected {spikes.size} values (one per "
                    f"spike), but got shape {upsample_vector.shape}."
                )
            if upsample_vector.size and (
                upsample_vector.min() < 0 or upsample_vector.max() >= templates.shape[3]
            ):
                raise ext_error(
                    "upsample_vector",
                    f"jitter indices in [0, {templates.shape[3]})",
                    upsample_vector,
                )
        if amplitude_factor is None:
            amplitudes = None
        elif np.isscalar(amplitude_factor):
            amplitudes = np.full(spikes.size, amplitude_factor, dtype="float32")
        else:
            amplitudes = np.asarray(amplitude_factor)
            if amplitudes.shape != spikes.shape:
                raise ShapeMismatchError(
                    f"Invalid value for `amplitude_factor`: expected {spikes.size} values (one per "
                    f"spike), but got shape {amplitudes.shape}."
                )
        n_seg = sorting.get_num_segments()
        if num_samples is None:
            if parent_recording is None:
                last = int(spikes["sample_index"][-1]) if spikes.size else 0
                num_samples = [last + templates.shape[1]] * n_seg
            else:
                num_samples = [parent_recording.get_num_samples(s) for s in range(n_seg)]
        elif isinstance(num_samples, int | np.integer):
            if n_seg != 1:
                raise ext_error(
                    "num_samples", f"one number of samples per segment ({n_seg})", num_samples
                )
            num_samples = [int(num_samples)]
        if len(num_samples) != n_seg:
            raise ext_error(
                "num_samples", f"one number of samples per segment ({n_seg})", num_samples
            )
        if parent_recording is not None:
            parent_recording.copy_metadata(self)
        t4 = templates if templates.ndim == 4 else templates[..., np.newaxis]
        slices = np.searchsorted(spikes["segment_index"], np.arange(n_seg + 1))
        for s in range(n_seg):
            a, b = int(slices[s]), int(slices[s + 1])
            parent_seg = None if parent_recording is None else parent_recording.segments[s]
            self.add_recording_segment(
                InjectTemplatesRecordingSegment(
                    self.get_sampling_frequency(),
                    self.get_dtype(),
                    spikes[a:b],
                    t4,
                    nbefore,
                    None if amplitudes is None else amplitudes[a:b],
                    None if upsample_vector is None else upsample_vector[a:b],
                    parent_seg,
                    int(num_samples[s]),
                )
            )
        if not sorting.check_serializability("json") or (
            parent_recording is not None and not parent_recording.check_serializability("json")
        ):
            self._serializability["json"] = False
        self._kwargs = {
            "sorting": sorting,
            "templates": templates,
            "nbefore": nbefore,
            "amplitude_factor": amplitude_factor,
            "upsample_vector": upsample_vector,
            "check_borders": check_borders,
        }
        if parent_recording is None:
            self._kwargs["num_samples"] = [int(n) for n in num_samples]
        else:
            self._kwargs["parent_recording"] = parent_recording


class InjectTemplatesRecordingSegment(BaseRecordingSegment):
    """One segment: the parent's block (or zeros) plus the overlapping templates."""

    def __init__(
        self,
        sampling_frequency: float,
        dtype: Any,
        spike_vector: np.ndarray,
        templates: np.ndarray,
        nbefore: int,
        amplitude_vector: np.ndarray | None,
        upsample_vector: np.ndarray | None,
        parent_recording_segment: Any = None,
        num_samples: int | None = None,
    ) -> None:
        t_start = None if parent_recording_segment is None else parent_recording_segment._t_start
        BaseRecordingSegment.__init__(self, sampling_frequency, t_start=t_start)
        self.dtype = np.dtype(dtype)
        self.spike_vector = spike_vector
        self._samples = np.ascontiguousarray(spike_vector["sample_index"], dtype=np.int64)
        self._units = np.ascontiguousarray(spike_vector["unit_index"], dtype=np.int64)
        self.templates = np.ascontiguousarray(templates)
        self.nbefore = int(nbefore)
        self._amplitudes = (
            np.zeros(0)
            if amplitude_vector is None
            else np.asarray(amplitude_vector, dtype=np.float64)
        )
        self._upsample = (
            np.zeros(0, np.int64)
            if upsample_vector is None
            else np.asarray(upsample_vector, dtype=np.int64)
        )
        self.parent_recording = parent_recording_segment
        self.num_samples = int(
            num_samples if num_samples is not None else parent_recording_segment.get_num_samples()
        )

    def get_num_samples(self) -> int:
        return self.num_samples

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        from memphys.ephys import _sorting_numba as k

        start = 0 if start_frame is None else int(start_frame)
        end = self.num_samples if end_frame is None else int(end_frame)
        n_ch = self.templates.shape[2]
        channels = np.arange(n_ch, dtype=np.int64)
        if channel_indices is not None:
            channels = channels[channel_indices]
        if self.parent_recording is not None:
            traces = np.array(
                self.parent_recording.get_traces(start, end, channel_indices), copy=True
            )
        else:
            traces = np.zeros((end - start, channels.size), dtype=self.dtype)
        width = self.templates.shape[1]
        a = int(np.searchsorted(self._samples, start - width + self.nbefore, side="left"))
        b = int(np.searchsorted(self._samples, end + self.nbefore, side="right"))
        if b > a and traces.size:
            amps = self._amplitudes[a:b] if self._amplitudes.size else self._amplitudes
            ups = self._upsample[a:b] if self._upsample.size else self._upsample
            if traces.dtype.kind == "f":
                k.inject_spikes(
                    traces,
                    start,
                    self._samples[a:b],
                    self._units[a:b],
                    self.templates,
                    self.nbefore,
                    amps,
                    ups,
                    channels,
                )
            else:  # integer traces: add the summed templates, rounded once per sample
                acc = np.zeros(traces.shape, dtype=np.float64)
                k.inject_spikes(
                    acc,
                    start,
                    self._samples[a:b],
                    self._units[a:b],
                    self.templates,
                    self.nbefore,
                    amps,
                    ups,
                    channels,
                )
                info = np.iinfo(traces.dtype)
                np.clip(np.round(acc + traces), info.min, info.max, out=acc)
                traces = acc.astype(traces.dtype)
        return traces.astype(self.dtype, copy=False)


inject_templates = define_function_from_class(InjectTemplatesRecording, "inject_templates")


def _main_channels(templates: np.ndarray, nbefore: int) -> np.ndarray:
    """Channel with the largest absolute value at the peak sample, per unit."""
    peak = np.abs(templates[:, nbefore])
    if peak.ndim == 3:
        peak = peak.max(axis=-1)
    return np.argmax(peak, axis=1)


def generate_ground_truth_recording(
    durations: Any = (10.0,),
    sampling_frequency: float = 25000.0,
    num_channels: int = 4,
    num_units: int = 10,
    sorting: BaseSorting | None = None,
    probe: Any = None,
    generate_probe_kwargs: dict[str, Any] | None = None,
    templates: Any = None,
    ms_before: float = 1.0,
    ms_after: float = 3.0,
    upsample_factor: int | None = None,
    upsample_vector: Any = None,
    generate_sorting_kwargs: dict[str, Any] | None = None,
    noise_kwargs: dict[str, Any] | None = None,
    generate_unit_locations_kwargs: dict[str, Any] | None = None,
    generate_templates_kwargs: dict[str, Any] | None = None,
    dtype: Any = "float32",
    seed: int | None = None,
) -> tuple[InjectTemplatesRecording, BaseSorting]:
    """A lazy ground-truth ``(recording, sorting)``: Poisson units whose templates are
    injected into lazy Gaussian noise on a multi-column probe (SpikeInterface's defaults:
    15 Hz units, noise level 5, templates of 1 ms + 3 ms).

    The sorting gets ``gt_unit_locations`` (when templates are generated) and
    ``main_channel_id``; the recording the probe, gains 1 and offsets 0. One ``seed``
    drives every draw (None: a random one, kept so that a dumped recording regenerates the
    same values).
    """
    from probeinterface import generate_multi_columns_probe

    from memphys.ephys.recording_generators import NoiseGeneratorRecording
    from memphys.ephys.sorting_generators import generate_sorting
    from memphys.ephys.template_generators import generate_templates, generate_unit_locations

    probe_kwargs: dict[str, Any] = dict(
        num_columns=2,
        xpitch=20,
        ypitch=20,
        contact_shapes="circle",
        contact_shape_params={"radius": 6},
    )
    if generate_probe_kwargs is not None:
        probe_kwargs = dict(generate_probe_kwargs)
    sorting_kwargs = (
        dict(firing_rates=15, refractory_period_ms=4.0)
        if generate_sorting_kwargs is None
        else dict(generate_sorting_kwargs)
    )
    noise = (
        dict(noise_levels=5.0, strategy="on_the_fly")
        if noise_kwargs is None
        else dict(noise_kwargs)
    )
    location_kwargs = (
        dict(margin_um=10.0, minimum_z=5.0, maximum_z=50.0, minimum_distance=20)
        if generate_unit_locations_kwargs is None
        else dict(generate_unit_locations_kwargs)
    )
    durations = list(np.atleast_1d(durations).tolist())
    seed = _ensure_seed(seed)
    rng = np.random.default_rng(seed)
    if sorting is None:
        sorting_kwargs.update(
            durations=durations,
            num_units=num_units,
            sampling_frequency=sampling_frequency,
            seed=seed,
        )
        sorting = generate_sorting(**sorting_kwargs)
    else:
        num_units = sorting.get_num_units()
        if sorting.get_sampling_frequency() != sampling_frequency:
            raise ExtractorValueError(
                f"The sorting is sampled at {sorting.get_sampling_frequency()} Hz but "
                f"sampling_frequency is {sampling_frequency}."
            )
    num_spikes = sorting.to_spike_vector().size
    if probe is None:
        num_channels = check_int("num_channels", num_channels, minimum=1)
        if "num_contact_per_column" in probe_kwargs:
            per = np.asarray(probe_kwargs["num_contact_per_column"])
            total = (
                int(per.sum()) if per.ndim else int(per) * int(probe_kwargs.get("num_columns", 1))
            )
            if total != num_channels:
                raise ext_error(
                    "generate_probe_kwargs",
                    f"num_contact_per_column x num_columns = num_channels ({num_channels})",
                    probe_kwargs,
                )
        elif "num_columns" in probe_kwargs:
            cols = int(probe_kwargs["num_columns"])
            per_col = [num_channels // cols] * cols
            per_col[cols // 2] += num_channels % cols
            probe_kwargs["num_contact_per_column"] = per_col
        else:
            raise ext_error("generate_probe_kwargs", "a dict with num_columns", probe_kwargs)
        probe = generate_multi_columns_probe(**probe_kwargs)
        probe.set_device_channel_indices(np.arange(num_channels))
    else:
        num_channels = probe.get_contact_count()
    nbefore = ms_to_samples(ms_before, sampling_frequency)
    nafter = ms_to_samples(ms_after, sampling_frequency)
    if templates is None:
        channel_locations = probe.contact_positions
        unit_locations = generate_unit_locations(
            num_units, channel_locations, seed=seed, **location_kwargs
        )
        templates = generate_templates(
            channel_locations,
            unit_locations,
            sampling_frequency,
            ms_before,
            ms_after,
            upsample_factor=upsample_factor,
            seed=seed,
            dtype=dtype,
            **(generate_templates_kwargs or {}),
        )
        sorting.set_property("gt_unit_locations", unit_locations)
        distances = np.linalg.norm(
            unit_locations[:, np.newaxis, :2] - channel_locations[np.newaxis, :, :2], axis=2
        )
        main_channels = np.argmin(distances, axis=1)
    else:
        templates = np.asarray(templates)
        if templates.shape[0] != num_units:
            raise ShapeMismatchError(
                f"Invalid value for `templates`: expected {num_units} templates, but got "
                f"{templates.shape[0]}."
            )
        main_channels = _main_channels(templates, nbefore)
    if nbefore + nafter != templates.shape[1]:
        raise ShapeMismatchError(
            f"Invalid value for `templates`: expected {nbefore + nafter} samples (ms_before + "
            f"ms_after), but got {templates.shape[1]}."
        )
    if templates.ndim == 3:
        upsample_vector = None
    elif upsample_vector is None:
        upsample_vector = rng.integers(0, templates.shape[3], size=num_spikes)
    noise_rec = NoiseGeneratorRecording(
        num_channels=num_channels,
        sampling_frequency=sampling_frequency,
        durations=durations,
        dtype=dtype,
        seed=seed,
        noise_block_size=int(sampling_frequency),
        **noise,
    )
    recording = InjectTemplatesRecording(
        sorting,
        templates,
        nbefore=nbefore,
        parent_recording=noise_rec,
        upsample_vector=upsample_vector,
    )
    recording.annotate(is_filtered=True)
    recording.set_probe(probe)
    recording.set_channel_gains(1.0)
    recording.set_channel_offsets(0.0)
    sorting.set_property("main_channel_id", recording.channel_ids[main_channels])
    recording.name = "GroundTruthRecording"
    sorting.name = "GroundTruthSorting"
    return recording, sorting


def generate_snippets(
    nbefore: int = 20,
    nafter: int = 44,
    num_channels: int = 2,
    wf_folder: Any = None,
    sampling_frequency: float = 30000.0,
    durations: Any = (10.325, 3.5),
    set_probe: bool = True,
    ndim: int = 2,
    num_units: int = 5,
    empty_units: Any = None,
    seed: int | None = None,
    **job_kwargs: Any,
) -> tuple[Any, Any]:
    """``(snippets, sorting)``: a generated sorting's spikes cut from a generated noise
    recording (``nbefore + nafter`` samples on ``num_channels`` channels)."""
    from memphys.ephys.recording_generators import generate_recording
    from memphys.ephys.snippets_tools import snippets_from_sorting
    from memphys.ephys.sorting_generators import generate_sorting

    seed = _ensure_seed(seed)
    durations = list(np.atleast_1d(durations).tolist())
    recording = generate_recording(
        durations=durations,
        num_channels=num_channels,
        sampling_frequency=sampling_frequency,
        ndim=ndim,
        set_probe=set_probe,
        seed=seed,
    )
    sorting = generate_sorting(
        num_units=num_units,
        sampling_frequency=sampling_frequency,
        durations=durations,
        empty_units=empty_units,
        seed=seed,
    )
    snippets = snippets_from_sorting(
        recording, sorting, nbefore=nbefore, nafter=nafter, wf_folder=wf_folder, **job_kwargs
    )
    if set_probe:
        snippets.set_probe(recording.get_probe())
    return snippets, sorting
