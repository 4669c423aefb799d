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
        ("ephys", "Recordings (SpikeInterface's API)",
         "`import memphys.ephys as si`: SpikeInterface-core 0.105's recordings over "
         "memphys's lazy sources and engine.",
         "memphys.ephys", list(memphys.ephys.__all__)),
    ]  # fmt: skip


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
    if (folder / "blocks.rst").exists() is False:
        pass
    return pages


def _documented(mod: object, name: str) -> bool:
    try:
        obj = getattr(mod, name)
    except Exception:
        return False
    return bool(getattr(obj, "__doc__", None)) and not isinstance(obj, (str, int, float, tuple))


def _rst(markdown: str) -> str:
    return markdown.replace("`", "``").replace("*", "")
