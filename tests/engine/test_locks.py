"""Write locks on outputs (issue 11): writers of one target exclude each other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import memphys
from memphys import config_context
from memphys.engine.locks import lock_path, output_lock
from memphys.errors import LockTimeoutError, MemphysError

# the sources of the memphys under test (children import the same)
SRC = os.path.dirname(os.path.dirname(os.path.abspath(memphys.__file__)))


def _child(code: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_lock_file_is_hidden_beside_the_target_and_removed_after(tmp_path):
    target = tmp_path / "x.zarr"
    assert lock_path(target) == str(tmp_path / ".x.zarr.lock")
    with output_lock(target):
        assert os.path.exists(lock_path(target))
    assert os.listdir(tmp_path) == []


def test_lock_is_reentrant_in_a_thread_and_excludes_other_threads(tmp_path):
    target = tmp_path / "x.npy"
    events: list[str] = []

    def other() -> None:
        with output_lock(target, timeout=5):
            events.append("other")

    with output_lock(target), output_lock(target):  # the same thread may re-enter
        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.3)
        events.append("first done")
    t.join()
    assert events == ["first done", "other"]


def test_second_writer_times_out_with_a_clear_error(tmp_path):
    target = tmp_path / "x.nwb"
    child = _child(
        f"""
        import time
        from memphys.engine.locks import output_lock
        with output_lock({str(target)!r}):
            print("locked", flush=True)
            time.sleep(30)
        """
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with (
            config_context(lock_timeout=0.5),
            pytest.raises(LockTimeoutError) as info,
            output_lock(target, what="NWB file"),
        ):
            pass
        assert 0.4 < time.monotonic() - t0 < 5
        message = str(info.value)
        assert "NWB file" in message
        assert str(target) in message
        assert "lock_timeout" in message
        assert isinstance(info.value, MemphysError)
        assert isinstance(info.value, TimeoutError)
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_releases_the_lock(tmp_path):
    target = tmp_path / "x.zarr"
    child = _child(
        f"""
        import time
        from memphys.engine.locks import output_lock
        with output_lock({str(target)!r}):
            print("locked", flush=True)
            time.sleep(60)
        """
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with output_lock(target, timeout=5):  # the OS released the dead holder's lock
        pass


def test_lock_timeout_setting_is_validated():
    from memphys.errors import MemphysValueError

    with pytest.raises(MemphysValueError, match="lock_timeout"), config_context(lock_timeout=-1):
        pass
    with config_context(lock_timeout=float("inf")):
        pass


def test_many_processes_take_turns(tmp_path):
    """Four processes increment a counter file 50 times each under the lock: no update is
    lost (without the lock, read-modify-write races lose some)."""
    target = tmp_path / "counter"
    code = f"""
        import os
        from memphys.engine.locks import output_lock
        path = {str(target)!r}
        for _ in range(50):
            with output_lock(path):
                n = int(open(path).read()) if os.path.exists(path) else 0
                with open(path, "w") as fh:
                    fh.write(str(n + 1))
        """
    children = [_child(code) for _ in range(4)]
    for c in children:
        _, err = c.communicate(timeout=120)
        assert c.returncode == 0, err
    assert int(target.read_text()) == 200
    assert sorted(os.listdir(tmp_path)) == ["counter"]
