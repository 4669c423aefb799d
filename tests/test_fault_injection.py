"""Fault injection (issue 11): writers killed at random points leave nothing half-done.

Each operation (``save`` to Zarr and to ``.npy``, ``memphys convert``, ``write_nwb`` and
``make_processed_copy``, all with 2 process workers) runs in a child process forked from
this one (the modules are imported once), in a session of its own so that its workers can
be found even after they are re-parented. Once the child has opened its source, it gets
SIGKILL or SIGTERM after a random delay between 0 and 1.3 times the operation's duration
(the longest of 3 uninterrupted runs; some signals land after it finished). After every
trial:

- no process of the child's session (its workers) is alive within 10 s;
- the source files are byte-identical;
- the output folder lists nothing but the target and, for the engine's writers, its
  ``<target>.partial`` (which ``load_file`` reports as an interrupted write; NWB partial
  files are hidden);
- the target is absent, or loads and equals the source, or ``load_file`` refuses it with
  a memphys error naming it.

All trials of one operation write to the same target (replacing it): each starts with the
leftovers of the previous one (a complete target, a partial output, a stale lock file),
and a last uninterrupted run must leave the target complete and nothing else listed.

The figures (trials, outcomes, slowest worker exit) are printed with ``-s`` and quoted in
``docs/reliability.md``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import memphys as nap
from memphys.errors import MemphysError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and fork"),
]

N_TRIALS = int(os.environ.get("MEMPHYS_FAULT_TRIALS", "20"))  # per operation and signal
N_CH, FS, N_ROWS = 8, 20_000.0, 400_000
JOB = dict(n_jobs=2, pool_engine="process", chunk_size=25_000, progress_bar=False)


def _source(folder: Path) -> nap.TsdFrame:
    return nap.load_file(folder / "src.dat", n_channels=N_CH, sampling_rate=FS)


def _op_save_zarr(src: Path, dst: Path) -> None:
    _source(src).save(dst, **JOB)


def _op_save_npy(src: Path, dst: Path) -> None:
    _source(src).save(dst, **JOB)


def _op_convert(src: Path, dst: Path) -> None:
    from memphys.cli.main import main

    sys.argv = ["memphys", "convert", str(src / "src.dat"), str(dst), "--n-channels",
                str(N_CH), "--sampling-rate", str(FS), "--n-jobs", "2", "--no-progress",
                "--overwrite"]  # fmt: skip
    main()


def _op_write_nwb(src: Path, dst: Path) -> None:
    from memphys.io.nwb.write import write_nwb

    write_nwb(_source(src), dst, "raw", compression=None, overwrite=True, **JOB)


def _op_processed_copy(src: Path, dst: Path) -> None:
    from memphys.io.nwb.copies import make_processed_copy

    make_processed_copy(
        src / "raw.nwb", dst, {"lfp": _source(src)}, compression=None, overwrite=True, **JOB
    )


OPS = {
    "save_zarr": (_op_save_zarr, "out.zarr", None),
    "save_npy": (_op_save_npy, "out.npy", None),
    "convert": (_op_convert, "out.zarr", None),
    "write_nwb": (_op_write_nwb, "out.nwb", "raw"),
    "processed_copy": (_op_processed_copy, "out.nwb", "lfp"),
}


def _child(op: str, src: Path, dst: Path, ready: Any) -> None:
    os.setsid()  # the workers inherit the session: found even when re-parented
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _source(src)  # warm: the delay counts from the write
    ready.set()
    try:
        OPS[op][0](src, dst)
    except SystemExit as exc:
        os._exit(exc.code if isinstance(exc.code, int) else 1)
    os._exit(0)


def _session_members(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] not in ("Z", "X") and int(fields[3]) == sid:
            out.append(int(entry))
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _values(path: Path, key: str | None) -> np.ndarray:
    obj = nap.load_file(path)
    try:
        x = obj if key is None else obj[key]
        return np.asarray(x.values[:] if hasattr(x, "values") else x[:])
    finally:
        if hasattr(obj, "close"):
            obj.close()


def _outcome(dst: Path, key: str | None, expected: np.ndarray) -> str:
    if not os.path.lexists(dst):
        return "absent"
    try:
        values = _values(dst, key)
    except MemphysError as exc:
        message = str(exc)
    else:
        np.testing.assert_array_equal(values, expected)
        return "complete"
    assert dst.name in message, f"the error does not name the target: {message}"
    return "refused"


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, np.ndarray]:
    import memphys.cli.main  # noqa: F401  (imported once here, not in every child)
    from memphys.io.nwb.write import write_nwb

    folder = tmp_path_factory.mktemp("fault_src")
    data = (np.arange(N_ROWS * N_CH, dtype=np.int64) % 30011 - 15000).astype("int16")
    data = data.reshape(N_ROWS, N_CH)
    data.tofile(folder / "src.dat")
    small = nap.TsdFrame(t=np.arange(2000) / 1000.0, d=np.ones((2000, 2), dtype="int16"))
    write_nwb(small, folder / "raw.nwb", "raw", progress_bar=False)
    return folder, data


@pytest.mark.parametrize("op", list(OPS))
def test_killed_writers_leave_nothing_half_done(source, tmp_path, op):
    src, expected = source
    before = _digest(src)
    ctx = multiprocessing.get_context("fork")
    _, target, key = OPS[op]

    out = tmp_path / "out"
    out.mkdir()
    dst = out / target

    def run(sig: int | None, delay: float) -> tuple[float, str, float]:
        ready = ctx.Event()
        p = ctx.Process(target=_child, args=(op, src, dst, ready))
        p.start()
        assert ready.wait(60)
        t0 = time.perf_counter()
        if sig is None:
            p.join(120)
            assert p.exitcode == 0
            elapsed = time.perf_counter() - t0
            killed = False
        else:
            time.sleep(delay)
            if p.is_alive():
                os.kill(p.pid, sig)
            p.join(120)
            elapsed = delay
            killed = p.exitcode != 0
        t_kill = time.perf_counter()
        while _session_members(p.pid) and time.perf_counter() - t_kill < 10:
            time.sleep(0.05)
        left = _session_members(p.pid)
        for pid in left:  # do not leak them into the rest of the suite
            os.kill(pid, signal.SIGKILL)
        assert left == [], f"workers alive 10 s after {op} got signal {sig}"
        t_gone = time.perf_counter() - t_kill
        assert _digest(src) == before, "the source changed"
        listed = {n for n in os.listdir(out) if not n.startswith(".")}
        assert listed <= {target, target + ".partial"}, f"the output folder lists {listed}"
        if target.endswith(".nwb"):
            assert target + ".partial" not in listed
        outcome = _outcome(dst, key, expected)
        if sig is None:
            assert outcome == "complete"
            assert listed == {target}
        return elapsed, ("killed, " if killed else "finished, ") + outcome, t_gone

    duration = max(max(run(None, 0.0)[0] for _ in range(3)), 0.2)  # a loaded machine varies
    shutil.rmtree(dst) if dst.is_dir() else dst.unlink()  # the first trial starts afresh
    rng = random.Random(f"{op}-11")
    outcomes: Counter[tuple[str, str]] = Counter()
    slowest = 0.0
    for sig in (signal.SIGKILL, signal.SIGTERM):
        for _ in range(N_TRIALS):
            _, outcome, gone = run(sig, rng.uniform(0.0, 1.3 * duration))
            outcomes[(sig.name, outcome)] += 1
            slowest = max(slowest, gone)
    print(f"\n{op}: duration {duration:.2f} s, outcomes {dict(outcomes)}, "
          f"slowest worker exit {slowest:.2f} s")  # fmt: skip
    assert sum(outcomes.values()) == 2 * N_TRIALS
    run(None, 0.0)  # recovers from whatever the last trial left
