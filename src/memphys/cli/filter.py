"""``memphys filter SRC DST --band LOW HIGH``: filter a recording to a ``.zarr`` or ``.npy``.

A thin layer over :mod:`memphys.process.filtering` (``apply_bandpass_filter`` and its
low-/high-pass siblings) with ``out=DST``: the result streams to disk block by block, as
floats (float32 for integer input), under a temporary name renamed when complete.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from memphys.cli._common import (
    SourceOptions,
    check_output,
    fmt_bytes,
    handle_errors,
    job_kwargs,
    job_options,
    open_source,
    sampling_rate_of,
    source_options,
    table,
)

__all__ = ["filter_command", "run_filter"]


def run_filter(
    obj: Any,
    dst: Path,
    band: tuple[float, float] | None,
    low: float | None,
    high: float | None,
    stop: bool = False,
    **kwargs: Any,
) -> tuple[str, Any, Any]:
    """Apply the filter chosen by the options; return ``(description, cutoff, result)``.

    ``band`` (or both ``low`` and ``high``): band-pass (band-stop with ``stop``); ``low``
    only: high-pass above it; ``high`` only: low-pass below it.
    """
    import memphys as nap

    if band is not None and (low is not None or high is not None):
        raise click.UsageError("Give either --band LOW HIGH or --low/--high, not both.")
    if band is None and low is not None and high is not None:
        band = (low, high)
    if band is not None:
        func = nap.apply_bandstop_filter if stop else nap.apply_bandpass_filter
        name = "band-stop" if stop else "band-pass"
        return f"{name} {band[0]:g}-{band[1]:g} Hz", band, func(obj, band, out=str(dst), **kwargs)
    if stop:
        raise click.UsageError("--stop needs a band: --band LOW HIGH.")
    if low is not None:
        return (
            f"high-pass above {low:g} Hz",
            low,
            nap.apply_highpass_filter(obj, low, out=str(dst), **kwargs),
        )
    if high is not None:
        return (
            f"low-pass below {high:g} Hz",
            high,
            nap.apply_lowpass_filter(obj, high, out=str(dst), **kwargs),
        )
    raise click.UsageError("Give a band: --band LOW HIGH, or --low F (high-pass), --high F.")


@click.command("filter")
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("dst", type=click.Path(path_type=Path))
@click.option(
    "--band",
    nargs=2,
    type=float,
    default=None,
    metavar="LOW HIGH",
    help="Band-pass between LOW and HIGH Hz.",
)
@click.option("--low", type=float, default=None, help="Low cutoff in Hz alone: high-pass above it.")
@click.option(
    "--high", type=float, default=None, help="High cutoff in Hz alone: low-pass below it."
)
@click.option("--stop", is_flag=True, help="Band-stop (reject the --band) instead of band-pass.")
@click.option("--order", type=int, default=4, show_default=True, help="Butterworth filter order.")
@click.option(
    "--mode",
    type=click.Choice(("butter", "sinc")),
    default="butter",
    show_default=True,
    help="Zero-phase Butterworth, or windowed-sinc convolution.",
)
@click.option(
    "--transition-bandwidth",
    type=float,
    default=0.02,
    show_default=True,
    help="Windowed sinc: transition band as a fraction of the sampling rate.",
)
@click.option(
    "--out-dtype",
    type=click.Choice(("float32", "float64")),
    default=None,
    help="Output type (default float32 for integer or float32 input, float64 for float64).",
)
@source_options
@job_options
@click.option(
    "--overwrite/--no-overwrite",
    default=False,
    show_default=True,
    help="Replace an existing DST (only once the new one is complete).",
)
def filter_command(
    src: Path,
    dst: Path,
    band: tuple[float, float] | None,
    low: float | None,
    high: float | None,
    stop: bool,
    order: int,
    mode: str,
    transition_bandwidth: float,
    out_dtype: str | None,
    n_channels: int | None,
    sampling_rate: float | None,
    dtype: str | None,
    fmt: str | None,
    stream: str | None,
    n_jobs: int | None,
    chunk_duration: str | None,
    progress: bool,
    overwrite: bool,
) -> None:
    """Filter the recording SRC into DST (.zarr or .npy), block by block.

    Each epoch of the time support is filtered as a separate signal, as pynapple does;
    the output is float (never the input's integer type). SRC is read as by
    `memphys info` (raw binary options, --format, --stream).

    \b
    Examples:
      memphys filter rec.dat theta.zarr --band 6 10 --n-channels 16 --sampling-rate 1250
      memphys filter rec.dat hp.npy --low 300 --n-channels 64 --sampling-rate 30000
    """
    suffix = dst.suffix.lower()
    if suffix not in (".zarr", ".npy"):
        raise click.UsageError(
            f"DST must end in '.zarr' or '.npy' (the filtered signal is streamed to disk), "
            f"but got {str(dst)!r}."
        )
    opts = SourceOptions(n_channels, sampling_rate, dtype, fmt, stream)
    check_output(dst, overwrite)
    kwargs: dict[str, Any] = {
        "mode": mode,
        "order": order,
        "transition_bandwidth": transition_bandwidth,
        "dtype": out_dtype,
        "progress_bar": progress,
    }
    with handle_errors():
        obj, key = open_source(src, opts)
        if type(obj).__name__ not in ("Tsd", "TsdFrame", "TsdTensor"):
            from memphys.errors import MemphysTypeError

            raise MemphysTypeError(
                f"Invalid value for SRC: expected a Tsd, TsdFrame or TsdTensor to filter, but "
                f"{str(src)!r} holds a {type(obj).__name__}."
            )
        if key is not None:
            click.echo(f"filtering stream {key!r} of {src}")
        kwargs.update(job_kwargs(n_jobs, chunk_duration, sampling_rate_of(obj)))
        t0 = time.perf_counter()
        what, _, result = run_filter(obj, dst, band, low, high, stop, **kwargs)
        seconds = time.perf_counter() - t0
    in_bytes = int(np.prod(obj.shape, dtype=np.int64)) * np.dtype(obj.dtype).itemsize
    rate = float(obj.rate)
    rows = [
        ("wrote", str(dst)),
        ("filter", f"{what}, {mode}" + (f" order {order}" if mode == "butter" else "")),
        ("output", f"{type(result).__name__} {tuple(result.shape)} {result.dtype}"),
        ("input", f"{fmt_bytes(in_bytes)} at {rate:g} Hz"),
        ("time", f"{seconds:.2f} s ({in_bytes / 1e6 / max(seconds, 1e-9):.0f} MB/s of input)"),
    ]
    rows.append(("read back", f"memphys.load_file({str(dst)!r}, rate={rate:g})"))
    click.echo(table(rows, "memphys filter: done"))
