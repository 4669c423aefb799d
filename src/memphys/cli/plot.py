"""``memphys plot ...``: figures of a file, written as PNG (or any format matplotlib writes).

- ``memphys plot traces FILE --start 600 --duration 10 --channels 0:32 -o traces.png``:
  a window of traces (the whole file by default), drawn as a min/max envelope per pixel
  column through the engine when it is long, sample by sample when it is short;
- ``memphys plot psd FILE``: the mean power spectral density (Welch) per channel;
- ``memphys plot probe FILE``: a probe (probeinterface ``.json`` / ``.prb``, or the probe
  of a recording folder written by :mod:`memphys.ephys` or SpikeInterface);
- ``memphys plot templates ANALYZER``: a sorting analyzer's unit templates.

Inputs are opened as ``memphys info`` and ``memphys convert`` open them (the same
``--n-channels``, ``--sampling-rate``, ``--dtype``, ``--format`` and ``--stream``
options); a recording folder or zarr store of :mod:`memphys.ephys`/SpikeInterface is read
with ``memphys.ephys.load``. Figures are drawn without pyplot (no window opens) and written
under a temporary name renamed when complete; the command prints the path written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from memphys.cli._common import (
    SourceOptions,
    handle_errors,
    job_kwargs,
    job_options,
    open_source,
    source_options,
)
from memphys.errors import MemphysValueError

__all__ = ["parse_channels", "plot_group", "save_figure"]

#: Files that mark a folder written by memphys.ephys / SpikeInterface.
_EPHYS_MARKERS = ("si_folder.json", "binary.json", "provenance.json", "spikeinterface_info.json")


def parse_channels(text: str | None) -> Any:
    """``"0:32"`` -> ``slice(0, 32)``, ``"1,4,7"`` -> ``[1, 4, 7]``, ``"5"`` -> ``[5]``.

    >>> parse_channels("0:32"), parse_channels("1,4, 7"), parse_channels("::2")
    (slice(0, 32, None), [1, 4, 7], slice(None, None, 2))
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if ":" in text:
            parts = [int(p) if p.strip() else None for p in text.split(":")]
            if len(parts) > 3:
                raise ValueError(text)
            return slice(*parts)
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise MemphysValueError(
            f"Invalid option --channels: expected positions such as '0:32', '::2' or "
            f"'1,4,7', but got {text!r}."
        ) from None


