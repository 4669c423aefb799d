"""One conversion measurement of ``bench_convert.py``, in its own process.

Run by the driver with the library's own interpreter (memphys's virtualenv, or the peers'
one with SpikeInterface 0.105 and zarr 2)::

    python benchmarks/_convert_worker.py '<json arguments>'

Modes (``"mode"`` in the arguments):

- ``"convert"``: convert the raw int16 file to a Zarr store with ``n_jobs`` workers and
  Blosc zstd level 5 + bit-shuffle: memphys ``convert(raw, dst, n_jobs=...)`` (its
  default codec) or SpikeInterface ``si.read_binary(...).save(format="zarr",
  compressor=numcodecs.Blosc("zstd", 5, BITSHUFFLE), n_jobs=...)``. Only the conversion
  call is timed (imports and the reader's construction are not). ``"job"``: extra job
  kwargs for memphys (e.g. ``{"chunk_size": 30000}``). The peak ``RssAnon`` of
  this process and the sum of its workers' peaks are sampled by a separate process
  (``_common.ExternalRssSampler``); the size on disk is the store folder's. With
  ``"profile": true`` (memphys, ``n_jobs`` 1 or thread pools), cProfile's top functions
  are printed to stderr.
- ``"verify"``: decode the store block by block and compare every sample to the raw file;
  report whether all are equal and a CRC32 of the decoded bytes.

A JSON report is printed on the last line of stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import zlib
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import ExternalRssSampler


def disk_bytes(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.stat(os.path.join(root, f)).st_size
    return total


def _convert_memphys(a: dict[str, Any]) -> Any:
    from memphys.io.convert import convert

    return convert(
        a["raw"],
        a["dst"],
        load_kwargs={"n_channels": a["n_channels"], "sampling_rate": a["rate"]},
        progress_bar=False,
        n_jobs=a["n_jobs"],
        **a.get("job", {}),
    )


def _convert_si(a: dict[str, Any]) -> Any:
    import numcodecs
    import spikeinterface.core as si

    rec = si.read_binary(
        a["raw"],
        sampling_frequency=a["rate"],
        dtype="int16",
        num_channels=a["n_channels"],
    )
    compressor = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)
    return lambda: rec.save(
        format="zarr",
        folder=a["dst"],
        compressor=compressor,
        n_jobs=a["n_jobs"],
        progress_bar=False,
        verbose=False,
        overwrite=True,
    )


def convert(a: dict[str, Any]) -> dict[str, Any]:
    if os.path.exists(a["dst"]):
        shutil.rmtree(a["dst"])
    if a["lib"].startswith("memphys"):
        import memphys.io.zarr.store  # noqa: F401  (import outside the timing)

        def run() -> Any:
            return _convert_memphys(a)

    else:
        run = _convert_si(a)
    prof = None
    if a.get("profile"):
        import cProfile

        prof = cProfile.Profile()
    with ExternalRssSampler(interval=0.01) as sampler:
        base = sampler.reset()
        t0 = time.perf_counter()
        if prof is not None:
            prof.enable()
        run()
        if prof is not None:
            prof.disable()
        seconds = time.perf_counter() - t0
        peak, children = sampler.peak()
    if prof is not None:
        import pstats

        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    nbytes = os.path.getsize(a["raw"])
    stored = disk_bytes(a["dst"])
    return {
        "lib": a["lib"],
        "seconds": seconds,
        "mb_per_s": nbytes / 1e6 / seconds,
        "nbytes": nbytes,
        "stored_bytes": stored,
        "ratio": nbytes / stored,
        "rss_base": base,
        "rss_peak": peak,
        "rss_children": children,
    }


def _open_store(a: dict[str, Any]) -> Any:
    import zarr

    if a["lib"].startswith("memphys"):
        return zarr.open_group(a["dst"], mode="r")["d"]
    return zarr.open_group(a["dst"], mode="r")["traces_seg0"]


def verify(a: dict[str, Any]) -> dict[str, Any]:
    arr = _open_store(a)
    n_ch = int(a["n_channels"])
    raw = np.memmap(a["raw"], dtype=np.int16, mode="r").reshape(-1, n_ch)
    equal = tuple(arr.shape) == raw.shape and np.dtype(arr.dtype) == raw.dtype
    crc = 0
    step = 1 << 18
    for s in range(0, raw.shape[0], step):
        block = np.ascontiguousarray(arr[s : s + step])
        equal = equal and bool(np.array_equal(block, raw[s : s + step]))
        crc = zlib.crc32(block.tobytes(), crc)
    return {"lib": a["lib"], "equal_to_raw": equal, "crc32": crc, "shape": list(arr.shape)}


def main() -> None:
    a = json.loads(sys.argv[1])
    out = verify(a) if a["mode"] == "verify" else convert(a)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
