"""``memphys convert SRC DST``: stream a recording to Zarr (or ``.npy``/raw/``.npz``).

A thin layer over :func:`memphys.io.convert.convert`: the source is opened with
``load_file`` or ``EphysReader`` (see :mod:`memphys.cli._common`), copied block by block
with ``--n-jobs`` workers and a progress bar, written under ``DST.partial`` and renamed
when complete; the summary gives the sizes, compression ratio and throughput.
"""

from __future__ import annotations

import warnings
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

__all__ = ["COMPRESSORS", "convert", "report_rows"]

#: Compressor names of ``--compressor`` (Blosc ones with bit-shuffle).
COMPRESSORS = ("zstd", "lz4", "lz4hc", "blosclz", "zlib", "lzma", "gzip", "bz2", "none")


def report_rows(report: Any) -> list[tuple[str, str]]:
    """Rows of the summary of a :class:`~memphys.io.zarr.store.SaveReport`."""
    stored = f" (stored as {report.stored_dtype})" if report.stored_dtype != report.dtype else ""
    return [
        ("wrote", str(report.path)),
        ("object", f"{report.kind} {tuple(report.shape)} {report.dtype}{stored}"),
        (
            "size",
            f"{fmt_bytes(report.nbytes)} -> {fmt_bytes(report.stored_bytes)} on disk "
            f"(ratio {report.ratio:.2f})",
        ),
        ("time", f"{report.seconds:.2f} s ({report.mb_per_s:.0f} MB/s)"),
    ]


_ZARR_OPTIONS = ("compressor", "level", "filters", "shrink_integers")


def _zarr_only(dst: Path, nwb: bool = False) -> None:
    """Refuse compression options given for an output that is not a Zarr store (an NWB
    output takes ``--compressor gzip|none`` and ``--level``)."""
    if dst.suffix.lower() == ".zarr" and not nwb:
        return
    ctx = click.get_current_context()
    given = [
        name
        for name in _ZARR_OPTIONS
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
        and not (nwb and name in ("compressor", "level"))
    ]
    if given:
        flag = "--" + ("filter" if given[0] == "filters" else given[0].replace("_", "-"))
        if nwb:
            raise click.UsageError(
                f"{flag} does not apply to NWB outputs ({str(dst)!r}): they take "
                "--compressor gzip|none and --level only."
            )
        raise click.UsageError(
            f"{flag} applies to .zarr outputs only; {str(dst)!r} is written uncompressed."
        )


def _filters(names: tuple[str, ...], obj: Any, shrink: bool) -> list[Any] | None:
    if not names:
        return None
    import numcodecs

    dtype = np.dtype(getattr(obj, "dtype", "float64"))
    if shrink and dtype.kind in "iu":
        raise click.UsageError(
            "--filter delta and --shrink-integers cannot be combined: the delta filter "
            "needs the stored dtype, which --shrink-integers chooses while writing."
        )
    return [numcodecs.Delta(dtype=dtype.str) for _ in names]


