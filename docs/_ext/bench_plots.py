"""Plots of the measured figures in ``docs/benchmarks.md``, drawn when the site is built.

The tables are read from the Markdown as it stands (so the plots follow the file that the
benchmarks' authors edit): for each ``##`` section, the last table with a time column
(``time (s)``, ``<library> time (s)`` or ``<library> s``) is drawn as horizontal bars of
its times on a log axis, grouped by library when the table compares libraries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks.md"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def tables(text: str | None = None) -> list[tuple[str, list[str], list[list[str]]]]:
    """``(section, header, rows)`` of every Markdown table, with its ``##`` section."""
    text = BENCHMARKS.read_text() if text is None else text
    out: list[tuple[str, list[str], list[list[str]]]] = []
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("|") and i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: "):
            header = _cells(line)
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out.append((section, header, rows))
            continue
        i += 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip().replace("**", "").replace("`", "") for c in line.strip().strip("|").split("|")]


def _number(cell: str) -> float:
    m = _NUMBER.search(cell.replace(",", ""))
    return float(m.group()) if m else float("nan")


def _time_columns(header: list[str]) -> list[int]:
    return [
        k for k, h in enumerate(header)
        if re.search(r"(^|\s)time \(s\)$", h) or re.fullmatch(r"\w+ s \(MB/s\)|\w+ s", h)
    ]  # fmt: skip


def charts() -> list[dict[str, Any]]:
    """One chart per section: its last table with a time column."""
    found: dict[str, dict[str, Any]] = {}
    for section, header, rows in tables():
        cols = _time_columns(header)
        if not cols or not rows:
            continue
        lib = header.index("library") if "library" in header else None
        labels = []
        for r in rows:
            parts = [r[0]] + ([r[1]] if len(header) > 2 and lib != 1 and len(cols) == 1 and header[1] not in ("library",) and not _time_columns([header[1]]) else [])
            labels.append(" / ".join(p for p in parts if p)[:70])
        series: dict[str, list[float]] = {}
        if lib is not None:
            names = list(dict.fromkeys(r[lib] for r in rows))
            ops = list(dict.fromkeys(r[0] for r in rows))
            for name in names:
                series[name] = [
                    next((_number(r[cols[0]]) for r in rows if r[0] == op and r[lib] == name), np.nan)
                    for op in ops
                ]
            labels = [o[:70] for o in ops]
        else:
            for k in cols:
                series[header[k].replace(" time (s)", "").replace(" s (MB/s)", "").replace(" s", "")] = [
                    _number(r[k]) if k < len(r) else np.nan for r in rows
                ]
        found[section] = {"section": section, "labels": labels, "series": series}
    return list(found.values())


def draw_all() -> Any:
    """A figure with one panel per section of benchmarks.md."""
    import matplotlib.pyplot as plt

    items = charts()
    heights = [0.9 + 0.28 * len(c["labels"]) * max(1, len(c["series"])) ** 0.5 for c in items]
    fig, axes = plt.subplots(
        len(items), 1, figsize=(9, sum(heights) + 0.3 * len(items)), squeeze=False,
        gridspec_kw={"height_ratios": heights}, layout="constrained",
    )  # fmt: skip
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    for ax, c in zip(axes[:, 0], items, strict=True):
        n = len(c["labels"])
        k = len(c["series"])
        width = 0.8 / k
        y = np.arange(n)
        for j, (name, vals) in enumerate(c["series"].items()):
            ax.barh(y + (j - (k - 1) / 2) * width, vals, height=width, color=colors[j % 5], label=name)
        ax.set_yticks(y)
        ax.set_yticklabels(c["labels"], fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        finite = [v for vals in c["series"].values() for v in vals if np.isfinite(v) and v > 0]
        if finite:
            ax.set_xlim(min(finite) * 0.5, max(finite) * 1.5)
        from matplotlib.ticker import NullFormatter

        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("time (s), log scale", fontsize=8)
        ax.set_title(c["section"], fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if k > 1:
            ax.legend(fontsize=7, frameon=False, loc="lower right")
    return fig
