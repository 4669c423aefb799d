"""Analyzer extensions: the base class, the registry and the dependency rules.

An :class:`AnalyzerExtension` is one computation attached to a ``SortingAnalyzer``
(``random_spikes``, ``waveforms``, ``templates``, ``noise_levels``, or a user's own): its
``params`` (JSON), its ``data`` (a dict of arrays, JSON-able values or DataFrames), its
``run_info`` (``run_completed``, ``runtime_s``), and how its data follow a selection,
merge or split of units, or a selection of channels. A subclass sets ``extension_name``,
``depend_on`` (parents; ``"a|b"`` means either), ``need_recording``, ``need_job_kwargs``
and implements ``_set_params``, ``_run``, ``_select_units_extension_data``,
``_merge_extension_data``, ``_split_extension_data`` and ``_get_data``, as in
SpikeInterface 0.105, whose folders and stores it reads and writes
(:mod:`memphys.ephys.analyzer_storage`).

:func:`register_result_extension` adds a class to the registry and records it as a child of
its parents: recomputing a parent deletes its children (:func:`_get_children_dependencies`);
:func:`_sort_extensions_by_dependency` puts parents before children.

Storage is crash-safe: an extension's files are written first and its ``params`` last, so a
run that is killed leaves no extension that loads as complete (SpikeInterface and memphys
both list an extension only once its ``params`` exist).

Examples
--------
>>> from memphys.ephys.analyzer_extension import get_extension_class, _get_children_dependencies
>>> get_extension_class("waveforms").depend_on
['random_spikes']
>>> _get_children_dependencies("random_spikes")[:2]
['waveforms', 'templates']
"""

from __future__ import annotations

import importlib
import inspect
import warnings
import weakref
from copy import copy
from itertools import chain
from time import perf_counter
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._roles import EXTENSION_PROVIDERS
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "AnalyzerExtension",
    "register_result_extension",
    "get_extension_class",
    "get_available_analyzer_extensions",
    "get_default_analyzer_extension_params",
]

#: extension name -> module that registers it (the table lives with the ephys roles, so that
#: this base module names none of the extensions derived from it).
_builtin_extensions: dict[str, str] = EXTENSION_PROVIDERS

#: dependencies of SpikeInterface's extensions that memphys does not compute (used to
#: order a request and to delete children; their saved data are otherwise ignored)
_foreign_dependencies: dict[str, list[str]] = {
    "amplitude_scalings": ["templates"],
    "principal_components": ["random_spikes", "waveforms"],
    "spike_amplitudes": ["templates"],
    "spike_locations": ["templates"],
    "template_similarity": ["templates"],
    "unit_locations": ["templates"],
    "template_metrics": ["templates"],
}

_possible_extensions: list[Any] = []
_extension_children: dict[str, list[str]] = {}


def _parents(dependency: str) -> list[str]:
    return dependency.split("|")


def register_result_extension(extension_class: type) -> None:
    """Make an extension class computable by name (registering twice is harmless).

    Raises
    ------
    memphys.errors.ExtractorValueError
        If it is not an AnalyzerExtension, has no name, or another class has its name.
    """
    if not (isinstance(extension_class, type) and issubclass(extension_class, AnalyzerExtension)):
        raise ExtractorValueError(
            f"Invalid value for `extension_class`: expected an AnalyzerExtension subclass, but "
            f"got {extension_class!r}."
        )
    name = extension_class.extension_name
    if name is None:
        raise ExtractorValueError("extension_name must not be None")
    if any(extension_class is e for e in _possible_extensions):
        return
    if any(name == e.extension_name for e in _possible_extensions):
        raise ExtractorValueError(
            f"Extension name already exists: {name!r} is registered by another class."
        )
    _possible_extensions.append(extension_class)
    _extension_children.setdefault(name, [])
    for dep in extension_class.get_required_dependencies():
        for parent in _parents(dep):
            children = _extension_children.setdefault(parent, [])
            if name not in children:
                children.append(name)


