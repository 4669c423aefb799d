"""SpikeInterface-core's API over memphys's lazy sources and engine.

``import memphys.ephys as si`` runs SpikeInterface-core scripts that work with recordings:
the names, signatures and observable behaviour of ``spikeinterface.core`` 0.105, with
traces read lazily through :mod:`memphys.arrays` adapters, times kept by
:mod:`memphys.core.time_index` (O(1) memory for regular sampling), every full pass
(``save``, ``write_binary_recording``, noise levels) run by :mod:`memphys.engine` (serial,
threads, processes or dask; progress bars; ``total_memory`` bounding the working memory),
and every write made under a temporary name, renamed when complete.

Layering: this package sits above :mod:`memphys.io` and beside :mod:`memphys.process`;
nothing below imports it, and ``import memphys`` does not import it. Names are imported on
first access, so ``import memphys.ephys`` is light (probeinterface, zarr and numcodecs load
when used).

Modules, one per concept: :mod:`~memphys.ephys.base` (ids, properties, annotations,
provenance: what every extractor type shares), :mod:`~memphys.ephys.globals` and
:mod:`~memphys.ephys.job_tools` (job kwargs and the chunk executor over the engine),
:mod:`~memphys.ephys.loading` (``load``), :mod:`~memphys.ephys.time_series` (times),
:mod:`~memphys.ephys.baserecordingsnippets` (channels and probes),
:mod:`~memphys.ephys.baserecording` (recordings and segments), the slices and aggregations
(:mod:`~memphys.ephys.channelslice`, :mod:`~memphys.ephys.frameslicerecording`,
:mod:`~memphys.ephys.channelsaggregationrecording`, :mod:`~memphys.ephys.segmentutils`),
the extractors (:mod:`~memphys.ephys.numpyextractors`,
:mod:`~memphys.ephys.binaryrecordingextractor`, :mod:`~memphys.ephys.binaryfolder`,
:mod:`~memphys.ephys.zarrextractors`), :mod:`~memphys.ephys.recording_tools` and the lazy
generators (:mod:`~memphys.ephys.recording_generators`).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=4, durations=[10.0, 5.0], seed=0)
>>> rec.get_num_segments(), rec.get_num_channels(), rec.get_num_samples(segment_index=1)
(2, 4, 150000)
>>> rec.get_traces(segment_index=0, start_frame=0, end_frame=3).shape
(3, 4)
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module that defines it (imported on first attribute access)
_LAZY: dict[str, str] = {}


def _add(module: str, *names: str) -> None:
    for n in names:
        _LAZY[n] = f"memphys.ephys.{module}"


_add("base", "BaseExtractor", "BaseSegment", "minimum_spike_dtype")
_add("baserecordingsnippets", "BaseRecordingSnippets")
_add("baserecording", "BaseRecording", "BaseRecordingSegment", "ArrayRecordingSegment")
_add("time_series", "TimeSeries", "TimeSeriesSegment")
_add("loading", "load", "load_extractor")
_add(
    "binaryrecordingextractor",
    "BinaryRecordingExtractor",
    "read_binary",
    "BinDatRecordingExtractor",
)
_add("binaryfolder", "BinaryFolderRecording", "read_binary_folder")
_add("numpyextractors", "NumpyRecording", "SharedMemoryRecording")
_add(
    "zarrextractors",
    "ZarrRecordingExtractor",
    "read_zarr",
    "read_zarr_recording",
    "get_default_zarr_compressor",
)
_add("channelslice", "ChannelSliceRecording")
_add("frameslicerecording", "FrameSliceRecording")
_add("channelsaggregationrecording", "ChannelsAggregationRecording", "aggregate_channels")
_add(
    "segmentutils",
    "append_recordings",
    "AppendSegmentRecording",
    "concatenate_recordings",
    "ConcatenateSegmentRecording",
    "split_recording",
    "select_segment_recording",
    "SelectSegmentRecording",
)
_add("astyperecording", "AstypeRecording", "astype")
_add(
    "recording_generators",
    "generate_recording",
    "MockRecording",
    "NoiseGeneratorRecording",
    "noise_generator_recording",
    "generate_recording_by_size",
)
_add(
    "globals",
    "set_global_tmp_folder",
    "get_global_tmp_folder",
    "is_set_global_tmp_folder",
    "reset_global_tmp_folder",
    "get_global_dataset_folder",
    "set_global_dataset_folder",
    "is_set_global_dataset_folder",
    "get_global_job_kwargs",
    "set_global_job_kwargs",
    "reset_global_job_kwargs",
    "is_set_global_job_kwargs_set",
)
_add("core_tools", "read_python", "write_python", "normal_pdf", "ms_to_samples")
_add(
    "job_tools",
    "get_best_job_kwargs",
    "ensure_n_jobs",
    "ensure_chunk_size",
    "TimeSeriesChunkExecutor",
    "ChunkRecordingExecutor",
    "split_job_kwargs",
    "fix_job_kwargs",
)
_add(
    "recording_tools",
    "write_binary_recording",
    "write_memory_recording",
    "write_recording_to_zarr",
    "get_random_data_chunks",
    "get_channel_distances",
    "get_closest_channels",
    "get_noise_levels",
    "get_chunk_with_margin",
    "order_channels_by_depth",
)

# --- sortings, events, snippets and ground-truth generators (issue 13)
_add(
    "basesorting",
    "BaseSorting",
    "BaseSortingSegment",
    "SpikeVectorSortingSegment",
    "LEXSORT_UNIT_COMPACT",
    "LEXSORT_SEGMENT_COMPACT",
)
_add("numpysorting", "NumpySorting", "SharedMemorySorting")
_add("unitsselection", "UnitsSelectionSorting")
_add("unitsaggregation", "UnitsAggregationSorting", "aggregate_units")
_add("frameslicesorting", "FrameSliceSorting")
_add(
    "sorting_segmentutils",
    "append_sortings",
    "AppendSegmentSorting",
    "concatenate_sortings",
    "ConcatenateSegmentSorting",
    "split_sorting",
    "SplitSegmentSorting",
    "select_segment_sorting",
    "SelectSegmentSorting",
)
_add(
    "sortingfolder",
    "NumpyFolderSorting",
    "NpzFolderSorting",
    "read_numpy_sorting_folder",
    "read_npz_folder",
)
_add("npzsortingextractor", "NpzSortingExtractor", "read_npz_sorting")
_add("zarrsorting", "ZarrSortingExtractor", "read_zarr_sorting")
_add("nwbsorting", "NwbSortingExtractor", "read_nwb_sorting")
_add("neuroscopesorting", "NeuroScopeSortingExtractor", "read_neuroscope_sorting")
_add("baseevent", "BaseEvent", "BaseEventSegment", "NumpyEvent", "SelectSegmentEvent")
_add(
    "basesnippets",
    "BaseSnippets",
    "BaseSnippetsSegment",
    "NumpySnippets",
    "ChannelSliceSnippets",
    "FrameSliceSnippets",
    "SelectSegmentSnippets",
)
_add(
    "npysnippets",
    "NpySnippetsExtractor",
    "read_npy_snippets",
    "NpyFolderSnippets",
    "read_npy_snippets_folder",
)
_add("snippets_tools", "snippets_from_sorting")
_add(
    "sorting_generators",
    "generate_sorting",
    "synthesize_poisson_spike_vector",
    "synthesize_random_firings",
    "create_sorting_npz",
    "clean_refractory_period",
    "inject_some_duplicate_units",
    "inject_some_split_units",
    "synthetize_spike_train_bad_isi",
    "generate_sorting_to_inject",
    "SortingGenerator",
    "TransformSorting",
)
_add(
    "template_generators",
    "generate_templates",
    "generate_single_fake_waveform",
    "generate_unit_locations",
    "generate_channel_locations",
)
_add(
    "generate_ground_truth",
    "generate_ground_truth_recording",
    "generate_snippets",
    "InjectTemplatesRecording",
    "inject_templates",
)
_add("sorting_tools", "spike_vector_to_spike_trains", "spike_vector_to_indices")

# --- the two faces joined, vendor files, NWB (issue 15)
_add(
    "to_pynapple",
    "recording_to_tsdframe",
    "sorting_to_tsgroup",
    "event_to_ts",
    "event_to_interval_set",
    "templates_to_tsdtensor",
    "waveforms_to_tsdtensor",
)
_add(
    "from_pynapple",
    "TsdFrameRecording",
    "from_tsdframe",
    "from_tsgroup",
    "from_events",
    "from_ts",
    "from_interval_set",
)
_add(
    "neobaseextractor",
    "NeoBaseRecordingExtractor",
    "NeoRecordingExtractor",
    "NeoBaseEventExtractor",
    "NeoEventExtractor",
    "NeoBaseSortingExtractor",
    "NeoSortingExtractor",
    "read_neo",
    "read_neo_event",
    "read_neo_sorting",
    "get_neo_streams",
    "get_neo_num_blocks",
)
_add(
    "spikeglx",
    "SpikeGLXRecordingExtractor",
    "read_spikeglx",
    "SpikeGLXEventExtractor",
    "read_spikeglx_event",
)
_add(
    "openephys",
    "OpenEphysBinaryRecordingExtractor",
    "read_openephys",
    "OpenEphysBinaryEventExtractor",
    "read_openephys_event",
)
_add("intan", "IntanRecordingExtractor", "read_intan")
_add(
    "plexon",
    "PlexonRecordingExtractor",
    "read_plexon",
    "PlexonSortingExtractor",
    "read_plexon_sorting",
)
_add(
    "neuroscope",
    "NeuroScopeRecordingExtractor",
    "read_neuroscope_recording",
    "read_neuroscope",
    "read_cellexplorer_recording",
    "NeuroScopeEventExtractor",
    "read_neuroscope_events",
    "NeuroScopeSnippetsExtractor",
    "read_neuroscope_snippets",
)
_add("probes", "read_probe_file", "set_probe_file")
# --- SortingAnalyzer, sparsity, templates (issue 14)
_add(
    "sortinganalyzer",
    "SortingAnalyzer",
    "create_sorting_analyzer",
    "load_sorting_analyzer",
)
_add(
    "analyzer_extension",
    "AnalyzerExtension",
    "register_result_extension",
    "get_extension_class",
    "get_available_analyzer_extensions",
    "get_default_analyzer_extension_params",
)
_add(
    "analyzer_extension_core",
    "ComputeRandomSpikes",
    "ComputeWaveforms",
    "ComputeTemplates",
    "ComputeNoiseLevels",
    "compute_random_spikes",
    "compute_waveforms",
    "compute_templates",
    "compute_noise_levels",
)
_add("sparsity", "ChannelSparsity", "compute_sparsity", "estimate_sparsity")
_add("template", "Templates")
_add(
    "template_tools",
    "get_dense_templates_array",
    "get_template_amplitudes",
    "get_template_extremum_channel",
    "get_template_extremum_channel_peak_shift",
    "get_template_peak_shift_on_main_channel",
    "get_template_extremum_amplitude",
    "get_template_amplitude_on_main_channel",
)
_add(
    "waveform_tools",
    "extract_waveforms_to_single_buffer",
    "extract_waveforms_to_buffers",
    "split_waveforms_by_units",
    "estimate_templates",
    "estimate_templates_with_accumulator",
    "has_exceeding_spikes",
)
_add("spike_selection", "random_spikes_selection")
_add(
    "analyzer_curation",
    "apply_merges_to_sorting",
    "apply_splits_to_sorting",
)

_SUBMODULES = (
    "base",
    "baserecording",
    "baserecordingsnippets",
    "binaryfolder",
    "binaryrecordingextractor",
    "channelsaggregationrecording",
    "channelslice",
    "core_tools",
    "frameslicerecording",
    "generate",
    "globals",
    "job_tools",
    "loading",
    "numpyextractors",
    "recording_generators",
    "recording_tools",
    "segmentutils",
    "testing",
    "time_series",
    "zarrextractors",
    # issue 13
    "basesorting",
    "sorting_segments",
    "sorting_times",
    "numpysorting",
    "unitsselection",
    "unitsaggregation",
    "frameslicesorting",
    "sorting_segmentutils",
    "sortingfolder",
    "npzsortingextractor",
    "zarrsorting",
    "nwbsorting",
    "neuroscopesorting",
    "baseevent",
    "basesnippets",
    "npysnippets",
    "snippets_tools",
    "sorting_tools",
    "sorting_generators",
    "template_generators",
    "generate_ground_truth",
    # issue 15
    "to_pynapple",
    "from_pynapple",
    "neobaseextractor",
    "spikeglx",
    "openephys",
    "intan",
    "plexon",
    "neuroscope",
    "probes",
    # issue 14
    "sortinganalyzer",
    "analyzer_extension",
    "analyzer_extension_core",
    "analyzer_storage",
    "analyzer_transforms",
    "analyzer_curation",
    "sparsity",
    "template",
    "template_tools",
    "waveform_tools",
    "waveform_pass",
    "waveform_stores",
    "spike_selection",
)

__all__ = sorted(_LAZY)

# the submodule `memphys.ephys.globals`, once imported, shadows the builtin in this namespace
_NAMESPACE = globals()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        _NAMESPACE[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"memphys.ephys.{name}")
    raise AttributeError(f"module 'memphys.ephys' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(_NAMESPACE) | set(_LAZY) | set(_SUBMODULES))
