"""Regenerates the codec interop vectors in this folder with python-blosc2.

    python gen_vectors.py            # the committed set: blosclz.bin, zlib.bin
    python gen_vectors.py --full DIR # a much larger set, for a local run of
                                     # `SANDPRESS_VECTORS=DIR cargo test -p sandpress-core
                                     #  --lib vector_tests -- --ignored`

Each file is a list of records, little-endian:
    u16 name length, name (UTF-8), u32 nbytes, u32 CRC-32 of the original
    data, u32 chunk length, chunk (a Blosc2 chunk from blosc2.compress2).
The Rust reader is host/kernels/tests/codecs/vectors.rs. Core's tests
(host/core/src/pipeline/vector_tests.rs) decode every chunk through the
pipeline and compare length and CRC-32, so the original data need not be
stored; the kernels' tests (host/kernels/tests/codecs/) scan the streams. Data is generated from fixed seeds.
Tested with python-blosc2 4.14.1 (C-Blosc2 3.3.5) and numpy 2.4.
"""

import os
import struct
import sys
import zlib

import blosc2
import numpy as np

KIB = 1024
SPLITS = {
    "split": blosc2.SplitMode.ALWAYS_SPLIT,
    "nosplit": blosc2.SplitMode.NEVER_SPLIT,
}


def rng(seed):
    return np.random.default_rng(seed)


def random_bytes(n, seed=1):
    return rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def low_entropy(n, seed=2):
    # Two bits per byte: many short matches among literals.
    return rng(seed).integers(0, 4, n, dtype=np.uint8).tobytes()


