"""SpikeInterface's ``core.generate`` module: the generators, gathered by name.

The recording generators live in :mod:`memphys.ephys.recording_generators`; generators
of sortings and ground-truth recordings are added by their own modules.

>>> from memphys.ephys.generate import generate_recording
>>> generate_recording(durations=[1.0], seed=0).get_num_samples()
30000
"""

from __future__ import annotations

from memphys.ephys.recording_generators import (
    GeneratorRecordingSegment,
    MockRecording,
    NoiseGeneratorRecording,
    generate_recording,
    generate_recording_by_size,
    noise_generator_recording,
)

__all__ = [
    "GeneratorRecordingSegment",
    "MockRecording",
    "NoiseGeneratorRecording",
    "generate_recording",
    "generate_recording_by_size",
    "noise_generator_recording",
]