def _new_figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def save_figure(fig: Any, path: Path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` through a temporary name renamed when complete."""
    fmt = path.suffix.lstrip(".").lower() or "png"
    tmp = path.with_name(path.name + ".partial")
    try:
        fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _output(path: Path, output: Path | None, what: str) -> Path:
    dst = output if output is not None else Path(f"{path.stem or path.name}.{what}.png")
    if not dst.parent.exists():
        raise click.ClickException(
            f"Invalid value for -o/--output: the folder {str(dst.parent)!r} does not exist."
        )
    return dst


def _is_ephys_folder(path: Path) -> bool:
    return path.is_dir() and any((path / m).exists() for m in _EPHYS_MARKERS)


def _open_signal(path: Path, opts: SourceOptions) -> tuple[Any, str]:
    """A recording or time series from ``path``, and a short name for titles."""
    if _is_ephys_folder(path) and opts.fmt is None:
        import memphys.ephys as si

        return si.load(path), path.name
    obj, key = open_source(path, opts)
    return obj, path.name + (f" [{key}]" if key else "")


def _window(obj: Any, start: float | None, duration: float | None, end: float | None) -> Any:
    if duration is not None and end is not None:
        raise click.ClickException("Give either --duration or --end, not both.")
    if duration is not None:
        if start is None:
            start = 0.0 if not hasattr(obj, "start_time") else float(obj.start_time())
        end = start + float(duration)
    return start, end


def _figure_options(func: Any) -> Any:
    options = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Figure to write (.png, .svg, .pdf ...; default: FILE's name + .<plot>.png "
            "in the current folder).",
        ),
        click.option("--width", type=float, default=None, help="Figure width in inches."),
        click.option("--height", type=float, default=None, help="Figure height in inches."),
        click.option("--dpi", type=int, default=100, show_default=True, help="Resolution."),
        click.option("--title", default=None, help="Title (default: the file's name)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(name="plot")
def plot_group() -> None:
    """Draw a file: traces, power spectra, probes, unit templates."""


@plot_group.command(name="traces")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--start", type=float, default=None, help="Start of the window in seconds.")
@click.option("--duration", type=float, default=None, help="Length of the window in seconds.")
@click.option("--end", type=float, default=None, help="End of the window (instead of --duration).")
@click.option(
    "--channels", default=None, help="Channel positions: '0:32', '::4' or '1,5,9' (default all)."
)
@click.option("--segment", type=int, default=None, help="Segment of a multi-segment recording.")
@click.option(
    "--events",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A file of events to mark (a Ts, Tsd or IntervalSet that load_file reads).",
)
@click.option(
    "--mode",
    type=click.Choice(["auto", "lines", "envelope"]),
    default="auto",
    show_default=True,
    help="Samples, or min/max per pixel column (auto: by the window's length).",
)
@_figure_options
@source_options
@job_options
def traces_command(
    path: Path,
    start: float | None,
    duration: float | None,
    end: float | None,
    channels: str | None,
    segment: int | None,
    events: Path | None,
    mode: str,
    output: Path | None,
    width: float | None,
    height: float | None,
    dpi: int,
    title: str | None,
    n_channels: int | None,
    sampling_rate: float | None,
    dtype: str | None,
    fmt: str | None,
    stream: str | None,
    n_jobs: int | None,
    chunk_duration: str | None,
    progress: bool,
) -> None:
    """Draw traces of PATH (the whole file by default) in bounded memory.

    \b
    Examples:
      memphys plot traces rec.dat --n-channels 64 --sampling-rate 30000 \\
          --start 600 --duration 10 --channels 0:32 -o traces.png
      memphys plot traces session.zarr -o whole.png
    """
    from memphys.plot import plot_traces

    opts = SourceOptions(n_channels, sampling_rate, dtype, fmt, stream)
    with handle_errors():
        dst = _output(path, output, "traces")
        obj, name = _open_signal(path, opts)
        a, b = _window(obj, start, duration, end)
        ev = None
        if events is not None:
            import memphys as nap

            ev = nap.load_file(events)
        n_ch = _n_channels(obj)
        fig, ax = _new_figure(width or 11.0, height or min(9.0, 1.8 + 0.22 * n_ch))
        out = plot_traces(
            obj,
            a,
            b,
            parse_channels(channels),
            segment_index=segment,
            events=ev,
            ax=ax,
            mode=mode,
            title=title if title is not None else name,
            progress_bar=progress,
            **job_kwargs(n_jobs, chunk_duration),
        )
        save_figure(fig, dst, dpi)
    click.echo(
        f"wrote {dst} ({len(out.channel_ids)} channels, "
        + ("samples" if out.edges is None else f"min/max of {len(out.edges) - 1} columns")
        + ")"
    )


def _n_channels(obj: Any) -> int:
    if hasattr(obj, "get_num_channels"):
        return int(obj.get_num_channels())
    shape = getattr(obj, "shape", (0, 1))
    return int(shape[1]) if len(shape) > 1 else 1


@plot_group.command(name="psd")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--start", type=float, default=None, help="Start of the part used, in seconds.")
@click.option("--duration", type=float, default=None, help="Length of the part used.")
@click.option("--channels", default=None, help="Channel positions: '0:32' or '1,5,9'.")
@click.option(
    "--interval-size", type=float, default=None, help="Welch window in seconds (default 2 s)."
)
@click.option("--fmin", type=float, default=0.0, show_default=True, help="Lowest frequency.")
@click.option("--fmax", type=float, default=None, help="Highest frequency (default Nyquist).")
@click.option("--segment", type=int, default=None, help="Segment of a multi-segment recording.")
@_figure_options
@source_options
@job_options
def psd_command(
    path: Path,
    start: float | None,
    duration: float | None,
    channels: str | None,
    interval_size: float | None,
    fmin: float,
    fmax: float | None,
    segment: int | None,
    output: Path | None,
    width: float | None,
    height: float | None,
    dpi: int,
    title: str | None,
    n_channels: int | None,
    sampling_rate: float | None,
    dtype: str | None,
    fmt: str | None,
    stream: str | None,
    n_jobs: int | None,
    chunk_duration: str | None,
    progress: bool,
) -> None:
    """Draw the mean power spectral density of PATH per channel (through the engine).

    \b
    Examples:
      memphys plot psd session.zarr --fmax 300 -o psd.png
      memphys plot psd rec.dat --n-channels 16 --sampling-rate 1250 --start 600 --duration 60
    """
    from memphys.plot import plot_psd
    from memphys.plot._recording import is_recording, recording_as_series

    opts = SourceOptions(n_channels, sampling_rate, dtype, fmt, stream)
    with handle_errors():
        dst = _output(path, output, "psd")
        obj, name = _open_signal(path, opts)
        series = recording_as_series(obj, segment) if is_recording(obj) else obj
        a, b = _window(series, start, duration, None)
        if a is not None or b is not None:
            import memphys as nap

            a = float(series.start_time()) if a is None else a
            b = float(series.end_time()) if b is None else b
            series = series.restrict(nap.IntervalSet(a, b))
        fig, ax = _new_figure(width or 7.0, height or 4.5)
        out = plot_psd(
            series,
            ax=ax,
            interval_size=interval_size,
            channels=parse_channels(channels),
            freq_range=(fmin, fmax),
            progress_bar=progress,
            **job_kwargs(n_jobs, chunk_duration),
        )
        if is_recording(obj) and obj.has_scaleable_traces():
            ax.set_ylabel("power (µV²/Hz)")
        ax.set_title(title if title is not None else name, fontsize=9, loc="left")
        save_figure(fig, dst, dpi)
    click.echo(f"wrote {dst} ({len(out['lines'])} channels)")


@plot_group.command(name="probe")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--channel-ids/--no-channel-ids",
    default=None,
    help="Write channel ids on the contacts (default: up to 64 contacts).",
)
@_figure_options
def probe_command(
    path: Path,
    channel_ids: bool | None,
    output: Path | None,
    width: float | None,
    height: float | None,
    dpi: int,
    title: str | None,
) -> None:
    """Draw the probe of PATH: a probeinterface .json or .prb file, or a recording folder
    (memphys.ephys / SpikeInterface) with a probe attached.

    \b
    Examples:
      memphys plot probe probe.json -o probe.png
      memphys plot probe recording_folder/
    """
    from memphys.plot import plot_probe

    with handle_errors():
        dst = _output(path, output, "probe")
        obj = _open_probe(path)
        fig, ax = _new_figure(width or 5.0, height or 8.0)
        out = plot_probe(obj, ax=ax, with_channel_ids=channel_ids, title=title)
        save_figure(fig, dst, dpi)
    click.echo(f"wrote {dst} ({len(out['channel_labels'])} contacts)")


def _open_probe(path: Path) -> Any:
    suffix = path.suffix.lower()
    if path.is_file() and suffix == ".json":
        from probeinterface import read_probeinterface

        return read_probeinterface(path)
    if path.is_file() and suffix == ".prb":
        from probeinterface import read_prb

        return read_prb(path)
    if _is_ephys_folder(path) or suffix == ".zarr":
        import memphys.ephys as si

        return si.load(path)
    raise MemphysValueError(
        f"Invalid value for PATH: expected a probeinterface .json or .prb file or a recording "
        f"folder with a probe, but got {str(path)!r}."
    )


@plot_group.command(name="templates")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--units", default=None, help="Unit ids to draw, comma-separated (default all).")
@_figure_options
def templates_command(
    path: Path,
    units: str | None,
    output: Path | None,
    width: float | None,
    height: float | None,
    dpi: int,
    title: str | None,
) -> None:
    """Draw the unit templates of the sorting analyzer saved at PATH.

    \b
    Example:
      memphys plot templates analyzer_folder/ -o templates.png
    """
    import memphys.ephys as si
    from memphys.plot import plot_unit_templates

    with handle_errors():
        dst = _output(path, output, "templates")
        loader = getattr(si, "load_sorting_analyzer", None)
        if loader is None:
            raise MemphysValueError(
                "Invalid command: reading a sorting analyzer needs "
                "memphys.ephys.load_sorting_analyzer, which this installation does not have."
            )
        analyzer = loader(path)
        unit_ids = _unit_ids(analyzer, units)
        n = len(unit_ids) if unit_ids is not None else len(analyzer.unit_ids)
        cols = min(n, 6)
        rows = -(-n // cols)
        from matplotlib.figure import Figure

        fig = Figure(
            figsize=(width or 2.2 * cols, height or 3.6 * rows), dpi=100, layout="constrained"
        )
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
        for extra in axes[n:]:
            extra.set_visible(False)
        plot_unit_templates(analyzer, unit_ids, ax=list(axes[:n]))
        if title:
            fig.suptitle(title, fontsize=10)
        save_figure(fig, dst, dpi)
    click.echo(f"wrote {dst} ({n} units)")


def _unit_ids(analyzer: Any, units: str | None) -> list[Any] | None:
    if not units:
        return None
    known = {str(u): u for u in analyzer.unit_ids}
    wanted = [u.strip() for u in units.split(",") if u.strip()]
    missing = [u for u in wanted if u not in known]
    if missing:
        raise MemphysValueError(
            f"Invalid option --units: allowed ids are {', '.join(known)}, but got "
            f"{', '.join(missing)}."
        )
    return [known[u] for u in wanted]
