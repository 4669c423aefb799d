"""Which class a provenance dict names: the registry of extractor classes.

A provenance dict (``to_dict()``) names its class by a dotted path. Classes that mirror a
SpikeInterface class are written under SpikeInterface's path
(``spikeinterface.core.binaryfolder.BinaryFolderRecording``) so that SpikeInterface can load
them; other classes under their own module path. :func:`resolve_extractor_class` maps any of
these back to a class:

1. a path registered by a class already imported (every :class:`~memphys.ephys.base.
   BaseExtractor` subclass registers itself, under its own path and its SpikeInterface path);
2. a SpikeInterface class name listed in :data:`KNOWN_CLASSES` (its memphys module is
   imported on demand, so that ``import memphys.ephys`` stays light);
3. a ``memphys.`` path or a user's own module, imported;

and gives a clear error for SpikeInterface classes that memphys does not provide
(preprocessing, extractors of vendor formats, ...). A new extractor type plugs in by
subclassing ``BaseExtractor`` (with ``_si_class_path`` if it mirrors a SpikeInterface class)
and adding its class name and module to :data:`KNOWN_CLASSES`.

Examples
--------
>>> resolve_extractor_class("spikeinterface.core.numpyextractors.NumpyRecording").__name__
'NumpyRecording'
"""

from __future__ import annotations

import importlib
from typing import Any

from memphys.errors import ExtractorValueError

__all__ = ["KNOWN_CLASSES", "register_extractor_class", "resolve_extractor_class"]

#: SpikeInterface class name -> the memphys.ephys module that defines its counterpart.
KNOWN_CLASSES: dict[str, str] = {
    "BinaryRecordingExtractor": "memphys.ephys.binaryrecordingextractor",
    "BinDatRecordingExtractor": "memphys.ephys.binaryrecordingextractor",
    "BinaryFolderRecording": "memphys.ephys.binaryfolder",
    "NumpyRecording": "memphys.ephys.numpyextractors",
    "SharedMemoryRecording": "memphys.ephys.numpyextractors",
    "ZarrRecordingExtractor": "memphys.ephys.zarrextractors",
    "ChannelSliceRecording": "memphys.ephys.channelslice",
    "FrameSliceRecording": "memphys.ephys.frameslicerecording",
    "ChannelsAggregationRecording": "memphys.ephys.channelsaggregationrecording",
    "AppendSegmentRecording": "memphys.ephys.segmentutils",
    "ConcatenateSegmentRecording": "memphys.ephys.segmentutils",
    "SelectSegmentRecording": "memphys.ephys.segmentutils",
    "MockRecording": "memphys.ephys.recording_generators",
    "NoiseGeneratorRecording": "memphys.ephys.recording_generators",
    "AstypeRecording": "memphys.ephys.astyperecording",
    # sortings, events, snippets, ground truth (issue 13)
    "NumpySorting": "memphys.ephys.numpysorting",
    "SharedMemorySorting": "memphys.ephys.numpysorting",
    "NumpyFolderSorting": "memphys.ephys.sortingfolder",
    "NpzFolderSorting": "memphys.ephys.sortingfolder",
    "NpzSortingExtractor": "memphys.ephys.npzsortingextractor",
    "ZarrSortingExtractor": "memphys.ephys.zarrsorting",
    "NwbSortingExtractor": "memphys.ephys.nwbsorting",
    "NeuroScopeSortingExtractor": "memphys.ephys.neuroscopesorting",
    "UnitsSelectionSorting": "memphys.ephys.unitsselection",
    "UnitsAggregationSorting": "memphys.ephys.unitsaggregation",
    "FrameSliceSorting": "memphys.ephys.frameslicesorting",
    "AppendSegmentSorting": "memphys.ephys.sorting_segmentutils",
    "ConcatenateSegmentSorting": "memphys.ephys.sorting_segmentutils",
    "SplitSegmentSorting": "memphys.ephys.sorting_segmentutils",
    "SelectSegmentSorting": "memphys.ephys.sorting_segmentutils",
    "NumpyEvent": "memphys.ephys.baseevent",
    "SelectSegmentEvent": "memphys.ephys.baseevent",
    "NumpySnippets": "memphys.ephys.basesnippets",
    "ChannelSliceSnippets": "memphys.ephys.basesnippets",
    "FrameSliceSnippets": "memphys.ephys.basesnippets",
    "SelectSegmentSnippets": "memphys.ephys.basesnippets",
    "NpySnippetsExtractor": "memphys.ephys.npysnippets",
    "NpyFolderSnippets": "memphys.ephys.npysnippets",
    "SortingGenerator": "memphys.ephys.sorting_generators",
    "TransformSorting": "memphys.ephys.sorting_generators",
    "InjectTemplatesRecording": "memphys.ephys.generate_ground_truth",
    # vendor files through neo (issue 15)
    "SpikeGLXRecordingExtractor": "memphys.ephys.spikeglx",
    "SpikeGLXEventExtractor": "memphys.ephys.spikeglx",
    "OpenEphysBinaryRecordingExtractor": "memphys.ephys.openephys",
    "OpenEphysBinaryEventExtractor": "memphys.ephys.openephys",
    "IntanRecordingExtractor": "memphys.ephys.intan",
    "PlexonRecordingExtractor": "memphys.ephys.plexon",
    "PlexonSortingExtractor": "memphys.ephys.plexon",
    "NeuroScopeRecordingExtractor": "memphys.ephys.neuroscope",
}

_BY_PATH: dict[str, type] = {}
_BY_NAME: dict[str, type] = {}


def register_extractor_class(cls: type) -> None:
    """Make ``cls`` resolvable by its module path, its SpikeInterface path and its name."""
    _BY_PATH[f"{cls.__module__}.{cls.__name__}"] = cls
    si_path = cls.__dict__.get("_si_class_path")  # not inherited: a subclass is its own class
    if si_path:
        _BY_PATH[si_path] = cls
    if cls.__module__.startswith("memphys."):
        _BY_NAME.setdefault(cls.__name__, cls)


def resolve_extractor_class(class_string: Any) -> type:
    """The class named by ``class_string`` in a provenance dict (see the module docstring).

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the class is unknown to memphys.ephys (a SpikeInterface class it does not
        provide, or a module that cannot be imported).
    """
    if not isinstance(class_string, str) or not class_string:
        raise ExtractorValueError(
            f"Invalid value for `class`: expected a dotted class path, but got {class_string!r}."
        )
    if class_string in _BY_PATH:
        return _BY_PATH[class_string]
    module, _, name = class_string.rpartition(".")
    if name in KNOWN_CLASSES and (
        module.startswith("spikeinterface") or module.startswith("memphys")
    ):
        importlib.import_module(KNOWN_CLASSES[name])
        if name in _BY_NAME:
            return _BY_NAME[name]
    if module.startswith("spikeinterface"):
        supported = ", ".join(sorted(KNOWN_CLASSES))
        raise ExtractorValueError(
            f"Cannot load a {name!r} ({class_string}): memphys.ephys does not provide this "
            f"SpikeInterface class. Supported classes: {supported}."
        )
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ExtractorValueError(
            f"Cannot load the class {class_string!r}: importing it failed ({exc})."
        ) from exc
    if not isinstance(cls, type):
        raise ExtractorValueError(
            f"Invalid value for `class`: {class_string!r} is not a class, but a "
            f"{type(cls).__name__}."
        )
    return cls
