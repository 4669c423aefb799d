"""Sphinx configuration of memphys's documentation site.

Build (from the repository root; dependencies in the ``docs`` extra, part of ``dev``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Sources: the Markdown pages of ``docs/`` (MyST: the project's notes ``design.md``,
``compat.md``, ``extending.md``, ``benchmarks.md`` ... are pages of the site as they are,
not copies), the API reference generated from the numpydoc docstrings (autosummary +
numpydoc), and a gallery of examples run at every build (sphinx-gallery; their figures
come from :mod:`memphys.plot`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import memphys  # noqa: E402
from api_pages import write as _write_api_pages  # noqa: E402

_write_api_pages(HERE / "api")

project = "memphys"
author = "memphys developers"
copyright = "memphys developers"  # noqa: A001
release = memphys.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "**/*.md5"]  # fmt: skip
templates_path = ["_templates"]

# --- MyST: the project's Markdown notes as pages ------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- API reference: autosummary + numpydoc ------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters say it; signatures stay readable
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# --- gallery: every example runs at every build ---------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "reference_url": {"memphys": None},
    "write_computation_times": False,
}

# --- matplotlib's plot directive (the benchmark plots) --------------------------------------
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_pre_code = ""

# --- theme -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"memphys {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False
