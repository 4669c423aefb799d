"""``memphys demo``: the "handling memory maps" workflow on a generated recording.

It writes a 16-channel int16 raw file at 1250 Hz (an hour by default) to a temporary
folder, memory-maps it, wraps it lazily on a regular time index, restricts it to an
epoch, and prints what it holds, reading only the rows it needs. It then converts the
recording to a compressed Zarr store beside it (``convert``, two workers) and checks that
the store, read back with ``load_file``, gives the same epoch.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np

__all__ = ["DemoResult", "run_demo", "demo"]


def rss_anon_mb() -> float | None:
    """Resident anonymous memory of this process in MB (Linux), None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclasses.dataclass
class DemoResult:
    """What :func:`run_demo` did, for printing and for tests."""

    path: Path
    n_samples: int
    n_channels: int
    rate: float
    write_seconds: float
    epoch: Any
    epoch_data: np.ndarray
    epoch_times: np.ndarray
    rows_read: int
    lines: list[str]
    zarr_report: Any = None
    zarr_identical: bool | None = None


def run_demo(
    folder: str | os.PathLike[str],
    minutes: float = 60.0,
    n_channels: int = 16,
    rate: float = 1250.0,
    echo: Callable[[str], None] = print,
    progress: bool = True,
    n_jobs: int = 2,
    figure: str | os.PathLike[str] | None = None,
) -> DemoResult:
    """Run the demo workflow in ``folder``; print with ``echo``; return what it did.

    Examples
    --------
    >>> import tempfile
    >>> r = run_demo(tempfile.mkdtemp(), minutes=0.5, echo=lambda s: None, progress=False)
    >>> r.epoch_data.shape, r.epoch_data.dtype
    ((3751, 16), dtype('int16'))
    """
    import memphys as nap
    from memphys.engine import MeanVar, reduce_chunks
    from memphys.io.synthetic import write_synthetic_binary

    lines: list[str] = []

    def say(text: str = "") -> None:
        lines.append(text)
        echo(text)

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.dat"
    n_samples = max(round(minutes * 60 * rate), 2)
    nbytes = n_samples * n_channels * 2
    say(
        f"memphys demo: {n_channels} channels x {n_samples:,} samples at {rate:g} Hz "
        f"({n_samples / rate / 60:.1f} min, {nbytes / 1e6:.1f} MB of int16)"
    )

    # 1. write the raw file (bounded memory, crash-safe)
    t0 = time.perf_counter()
    bar = _progress_bar(progress, nbytes, "writing")
    write_synthetic_binary(
        path,
        n_samples=n_samples,
        n_channels=n_channels,
        rate=rate,
        progress=bar.update if bar is not None else None,
    )
    if bar is not None:
        bar.close()
    write_s = time.perf_counter() - t0
    say(f"  wrote {path} in {write_s:.1f} s ({nbytes / 1e6 / max(write_s, 1e-9):.0f} MB/s)")

    # 2. memory-map it and wrap it as pynapple would: nothing is read, no index is copied
    mm = np.memmap(path, dtype="int16", mode="r", shape=(n_samples, n_channels))
    t1 = time.perf_counter()
    eeg = nap.TsdFrame(t=np.arange(n_samples) / rate, d=mm)
    build_ms = (time.perf_counter() - t1) * 1e3
    index = eeg._ti
    say(
        f"  nap.TsdFrame(t=np.arange(n) / {rate:g}, d=memmap) in {build_ms:.0f} ms: "
        f"values stay a {type(eeg.values).__name__}, the time index is {index!r} "
        f"({index.nbytes} bytes, not {n_samples * 8 / 1e6:.0f} MB)"
    )

    # 3. restrict to an epoch: one contiguous read of just those rows
    duration = n_samples / rate
    start = round(duration * 0.25, 3)
    end = round(start + min(60.0, duration * 0.1), 3)
    epoch = nap.IntervalSet(start=start, end=end)
    t2 = time.perf_counter()
    minute = eeg.restrict(epoch)
    read_ms = (time.perf_counter() - t2) * 1e3
    block = np.asarray(minute.values)
    say(
        f"  eeg.restrict(IntervalSet({start:g}, {end:g})): {len(minute):,} rows, "
        f"{block.nbytes / 1e6:.2f} MB read in {read_ms:.1f} ms "
        f"({block.nbytes / nbytes:.2%} of the file)"
    )
    say()
    for line in str(minute).splitlines():
        say("  " + line)
    say()

    # 4. values at 1,000 events: about 1,000 rows read, not the file
    rng = np.random.default_rng(0)
    events = nap.Ts(t=np.sort(rng.uniform(0, duration, 1000)))
    t3 = time.perf_counter()
    at_events = events.value_from(eeg)
    say(
        f"  Ts(1,000 events).value_from(eeg): shape {at_events.shape} in "
        f"{(time.perf_counter() - t3) * 1e3:.1f} ms"
    )

    # 5. a full pass through the chunked engine: mean and std per channel, in parallel
    t4 = time.perf_counter()
    stats = reduce_chunks(mm, MeanVar(), n_jobs=n_jobs, pool_engine="thread", progress_bar=progress)
    full_s = time.perf_counter() - t4
    say(
        f"  whole recording through the engine (n_jobs={n_jobs}): {full_s:.2f} s "
        f"({nbytes / 1e6 / max(full_s, 1e-9):.0f} MB/s)"
    )
    say(
        "    channel "
        + " ".join(f"{c:>7d}" for c in range(min(n_channels, 8)))
        + (" ..." if n_channels > 8 else "")
    )
    say("    mean    " + " ".join(f"{v:7.2f}" for v in stats.mean[:8]))
    say("    std     " + " ".join(f"{v:7.2f}" for v in np.sqrt(stats.var[:8])))

    # 6. convert to a compressed Zarr store (crash-safe, in parallel) and read it back
    from memphys.io.convert import convert

    zpath = folder / "demo.zarr"
    report = convert(
        path,
        zpath,
        load_kwargs={"n_channels": n_channels, "sampling_rate": rate},
        n_jobs=n_jobs,
        progress_bar=progress,
    )
    say(
        f"  convert({path.name!r}, {zpath.name!r}, n_jobs={n_jobs}): "
        f"{report.nbytes / 1e6:.1f} MB -> {report.stored_bytes / 1e6:.1f} MB on disk "
        f"(ratio {report.ratio:.2f}) in {report.seconds:.2f} s ({report.mb_per_s:.0f} MB/s)"
    )
    back = nap.load_file(zpath).restrict(epoch)
    identical = bool(
        np.array_equal(np.asarray(back.values), block)
        and np.array_equal(np.asarray(back.t), np.asarray(minute.t))
    )
    say(
        f"  Zarr round trip: {'identical' if identical else 'DIFFERENT'} "
        f"(load_file({zpath.name!r}).restrict(epoch) vs the memmap's {len(minute):,} rows)"
    )
    if figure is not None:  # 7. the figure: the whole file as an envelope, a window, the PSD
        from memphys.cli._demo_figure import write_demo_figure

        t5 = time.perf_counter()
        fig_path = write_demo_figure(eeg, Path(figure), n_jobs=n_jobs, progress=progress)
        say(f"  figure: {fig_path.resolve()} ({time.perf_counter() - t5:.1f} s)")
    rss = rss_anon_mb()
    if rss is not None:
        say(f"  resident anonymous memory: {rss:.0f} MB for a {nbytes / 1e6:.0f} MB recording")
    times = np.asarray(minute.t)
    return DemoResult(
        path,
        n_samples,
        n_channels,
        rate,
        write_s,
        epoch,
        block,
        times,
        len(minute),
        lines,
        zarr_report=report,
        zarr_identical=identical,
    )


