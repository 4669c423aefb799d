"""SpikeInterface's ``core.generate`` module: the generators, gathered by name.

Recordings of noise live in :mod:`memphys.ephys.recording_generators`, sortings in
:mod:`memphys.ephys.sorting_generators`, templates in
:mod:`memphys.ephys.template_generators` and ground-truth recordings (templates injected
into noise) in :mod:`memphys.ephys.generate_ground_truth`.

>>> from memphys.ephys.generate import generate_recording
>>> generate_recording(durations=[1.0], seed=0).get_num_samples()
30000
"""

from __future__ import annotations

from memphys.ephys.generate_ground_truth import (
    InjectTemplatesRecording,
    InjectTemplatesRecordingSegment,
    generate_ground_truth_recording,
    generate_snippets,
    inject_templates,
)
from memphys.ephys.recording_generators import (
    GeneratorRecordingSegment,
    MockRecording,
    NoiseGeneratorRecording,
    generate_recording,
    generate_recording_by_size,
    noise_generator_recording,
)
from memphys.ephys.sorting_generators import (
    SortingGenerator,
    SortingGeneratorSegment,
    TransformSorting,
    clean_refractory_period,
    create_sorting_npz,
    generate_sorting,
    generate_sorting_to_inject,
    inject_some_duplicate_units,
    inject_some_split_units,
    synthesize_poisson_spike_vector,
    synthesize_random_firings,
    synthetize_spike_train_bad_isi,
)
from memphys.ephys.template_generators import (
    default_unit_params_range,
    exp_growth,
    generate_channel_locations,
    generate_single_fake_waveform,
    generate_templates,
    generate_unit_locations,
    get_ellipse,
)

__all__ = [
    "GeneratorRecordingSegment",
    "InjectTemplatesRecording",
    "InjectTemplatesRecordingSegment",
    "MockRecording",
    "NoiseGeneratorRecording",
    "SortingGenerator",
    "SortingGeneratorSegment",
    "TransformSorting",
    "clean_refractory_period",
    "create_sorting_npz",
    "default_unit_params_range",
    "exp_growth",
    "generate_channel_locations",
    "generate_ground_truth_recording",
    "generate_recording",
    "generate_recording_by_size",
    "generate_single_fake_waveform",
    "generate_snippets",
    "generate_sorting",
    "generate_sorting_to_inject",
    "generate_templates",
    "generate_unit_locations",
    "get_ellipse",
    "inject_some_duplicate_units",
    "inject_some_split_units",
    "inject_templates",
    "noise_generator_recording",
    "synthesize_poisson_spike_vector",
    "synthesize_random_firings",
    "synthetize_spike_train_bad_isi",
]
