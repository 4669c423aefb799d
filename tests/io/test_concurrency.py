"""Concurrent writers of one target (issue 11): every process that exits 0 has its data in
the result, and the others fail with a clear one-line error.

Two and four processes start together (they wait for a "go" file) and write to the same
target: NWB appends of different objects (all succeed, all objects are in the file),
``memphys convert`` of different recordings without ``--overwrite`` (one succeeds, its data
is the result, the others say the target exists), and saves with ``overwrite=True`` (all
succeed one after the other: the result is one complete writer's data, never a mix).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import memphys
import memphys as nap

SRC = os.path.dirname(os.path.dirname(os.path.abspath(memphys.__file__)))


def _start_together(snippets: list[str], go: os.PathLike[str]) -> list[subprocess.Popen[str]]:
    env = dict(os.environ, PYTHONPATH=SRC)
    wait = f"""
        import os, time
        while not os.path.exists({str(go)!r}):
            time.sleep(0.005)
        """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(wait) + textwrap.dedent(code)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for code in snippets
    ]
    time.sleep(1.0)  # let them import and wait
    open(go, "w").close()
    return procs


def _finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append((p.returncode, stdout, stderr))
    return out


@pytest.mark.parametrize("n", [2, 4])
def test_nwb_appends_all_land(tmp_path, n):
    path = tmp_path / "session.nwb"
    code = """
        import numpy as np, memphys as nap
        from memphys.io.nwb import write_nwb
        i = {i}
        x = nap.Tsd(t=np.arange(500) / 100, d=np.full(500, float(i)))
        write_nwb(x, {path!r}, f"x{{i}}", progress_bar=False)
        """
    procs = _start_together([code.format(i=i, path=str(path)) for i in range(n)], tmp_path / "go")
    results = _finish(procs)
    for code_, _, err in results:
        assert code_ == 0, err
    nwb = nap.load_file(path)
    assert sorted(nwb.keys()) == sorted(f"x{i}" for i in range(n))
    for i in range(n):
        np.testing.assert_array_equal(np.asarray(nwb[f"x{i}"].values[:]), np.full(500, float(i)))
    nwb.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "session.nwb"]


@pytest.mark.parametrize("n", [2, 4])
def test_convert_without_overwrite_one_wins_the_others_say_so(tmp_path, n):
    sources = []
    for i in range(n):
        src = tmp_path / f"rec{i}.dat"
        (np.arange(40_000, dtype="int16").reshape(-1, 4) + i).tofile(src)
        sources.append(src)
    dst = tmp_path / "out.zarr"
    code = """
        import sys
        from memphys.cli.main import main
        sys.argv = ["memphys", "convert", {src!r}, {dst!r}, "--n-channels", "4",
                    "--sampling-rate", "1000", "--n-jobs", "2", "--no-progress"]
        main()
        """
    procs = _start_together(
        [code.format(src=str(s), dst=str(dst)) for s in sources], tmp_path / "go"
    )
    results = _finish(procs)
    winners = [i for i, (rc, _, _) in enumerate(results) if rc == 0]
    assert len(winners) == 1, results
    for i, (rc, _, err) in enumerate(results):
        if i in winners:
            continue
        assert rc == 1
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert "already exists" in lines[0]
    back = nap.load_file(dst)
    expected = np.fromfile(sources[winners[0]], dtype="int16").reshape(-1, 4)
    np.testing.assert_array_equal(np.asarray(back.values[:]), expected)


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
@pytest.mark.parametrize("n", [2, 4])
def test_overwriting_saves_take_turns(tmp_path, n, suffix):
    dst = tmp_path / f"out{suffix}"
    code = """
        import numpy as np, memphys as nap
        i = {i}
        x = nap.TsdFrame(t=None, d=np.full((200_000, 4), i, dtype="int16"), rate=1000.0)
        x.save({dst!r}, n_jobs=2, pool_engine="process", chunk_size=20_000, progress_bar=False)
        """
    procs = _start_together([code.format(i=i, dst=str(dst)) for i in range(n)], tmp_path / "go")
    for rc, _, err in _finish(procs):
        assert rc == 0, err
    values = np.asarray(nap.load_file(dst).values[:] if suffix == ".zarr" else np.load(dst))
    assert values.shape == (200_000, 4)
    first = int(values[0, 0])
    assert first in range(n)
    assert (values == first).all()  # one writer's data, whole: never a mix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", dst.name]