def get_extension_class(extension_name: str, auto_import: bool = True) -> Any:
    """The class registered under ``extension_name`` (its module imported if needed).

    Returns None with a warning for a name nobody registers (an external extension, or a
    SpikeInterface extension memphys does not provide: its saved data stays on disk).
    """
    classes = {e.extension_name: e for e in _possible_extensions}
    if extension_name not in classes:
        module = _builtin_extensions.get(extension_name)
        if module is not None and module.startswith("memphys") and auto_import:
            importlib.import_module(module)
            classes = {e.extension_name: e for e in _possible_extensions}
        elif module is not None and not auto_import:
            raise ExtractorValueError(
                f"Extension '{extension_name}' is not registered, please import related module "
                f"before use: 'import {module}'"
            )
    if extension_name not in classes:
        if extension_name in _builtin_extensions:
            warnings.warn(
                f"Extension '{extension_name}' is a SpikeInterface extension that memphys.ephys "
                "does not provide: it is ignored.",
                ExtractorWarning,
                stacklevel=2,
            )
        else:
            warnings.warn(
                f"Extension '{extension_name}' is unknown. Maybe this is an external extension, "
                "a typo or was computed by a different version of SpikeInterface.",
                ExtractorWarning,
                stacklevel=2,
            )
        return None
    return classes[extension_name]


def _require_class(extension_name: str) -> Any:
    cls = get_extension_class(extension_name)
    if cls is None:
        known = sorted({e.extension_name for e in _possible_extensions})
        raise ExtractorValueError(
            f"Invalid value for `extension_name`: {extension_name!r} is not a computable "
            f"extension. Available: {known}."
        )
    return cls


def get_available_analyzer_extensions() -> list[str]:
    """Names of the built-in extensions (memphys computes the core ones)."""
    return list(_builtin_extensions)


def get_default_analyzer_extension_params(extension_name: str) -> dict[str, Any]:
    """The defaults of ``_set_params`` of an extension."""
    cls = get_extension_class(extension_name)
    if cls is None:
        raise ExtractorValueError(
            f"Extension {extension_name!r} is not available in memphys.ephys: no default "
            "parameters."
        )
    sig = inspect.signature(cls._set_params)
    return {
        k: v.default
        for k, v in sig.parameters.items()
        if k != "self" and v.default is not inspect.Parameter.empty
    }


def _get_children_dependencies(extension_name: str) -> list[str]:
    """Children, grandchildren, ... of an extension (deleted when it is recomputed)."""
    names: list[str] = []
    for child in _extension_children.get(extension_name, []):
        if child not in names:
            names.append(child)
        for grand in _get_children_dependencies(child):
            if grand not in names:
                names.append(grand)
    return names


def _dependencies(name: str, params: dict[str, Any]) -> list[str]:
    """Required and optional parents of an extension (SpikeInterface's known ones for
    extensions memphys does not compute)."""
    classes = {e.extension_name: e for e in _possible_extensions}
    if name not in classes and name in _foreign_dependencies:
        return list(_foreign_dependencies[name])
    cls = _require_class(name)
    return list(cls.get_required_dependencies(**params)) + list(
        cls.get_optional_dependencies(**params)
    )


def _sort_extensions_by_dependency(extensions: dict[str, Any]) -> dict[str, Any]:
    """The same dict with every extension after the extensions it depends on."""
    names = list(extensions)
    params = list(extensions.values())
    i = 0
    guard = 0
    while i < len(names):
        guard += 1
        if guard > 10_000:
            raise ExtractorValueError(
                f"The extensions {names} have circular dependencies and cannot be ordered."
            )
        deps = _dependencies(names[i], params[i] or {})
        for dep in deps:
            for parent in _parents(dep):
                children = _extension_children.setdefault(parent, [])
                if names[i] not in children:
                    children.append(names[i])
        moved = False
        for dep in chain.from_iterable(_parents(d) for d in deps):
            if dep in names[i:]:
                k = names.index(dep)
                if k > i:
                    names.insert(i, names.pop(k))
                    params.insert(i, params.pop(k))
                    moved = True
        if not moved:
            i += 1
    return dict(zip(names, params, strict=True))