def _progress_bar(enabled: bool, total: int, desc: str) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


@click.command()
@click.option(
    "--minutes",
    default=60.0,
    show_default=True,
    type=float,
    help="Length of the generated recording, in minutes.",
)
@click.option("--channels", default=16, show_default=True, type=int, help="Number of channels.")
@click.option("--rate", default=1250.0, show_default=True, type=float, help="Sampling rate in Hz.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the generated files in this folder (default: a temporary folder, "
    "removed at the end).",
)
@click.option(
    "--progress/--no-progress", default=True, show_default=True, help="Show progress bars."
)
@click.option(
    "--figure",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("demo.png"),
    show_default=True,
    help="Where to write the demo's figure.",
)
@click.option("--no-figure", is_flag=True, help="Do not draw the figure.")
def demo(
    minutes: float,
    channels: int,
    rate: float,
    folder: Path | None,
    progress: bool,
    figure: Path,
    no_figure: bool,
) -> None:
    """Generate a recording, memory-map it and work on it lazily."""
    from memphys.errors import MemphysError

    tmp = None
    if folder is None:
        tmp = tempfile.mkdtemp(prefix="memphys-demo-")
        folder = Path(tmp)
    try:
        run_demo(
            folder,
            minutes=minutes,
            n_channels=channels,
            rate=rate,
            echo=click.echo,
            progress=progress,
            figure=None if no_figure else figure,
        )
    except MemphysError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