def arange_i32(n):
    return np.arange(n // 4, dtype=np.int32).tobytes()[:n]


def walk_i32(n, seed=3):
    steps = rng(seed).integers(-3, 4, n // 4 + 1, dtype=np.int32)
    return np.cumsum(steps, dtype=np.int32).tobytes()[:n]


def walk_f64(n, seed=4):
    return np.cumsum(rng(seed).normal(size=n // 8 + 1)).tobytes()[:n]


def text(n, seed=5, repeat=0.2):
    # Words from a small vocabulary (short matches), and with probability
    # `repeat` a sentence repeated from earlier (longer matches).
    r = rng(seed)
    words = [b"blosc", b"chunk", b"the", b"of", b"compress", b"a", b"data",
             b"frame", b"block", b"shuffle", b"zstd", b"lz", b"and", b"to"]
    out = bytearray()
    sentences = []
    while len(out) < n:
        if sentences and r.random() < repeat:
            out += sentences[r.integers(len(sentences))]
            continue
        s = b" ".join(words[i] for i in r.integers(0, len(words), r.integers(3, 30)))
        s += b". "
        sentences.append(s)
        out += s
    return bytes(out[:n])


def repetitive_text(n, seed=5):
    return text(n, seed, repeat=0.8)


def runs(n, seed=6):
    # Runs shorter than 255, longer than 255 and longer than 65535, between
    # random bytes.
    r = rng(seed)
    out = bytearray()
    lens = [3, 7, 8, 9, 40, 254, 255, 256, 262, 300, 1000, 65534, 65535, 65536, 65545, 70000]
    i = 0
    while len(out) < n:
        out += r.integers(0, 256, int(r.integers(1, 40)), dtype=np.uint8).tobytes()
        out += bytes([int(r.integers(0, 256))]) * lens[i % len(lens)]
        i += 1
    return bytes(out[:n])


def far(n, seed=7):
    # Random segments repeated 8,192 to 73,725 bytes later (BloscLZ's
    # long-distance form), with runs in between so that the block stays
    # compressible, after some text for the encoder's entropy probe.
    r = rng(seed)
    out = bytearray(repetitive_text(4096, seed))
    dists = [8192, 8193, 9000, 20000, 40000, 65000, 73725, 8191, 8190]
    i = 0
    while len(out) < n:
        dist = dists[i % len(dists)]
        seg = r.integers(0, 256, 1500, dtype=np.uint8).tobytes()
        out += seg + bytes([i % 7]) * (dist - len(seg)) + seg
        i += 1
    return bytes(out[:n])


def chunk(data, codec, clevel, typesize, filters, split, blocksize=0):
    return blosc2.compress2(
        data,
        codec=codec,
        clevel=clevel,
        typesize=typesize,
        filters=filters,
        splitmode=SPLITS[split],
        blocksize=blocksize,
    )


def record(name, data, c):
    nm = name.encode()
    return (
        struct.pack("<H", len(nm)) + nm
        + struct.pack("<III", len(data), zlib.crc32(data), len(c)) + c
    )


SHUF = [blosc2.Filter.SHUFFLE]
BITSHUF = [blosc2.Filter.BITSHUFFLE]
NOFILT = [blosc2.Filter.NOFILTER]


def committed_blosclz():
    """A small set: every data kind once, every clevel, both splitmodes."""
    B = blosc2.Codec.BLOSCLZ
    cases = [
        ("arange_i32_256k_c5_shuf", arange_i32(256 * KIB), 5, 4, SHUF, "split", 256 * KIB),
        ("arange_i32_64k_c9_shuf", arange_i32(64 * KIB), 9, 4, SHUF, "nosplit", 64 * KIB),
        ("walk_i32_32k_c5_shuf", walk_i32(32 * KIB), 5, 4, SHUF, "split", 32 * KIB),
        ("walk_i32_32k_c9_bitshuf", walk_i32(32 * KIB), 9, 4, BITSHUF, "nosplit", 32 * KIB),
        ("walk_f64_8k_c7_shuf", walk_f64(8 * KIB), 7, 8, SHUF, "split", 8 * KIB),
        ("text_32k_c9", text(32 * KIB), 9, 1, NOFILT, "nosplit", 32 * KIB),
        ("runs_256k_c6", runs(256 * KIB), 6, 1, NOFILT, "nosplit", 256 * KIB),
        ("far_256k_c9", far(256 * KIB), 9, 1, NOFILT, "nosplit", 256 * KIB),
        ("far_256k_c4", far(256 * KIB, 8), 4, 1, NOFILT, "nosplit", 256 * KIB),
        ("low_entropy_8k_c9", low_entropy(8 * KIB), 9, 1, NOFILT, "nosplit", 0),
        ("random_4k_c9", random_bytes(4 * KIB), 9, 1, NOFILT, "nosplit", 0),
        ("zeros_64k_c5", bytes(64 * KIB), 5, 4, SHUF, "split", 0),
        ("text_multiblock_16k_c8", text(16 * KIB, 11), 8, 2, SHUF, "split", 4 * KIB),
    ]
    for cl in range(1, 10):
        cases.append((f"reptext_8k_c{cl}", repetitive_text(8 * KIB, 20 + cl), cl, 1, NOFILT,
                      "nosplit", 0))
        cases.append((f"arange_i32_32k_c{cl}_shuf", arange_i32(32 * KIB), cl, 4, SHUF,
                      "split" if cl % 2 else "nosplit", 0))
    for n in [0, 1, 2, 15, 16, 17, 31, 32, 33, 64, 65, 100, 127, 128, 200, 255, 256, 300]:
        cases.append((f"text_{n}_c9", text(n, 40 + n), 9, 1, NOFILT, "nosplit", 0))
        cases.append((f"arange_i32_{n}_c5_shuf", arange_i32(n), 5, 4, SHUF, "split", 0))
    for name, data, cl, ts, filt, split, bs in cases:
        yield name, data, chunk(data, B, cl, ts, filt, split, bs)


def committed_zlib():
    Z = blosc2.Codec.ZLIB
    for name, data, cl, ts, filt, split in [
        ("zlib_text_32k_c1", text(32 * KIB), 1, 1, NOFILT, "nosplit"),
        ("zlib_walk_i32_32k_c6_shuf", walk_i32(32 * KIB), 6, 4, SHUF, "split"),
        ("zlib_arange_i32_64k_c9_shuf", arange_i32(64 * KIB), 9, 4, SHUF, "nosplit"),
    ]:
        yield name, data, chunk(data, Z, cl, ts, filt, split)


def full_blosclz():
    """Every data kind x clevel x splitmode x block size."""
    B = blosc2.Codec.BLOSCLZ
    kinds = [
        ("random", random_bytes, 1, NOFILT),
        ("low_entropy", low_entropy, 1, NOFILT),
        ("zeros", bytes, 4, SHUF),
        ("arange_i32", arange_i32, 4, SHUF),
        ("walk_i32", walk_i32, 4, SHUF),
        ("walk_f64", walk_f64, 8, SHUF),
        ("walk_i32_bit", walk_i32, 4, BITSHUF),
        ("text", text, 1, NOFILT),
        ("reptext", repetitive_text, 1, NOFILT),
        ("text_ts2", text, 2, SHUF),
        ("runs", runs, 1, NOFILT),
        ("far", far, 1, NOFILT),
    ]
    for kname, gen, ts, filt in kinds:
        for bs in [32 * KIB, 64 * KIB, 128 * KIB, 256 * KIB]:
            data = gen(2 * bs + 1000)
            for cl in range(1, 10):
                for split in SPLITS:
                    name = f"{kname}_{bs // KIB}k_c{cl}_{split}"
                    yield name, data, chunk(data, B, cl, ts, filt, split, bs)
    for n in range(0, 301):
        for kname, gen, ts, filt in kinds:
            data = gen(n)
            for split in SPLITS:
                cl = 1 + n % 9
                yield f"{kname}_{n}_c{cl}_{split}", data, chunk(data, B, cl, ts, filt, split)


def write(path, records):
    total = 0
    with open(path, "wb") as f:
        for name, data, c in records:
            assert blosc2.decompress2(c) == data, name
            f.write(record(name, data, c))
            total += 1
    print(f"{path}: {total} vectors, {os.path.getsize(path)} bytes")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) == 3 and sys.argv[1] == "--full":
        os.makedirs(sys.argv[2], exist_ok=True)
        write(os.path.join(sys.argv[2], "blosclz_full.bin"), full_blosclz())
        return
    write(os.path.join(here, "blosclz.bin"), committed_blosclz())
    write(os.path.join(here, "zlib.bin"), committed_zlib())


if __name__ == "__main__":
    main()