class AnalyzerExtension:
    """Base class of the analyzer's extensions (see the module docstring)."""

    extension_name: ClassVar[str | None] = None
    depend_on: ClassVar[list[str]] = []
    need_recording: ClassVar[bool] = False
    use_nodepipeline: ClassVar[bool] = False
    nodepipeline_variables: ClassVar[list[str] | None] = None
    need_job_kwargs: ClassVar[bool] = False
    need_backward_compatibility_on_load: ClassVar[bool] = False

    def __init__(self, sorting_analyzer: Any) -> None:
        self._sorting_analyzer = weakref.ref(sorting_analyzer)
        self.params: dict[str, Any] | None = None
        self.run_info: dict[str, Any] | None = self._default_run_info_dict()
        self.data: dict[str, Any] = {}
        self._save_to_disk = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}: {self.extension_name} - params {self.params}"

    @staticmethod
    def _default_run_info_dict() -> dict[str, Any]:
        return dict(run_completed=False, runtime_s=None)

    # ------------------------------------------------ to implement in subclasses
    def _run(self, **kwargs: Any) -> None:
        raise NotImplementedError

    def _set_params(self, **params: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _merge_extension_data(
        self,
        merge_unit_groups: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        keep_mask: Any = None,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _split_extension_data(
        self,
        split_units: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _select_channels_extension_data(self, channel_ids: Any) -> dict[str, Any]:
        return self.data

    def _get_pipeline_nodes(self) -> Any:
        raise NotImplementedError(
            "node pipelines (spikeinterface.core.node_pipeline) are not provided by memphys.ephys"
        )

    def _get_data(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _handle_backward_compatibility_on_load(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------- helpers
    @classmethod
    def function_factory(cls) -> Any:
        """``compute_<name>(analyzer, **params)``: computes and returns ``get_data()``."""
        return _ComputeFunction(cls)

    @property
    def sorting_analyzer(self) -> Any:
        analyzer = self._sorting_analyzer()
        if analyzer is None:
            raise ExtractorValueError(
                f"The extension {self.extension_name} has lost its SortingAnalyzer"
            )
        return analyzer

    @property
    def format(self) -> str:
        return str(self.sorting_analyzer.format)

    @property
    def sparsity(self) -> Any:
        return self.sorting_analyzer.sparsity

    @property
    def folder(self) -> Any:
        return self.sorting_analyzer.folder

    def _get_binary_extension_folder(self) -> Any:
        return self.folder / "extensions" / self.extension_name

    def _get_zarr_extension_group(self, mode: str = "r+") -> Any:
        return self.sorting_analyzer._get_zarr_root(mode=mode)["extensions"][self.extension_name]

    # ----------------------------------------------------------- dependencies
    @classmethod
    def get_required_dependencies(cls, **params: Any) -> list[str]:
        return list(cls.depend_on)

    @classmethod
    def get_optional_dependencies(cls, **params: Any) -> list[str]:
        return []

    @classmethod
    def get_any_dependencies(cls, **params: Any) -> list[str]:
        deps = cls.get_required_dependencies(**params) + cls.get_optional_dependencies(**params)
        return list(chain.from_iterable(_parents(d) for d in deps))

    @classmethod
    def get_default_params(cls) -> dict[str, Any]:
        return get_default_analyzer_extension_params(str(cls.extension_name))

    # ------------------------------------------------------------ load / save
    @classmethod
    def load(cls, sorting_analyzer: Any, lazy: bool = False) -> AnalyzerExtension | None:
        """The saved extension, or None if its run was not completed or its data is gone."""
        from memphys.ephys import analyzer_storage as store

        ext = cls(sorting_analyzer)
        ext.params, ext.run_info, data = store.load_extension(
            sorting_analyzer, str(cls.extension_name), lazy=lazy
        )
        if ext.run_info is None:
            warnings.warn(
                f"Found no run_info file for {cls.extension_name}, extension should be "
                "re-computed.",
                ExtractorWarning,
                stacklevel=2,
            )
        elif not ext.run_info.get("run_completed", False):
            return None
        for k, v in data.items():
            ext.set_data(k, v)
        if not ext.data:
            warnings.warn(
                f"Found no data for {cls.extension_name}, extension should be re-computed.",
                ExtractorWarning,
                stacklevel=2,
            )
            return None
        if cls.need_backward_compatibility_on_load:
            ext._handle_backward_compatibility_on_load()
        return ext

    def load_params(self) -> None:
        from memphys.ephys import analyzer_storage as store

        self.params = store.load_extension_params(self.sorting_analyzer, str(self.extension_name))

    def load_run_info(self) -> None:
        from memphys.ephys import analyzer_storage as store

        self.run_info = store.load_extension_run_info(
            self.sorting_analyzer, str(self.extension_name)
        )
        if self.run_info is None:
            warnings.warn(
                f"Found no run_info file for {self.extension_name}, extension should be "
                "re-computed.",
                ExtractorWarning,
                stacklevel=2,
            )

    def load_data(self, lazy: bool = False) -> None:
        from memphys.ephys import analyzer_storage as store

        _, _, data = store.load_extension(self.sorting_analyzer, str(self.extension_name), lazy)
        for k, v in data.items():
            self.set_data(k, v)

    def _new(self, new_sorting_analyzer: Any, data: dict[str, Any]) -> AnalyzerExtension:
        new = type(self)(new_sorting_analyzer)
        new.params = None if self.params is None else dict(self.params)
        new.data = data
        new.run_info = copy(self.run_info)
        new.save()
        return new

    def copy(
        self, new_sorting_analyzer: Any, unit_ids: Any = None, channel_ids: Any = None
    ) -> AnalyzerExtension:
        """This extension for another analyzer (a subset of units or of channels)."""
        if unit_ids is not None and channel_ids is not None:
            raise ExtractorValueError(
                "Cannot select both unit_ids and channel_ids when copying an extension."
            )
        if unit_ids is not None:
            data = self._select_units_extension_data(unit_ids)
        elif channel_ids is not None:
            data = self._select_channels_extension_data(channel_ids)
        else:
            data = dict(self.data)
        return self._new(new_sorting_analyzer, data)

    def merge(
        self,
        new_sorting_analyzer: Any,
        merge_unit_groups: Any,
        new_unit_ids: Any,
        keep_mask: Any = None,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> AnalyzerExtension:
        data = self._merge_extension_data(
            merge_unit_groups,
            new_unit_ids,
            new_sorting_analyzer,
            keep_mask,
            verbose=verbose,
            **job_kwargs,
        )
        return self._new(new_sorting_analyzer, data)

    def split(
        self,
        new_sorting_analyzer: Any,
        split_units: Any,
        new_unit_ids: Any,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> AnalyzerExtension:
        data = self._split_extension_data(
            split_units, new_unit_ids, new_sorting_analyzer, verbose=verbose, **job_kwargs
        )
        return self._new(new_sorting_analyzer, data)

    def run(self, save: bool = True, **kwargs: Any) -> None:
        """Compute (``_run``), then save everything if the analyzer is on disk."""
        to_disk = save and self.format != "memory" and not self.sorting_analyzer.is_read_only()
        self._save_to_disk = to_disk
        if to_disk:
            self._reset_extension_folder()
        t0 = perf_counter()
        self._run(**kwargs)
        if self.run_info is None:
            self.run_info = self._default_run_info_dict()
        self.run_info["runtime_s"] = perf_counter() - t0
        self.run_info["run_completed"] = True
        if to_disk:
            self.save()

    def save(self) -> None:
        """Write data, provenance, run info and (last) params to the analyzer's store."""
        from memphys.ephys import analyzer_storage as store

        if self.format == "memory":
            return
        if self.sorting_analyzer.is_read_only():
            raise ExtractorValueError(
                f"The SortingAnalyzer is read-only: saving extension {self.extension_name} is "
                "not possible."
            )
        store.save_extension(self.sorting_analyzer, self)

    def _save_data(self) -> None:
        self.save()

    def _save_params(self) -> None:
        self.save()

    def _save_run_info(self) -> None:
        self.save()

    def _save_importing_provenance(self) -> None:
        self.save()

    def _reset_extension_folder(self) -> None:
        from memphys.ephys import analyzer_storage as store

        store.reset_extension(self.sorting_analyzer, str(self.extension_name))

    def _delete_extension_folder(self) -> None:
        from memphys.ephys import analyzer_storage as store

        store.delete_extension(self.sorting_analyzer, str(self.extension_name))

    def delete(self) -> None:
        """Remove the extension's storage and forget its params and data."""
        if self.format != "memory" and not self.sorting_analyzer.is_read_only():
            self._delete_extension_folder()
        self.params = None
        self.run_info = self._default_run_info_dict()
        self.data = {}

    def reset(self) -> None:
        """Empty the extension's storage, params and data."""
        if self.format != "memory":
            self._reset_extension_folder()
        self.params = None
        self.run_info = self._default_run_info_dict()
        self.data = {}

    def set_params(self, save: bool = True, **params: Any) -> None:
        """Validate and set the parameters (the old storage is removed when saving)."""
        if save and self.format != "memory" and not self.sorting_analyzer.is_read_only():
            self._reset_extension_folder()
        self.params = self._set_params(**params)

    def get_pipeline_nodes(self) -> Any:
        if not self.use_nodepipeline:
            raise ExtractorValueError(
                "AnalyzerExtension.get_pipeline_nodes() must be called only when "
                "use_nodepipeline=True"
            )
        return self._get_pipeline_nodes()

    def get_data(self, *args: Any, **kwargs: Any) -> Any:
        """The extension's main result (see each extension)."""
        if self.run_info is not None and not self.run_info.get("run_completed", False):
            raise ExtractorValueError(
                f"You must run the extension {self.extension_name} before retrieving data"
            )
        if not self.data:
            raise ExtractorValueError("Extension has been run but no data found.")
        return self._get_data(*args, **kwargs)

    def set_data(self, ext_data_name: str, ext_data: Any) -> None:
        self.data[ext_data_name] = ext_data

    def _close_memmaps(self) -> None:
        for k, v in list(self.data.items()):
            if isinstance(v, np.memmap):
                self.data[k] = None


class _ComputeFunction:
    """``compute_<name>(sorting_analyzer, **params)`` (SpikeInterface's function_factory)."""

    def __init__(self, cls: type[AnalyzerExtension]) -> None:
        self.cls = cls
        self.extension_name = cls.extension_name
        self.__doc__ = cls.__doc__

    def __call__(
        self, sorting_analyzer: Any, load_if_exists: bool | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        from memphys.ephys.sortinganalyzer import SortingAnalyzer

        if not isinstance(sorting_analyzer, SortingAnalyzer):
            raise ExtractorValueError(
                f"compute_{self.extension_name}() needs a SortingAnalyzer instance, not "
                f"{type(sorting_analyzer).__name__}"
            )
        if load_if_exists is not None:
            warnings.warn(
                f"compute_{self.extension_name}(..., load_if_exists=...) is kept for backward "
                "compatibility but should not be used anymore",
                ExtractorWarning,
                stacklevel=2,
            )
            if load_if_exists:
                ext = sorting_analyzer.get_extension(str(self.extension_name))
                if ext is not None:
                    return ext
        ext = sorting_analyzer.compute(self.extension_name, *args, **kwargs)
        return ext.get_data()
