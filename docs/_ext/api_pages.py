"""Write the API reference's pages (``docs/api/<part>.rst``) from the code's public names.

Each part lists a face's public names as the code declares them (``__all__``, the lazy
name tables of :mod:`memphys` and :mod:`memphys.process`), so that a name added to the code
appears in the reference without editing the docs; autosummary then generates one page per
name from its numpydoc docstring. Called by ``conf.py`` at every build; the pages are
build products (ignored by git).
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: (page, title, introduction, module whose attributes are documented, names)
PARTS: list[tuple[str, str, str, str, list[str] | None]] = []


def _names() -> list[tuple[str, str, str, str, list[str]]]:
    import memphys
    import memphys.engine
    import memphys.ephys
    import memphys.io
    import memphys.plot
    from memphys.process import NAMES as PROCESS

    model = ["IntervalSet", "Ts", "Tsd", "TsdFrame", "TsdTensor", "TsGroup", "TsIndex"]
    files = [n for n in memphys._IO_NAMES]  # noqa: SLF001 - the face's own table
    settings = ["get_config", "set_config", "reset_config", "config_context", "nap_config"]
    engine = [n for n in memphys.engine.__all__ if not n.isupper()]
    return [
        ("timeseries", "Time series (pynapple's API)",
         "The data model of `import memphys as nap`: lazy time series over memory maps, "
         "Zarr, HDF5/NWB; a regular time index costs a few bytes.",
         "memphys", model + settings),
        ("io", "Files and folders",
         "Readers and writers: `load_file` picks a reader from the registry "
         "(`memphys.io.readers`); other packages add readers through the entry point group "
         "`memphys.readers`.",
         "memphys", files),
        ("analyses", "Analyses",
         "pynapple's analyses, each a block operation run by the engine in bounded memory.",
         "memphys", sorted(PROCESS)),
        ("figures", "Figures (memphys.plot)",
         "Figures over both faces; each function takes `ax=` and returns what it drew.",
         "memphys.plot", list(memphys.plot.__all__)),
        ("engine", "Engine and block operations",
         "The chunked engine: block operations (`BlockOp`), plans, executors, sinks, "
         "reducers and job kwargs; `memphys.core.apply_blocks` runs an operation on a time "
         "series (see *Adding an out-of-core analysis*).",
         "memphys.engine", engine),
    ] + _ephys_parts(list(memphys.ephys.__all__))  # fmt: skip


#: The SpikeInterface face's pages: (page, title, introduction, defining modules). A name
#: goes to the page of the module that defines it (``memphys.ephys.<module>``); names of
#: modules not listed here go to the first page, so that no public name is left out.
EPHYS_PAGES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("ephys-recordings", "Recordings (SpikeInterface's API)",
     "`import memphys.ephys as si`: SpikeInterface-core 0.105's recordings over memphys's "
     "lazy sources and engine, their folders and stores, channel and segment tools.",
     ("base", "baserecording", "baserecordingsnippets", "astyperecording", "binaryfolder",
      "binaryrecordingextractor", "channelsaggregationrecording", "channelslice",
      "frameslicerecording", "numpyextractors", "recording_tools", "segmentutils",
      "time_series", "zarrextractors", "probes", "loading")),
    ("ephys-sortings", "Sortings, events and snippets",
     "Spike sortings, events and waveform snippets, their folders, stores and selections.",
     ("basesorting", "baseevent", "basesnippets", "frameslicesorting", "npysnippets",
      "npzsortingextractor", "numpysorting", "nwbsorting", "sorting_segments",
      "sorting_segmentutils", "sorting_tools", "sortingfolder", "snippets_tools",
      "spike_selection", "unitsaggregation", "unitsselection", "zarrsorting")),
    ("ephys-analyzer", "SortingAnalyzer, templates and sparsity",
     "`create_sorting_analyzer` and its core extensions (random spikes, waveforms, "
     "templates, noise levels), channel sparsity, templates and waveform tools.",
     ("sortinganalyzer", "analyzer_create", "analyzer_curation", "analyzer_extension",
      "analyzer_extension_core", "analyzer_templates", "sparsity", "template",
      "template_tools", "waveform_tools")),
    ("ephys-vendors", "Vendor files and NWB",
     "Recordings and sortings of acquisition systems (SpikeGLX, Open Ephys, Intan, Plexon, "
     "Neuroscope, any Neo RawIO) read through Neo's parsers; recordings and sortings "
     "read from and written to NWB.",
     ("nwb", "nwbrecording", "neobaseextractor", "neuroscope", "neuroscopesorting", "intan", "openephys", "plexon",
      "spikeglx")),
    ("ephys-generators", "Generated recordings and ground truth",
     "Noise recordings, spike trains, templates and ground-truth recordings, generated "
     "lazily (for tests, benchmarks and examples).",
     ("recording_generators", "sorting_generators", "generate_ground_truth",
      "template_generators")),
    ("ephys-bridges", "Between the two faces",
     "A recording as a TsdFrame, a sorting as a TsGroup, events as Ts, and back.",
     ("to_pynapple", "from_pynapple")),
    ("ephys-jobs", "Jobs and global settings",
     "Job kwargs, the chunk executor and the global folders of the SpikeInterface face.",
     ("globals", "job_tools", "core_tools")),
]  # fmt: skip


def _ephys_parts(names: list[str]) -> list[tuple[str, str, str, str, list[str]]]:
    import memphys.ephys

    owner = {m: page for page, _, _, modules in EPHYS_PAGES for m in modules}
    per_page: dict[str, list[str]] = {page: [] for page, *_ in EPHYS_PAGES}
    for n in names:
        module = getattr(getattr(memphys.ephys, n, None), "__module__", None) or ""
        per_page[owner.get(module.rpartition(".")[2], EPHYS_PAGES[0][0])].append(n)
    return [(page, title, intro, "memphys.ephys", per_page[page]) for page, title, intro, _ in EPHYS_PAGES]


def write(folder: Path) -> list[str]:
    """Write one ``.rst`` page per part into ``folder``; return their names."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for page, title, intro, module, names in _names():
        mod = importlib.import_module(module)
        documented = [n for n in names if _documented(mod, n)]
        lines = [title, "=" * len(title), "", _rst(intro), "", f".. currentmodule:: {module}", ""]
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in documented]
        text = "\n".join(lines) + "\n"
        path = folder / f"{page}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        pages.append(page)
    for stale in folder.glob("*.rst"):  # a page no longer written (renamed, split)
        if stale.stem not in pages:
            stale.unlink()
    return pages


def _documented(mod: object, name: str) -> bool:
    try:
        obj = getattr(mod, name)
    except Exception:
        return False
    return bool(getattr(obj, "__doc__", None)) and not isinstance(obj, (str, int, float, tuple))


def _rst(markdown: str) -> str:
    return markdown.replace("`", "``").replace("*", "")