@click.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("dst", type=click.Path(path_type=Path))
@source_options
@click.option(
    "--compressor",
    type=click.Choice(COMPRESSORS, case_sensitive=False),
    default="zstd",
    show_default=True,
    help="Zarr compressor: Blosc zstd/lz4/lz4hc/blosclz/zlib with bit-shuffle, or lzma, "
    "gzip, bz2, none.",
)
@click.option(
    "--level", type=click.IntRange(0, 9), default=5, show_default=True, help="Compression level."
)
@click.option(
    "--filter",
    "filters",
    type=click.Choice(("delta",), case_sensitive=False),
    multiple=True,
    help="Filter applied before compression (repeatable): delta stores sample differences.",
)
@click.option(
    "--shrink-integers",
    is_flag=True,
    help="Store integers in the smallest integer type that holds all values (one extra "
    "pass for the min/max).",
)
@click.option(
    "--to",
    "to",
    type=click.Choice(("zarr", "npy", "raw", "npz", "nwb"), case_sensitive=False),
    default=None,
    help="Output format (default: from DST's suffix). nwb writes a recording (a vendor "
    "stream with its probe, or a TsdFrame) as an ElectricalSeries with its electrodes "
    "table, gzip-compressed (--compressor none: uncompressed; --level: the gzip level).",
)
@job_options
@click.option(
    "--overwrite/--no-overwrite",
    default=False,
    show_default=True,
    help="Replace an existing DST (only once the new one is complete).",
)
def convert(
    src: Path,
    dst: Path,
    n_channels: int | None,
    sampling_rate: float | None,
    dtype: str | None,
    fmt: str | None,
    stream: str | None,
    compressor: str,
    level: int,
    filters: tuple[str, ...],
    shrink_integers: bool,
    to: str | None,
    n_jobs: int | None,
    chunk_duration: str | None,
    progress: bool,
    overwrite: bool,
) -> None:
    """Convert the recording SRC to DST, streaming, in parallel, crash-safely.

    DST's suffix (or --to) chooses the format: .zarr (compressed; the default codec is
    Blosc zstd level 5 with bit-shuffle), .npy, .dat/.bin/.raw (raw binary), .npz or .nwb
    (an ElectricalSeries with the probe's electrodes table). SRC is any file
    or folder `memphys info` reads; use --stream to pick one stream of a multi-stream
    recording. The output is written as DST.partial and renamed when complete, so an
    interrupted conversion never leaves a DST that looks complete.

    \b
    Examples:
      memphys convert rec.dat rec.zarr --n-channels 64 --sampling-rate 30000 --n-jobs 2
      memphys convert spikeglx_folder/ ap.zarr --stream 0:imec0.ap --compressor lz4
      memphys convert spikeglx_folder/ ap.nwb --stream 0:imec0.ap --to nwb
    """
    opts = SourceOptions(n_channels, sampling_rate, dtype, fmt, stream)
    to_nwb = (to or "").lower() == "nwb" or (to is None and dst.suffix.lower() == ".nwb")
    _zarr_only(dst, nwb=to_nwb)
    check_output(dst, overwrite)
    if to_nwb:
        _to_nwb(src, dst, opts, compressor, level, chunk_duration, progress, overwrite)
        return
    from memphys.io.convert import convert as convert_file

    codec_kwargs: dict[str, Any] = {}
    with handle_errors():
        if src.exists() and dst.exists() and src.resolve() == dst.resolve():
            raise click.UsageError("SRC and DST are the same path; write to another path.")
        obj, key = open_source(src, opts)
        if dst.suffix.lower() == ".zarr":
            codec_kwargs = {
                "compressor": None if compressor.lower() == "none" else compressor.lower(),
                "filters": _filters(filters, obj, shrink_integers),
                "level": level,
                "shrink_integers": shrink_integers,
            }
        if key is not None:
            click.echo(f"converting stream {key!r} of {src}")
        report = convert_file(
            obj,
            dst,
            overwrite=overwrite,
            progress_bar=progress,
            **codec_kwargs,
            **job_kwargs(n_jobs, chunk_duration, sampling_rate_of(obj)),
        )
    rows = report_rows(report)
    if dst.suffix.lower() == ".zarr":
        import zarr

        from memphys.cli.info import codec_rows

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numcodecs codecs are not in the Zarr")
            group = zarr.open_group(str(dst), mode="r")
            arr = group.get("d")
            if isinstance(arr, zarr.Array):
                rows += codec_rows(arr)
    click.echo(table(rows, "memphys convert: done"))


def _to_nwb(
    src: Path,
    dst: Path,
    opts: SourceOptions,
    compressor: str,
    level: int,
    chunk_duration: str | None,
    progress: bool,
    overwrite: bool,
) -> None:
    """``--to nwb``: the source as a ``memphys.ephys`` recording, written with
    :func:`memphys.ephys.write_recording_to_nwb` (streamed, crash-safe, validated)."""
    import time

    import memphys.ephys as si
    from memphys.cli._common import open_container
    from memphys.cli.ephys import probe_rows, recording_for
    from memphys.cli.info import _disk_bytes

    name = compressor.lower()
    if name not in ("gzip", "zstd", "none"):  # zstd: the default of every format
        raise click.UsageError(
            f"--to nwb writes gzip-compressed or uncompressed data (HDF5 filters every reader "
            f"has): use --compressor gzip or none, not {compressor!r}."
        )
    with handle_errors():
        container = open_container(src, opts)
        obj, key = open_source(src, opts)
        rec = recording_for(src, container, key, obj)
        if key is not None:
            click.echo(f"converting stream {key!r} of {src}")
        t0 = time.perf_counter()
        kwargs = job_kwargs(None, chunk_duration, rec.get_sampling_frequency())
        si.write_recording_to_nwb(
            rec,
            dst,
            compression=None if name == "none" else "gzip",
            compression_opts=None if name == "none" else level,
            overwrite=overwrite,
            progress_bar=progress,
            **kwargs,
        )
        seconds = time.perf_counter() - t0
    nbytes = rec.get_total_memory_size()
    disk = _disk_bytes(dst)
    rows = [
        ("wrote", str(dst)),
        (
            "object",
            f"ElectricalSeries {rec.get_num_samples()} x {rec.get_num_channels()} "
            f"{rec.get_dtype()}",
        ),
        *[(k if k.startswith("probe") else f"probe {k}", v) for k, v in probe_rows(rec)],
        (
            "size",
            f"{fmt_bytes(nbytes)} -> {fmt_bytes(disk)} on disk (ratio {nbytes / max(disk, 1):.2f})",
        ),
        ("time", f"{seconds:.2f} s ({nbytes / 1e6 / max(seconds, 1e-9):.0f} MB/s)"),
    ]
    click.echo(table(rows, "memphys convert: done"))
