"""What completeness records and chunk checksums cost (issue 11, ``docs/reliability.md``).

A 256 MiB int16 recording (16 channels) is saved to a memphys Zarr store (Blosc zstd with
bitshuffle, then zarr's ``crc32c`` codec: every chunk read is checked), and copied, chunk
for chunk, to a store with the same codecs but no ``crc32c``. Timed, medians of 7 alternated runs (5 for the open check, 3 for the deep check):

- reading the whole array (zarr, one thread), with and without the checksums;
- opening the store: ``verify_record`` (the listing, no chunk read);
- writing the record at the end of the save (``write_record``);
- the deep check ``verify_chunks`` (re-reads every chunk).

Usage: ``python benchmarks/bench_checksums.py [folder]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_time


def main(folder: str) -> None:
    import zarr

    import memphys as nap
    from memphys.engine.records import verify_chunks, verify_record, write_record

    n_ch, n_rows = 16, 256 * 1024**2 // 32
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((n_rows, n_ch)) * 200).astype("int16")
    x = nap.TsdFrame(t=None, d=data, rate=30000.0)
    store = os.path.join(folder, "with_crc.zarr")
    x.save(store, progress_bar=False)
    src = zarr.open_array(os.path.join(store, "d"), mode="r")
    codecs = [c for c in src.metadata.codecs if type(c).__name__ != "Crc32cCodec"]
    plain = zarr.create_array(
        os.path.join(folder, "without_crc.zarr"),
        shape=src.shape,
        chunks=src.chunks,
        dtype=src.dtype,
        serializer=codecs[0],
        compressors=codecs[1:],
    )
    plain[:] = src[:]
    n_chunks = int(np.prod(src.cdata_shape))

    def read(a: zarr.Array) -> None:
        step = a.chunks[0] * 8
        for i in range(0, a.shape[0], step):
            a[i : i + step]

    crc_times, plain_times = [], []
    for _ in range(7):  # alternated, so that the machine's load hits both alike
        crc_times.append(median_time(lambda: read(src), repeats=1)[0])
        plain_times.append(median_time(lambda: read(plain), repeats=1)[0])
    t_crc, t_plain = statistics.median(crc_times), statistics.median(plain_times)
    on_disk = (
        sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(store) for f in fs)
        / 1024**2
    )
    t_open = median_time(lambda: verify_record(store), repeats=5)[0]
    t_record = median_time(lambda: write_record(store), repeats=5)[0]
    t_deep = median_time(lambda: verify_chunks(store), repeats=3)[0]
    mib = data.nbytes / 1024**2
    print(f"{mib:.0f} MiB int16 ({on_disk:.0f} MiB on disk), {n_ch} channels, "
          f"{n_chunks} chunks of {src.chunks}")  # fmt: skip
    print(f"read, crc32c checked: {t_crc:.3f} s ({mib / t_crc:.0f} MiB/s)")
    print(f"read, no checksum:    {t_plain:.3f} s ({mib / t_plain:.0f} MiB/s)")
    print(f"checksum overhead on read: {100 * (t_crc / t_plain - 1):+.1f} %")
    print(f"open check (verify_record, listing): {1000 * t_open:.1f} ms")
    print(f"write_record at the end of a save:   {1000 * t_record:.1f} ms")
    print(f"deep check (verify_chunks):          {t_deep:.3f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
