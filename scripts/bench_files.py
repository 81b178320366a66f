"""python-blosc2 doing what `sandpress compress` / `decompress` do, for
scripts/bench-files: one process per run, timed from outside.

    python bench_files.py make OUT MB          # int32 random walk, MB megabytes
    python bench_files.py compress IN OUT THREADS
    python bench_files.py decompress IN OUT THREADS
"""

import sys

import blosc2
import numpy as np

CHUNKSIZE = 4 << 20


def make(out, mb):
    n = mb * (1 << 20) // 4
    rng = np.random.default_rng(42)
    walk = np.cumsum(rng.integers(-100, 101, size=n, dtype=np.int32), dtype=np.int32)
    walk.tofile(out)


def compress(src, out, threads):
    data = np.fromfile(src, dtype=np.uint8)
    cparams = {
        "codec": blosc2.Codec.ZSTD,
        "clevel": 1,
        "typesize": 4,
        "filters": [blosc2.Filter.SHUFFLE],
        "nthreads": threads,
    }
    blosc2.SChunk(chunksize=CHUNKSIZE, data=data, cparams=cparams, urlpath=out, mode="w")


def decompress(src, out, threads):
    blosc2.set_nthreads(threads)
    s = blosc2.open(src, mode="r")
    with open(out, "wb") as f:
        for i in range(s.nchunks):
            f.write(s.decompress_chunk(i))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif cmd == "compress":
        compress(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "decompress":
        decompress(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(f"unknown command {cmd}")
