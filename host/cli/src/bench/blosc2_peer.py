"""python-blosc2's half of `sandpress bench --against python-blosc2`.

Reads one JSON request per line on stdin and answers each with one JSON line
on stdout, so that sandpress can measure python-blosc2 and itself row by row
in the same run:

  {"op": "load", "name": N, "path": P, "dtype": "int32"}
      -> {"ok": true, "nbytes": ...}
  {"op": "row", "name": N, "codec": "zstd", "clevel": 1,
   "filter": "shuffle", "threads": 1, "chunksize": 8388608}
      -> {"ok": true}   (the row the next rounds measure)
  {"op": "round"}
      -> {"ok": true, "compress_s": ..., "decompress_s": ..., "cbytes": ...,
          "blocksize": ...}

The method is sandpress's: compress the whole array into a super-chunk with
`chunksize`-byte chunks (`SChunk(data=...)`), then decompress it into one
preallocated buffer (`get_slice(0, n, out)`), touched before the first
round. sandpress asks for one round at a time, in turn with its own rounds
of the same row, and keeps the fastest of each side: a slow spell of the
machine then falls on both sides, not on one.
"""

import json
import sys
import time

import blosc2
import numpy as np

CODECS = {
    "zstd": blosc2.Codec.ZSTD,
    "lz4": blosc2.Codec.LZ4,
    "blosclz": blosc2.Codec.BLOSCLZ,
    "zlib": blosc2.Codec.ZLIB,
}
FILTERS = {
    "shuffle": blosc2.Filter.SHUFFLE,
    "bitshuffle": blosc2.Filter.BITSHUFFLE,
    "none": blosc2.Filter.NOFILTER,
}

arrays = {}
row = {}


def start_row(req):
    """Sets the row the next rounds measure."""
    arr = arrays[req["name"]]
    threads = req["threads"]
    row.clear()
    row.update(
        arr=arr,
        chunksize=req["chunksize"],
        cparams={
            "codec": CODECS[req["codec"]],
            "clevel": req["clevel"],
            "typesize": arr.itemsize,
            "nthreads": threads,
            "filters": [FILTERS[req["filter"]]],
            "filters_meta": [0],
        },
        dparams={"nthreads": threads},
        out=np.ones_like(arr),
    )
    return {}


def one_round():
    """Seconds to compress the row's array and to decompress it."""
    arr, out = row["arr"], row["out"]
    t = time.perf_counter()
    schunk = blosc2.SChunk(
        chunksize=row["chunksize"], data=arr, cparams=row["cparams"], dparams=row["dparams"]
    )
    compress = time.perf_counter() - t
    nitems = schunk.nbytes // schunk.typesize
    t = time.perf_counter()
    schunk.get_slice(0, nitems, out)
    decompress = time.perf_counter() - t
    if not np.array_equal(out.view(np.uint8), arr.view(np.uint8)):
        raise ValueError("python-blosc2 did not round-trip")
    return {
        "compress_s": compress,
        "decompress_s": decompress,
        "cbytes": schunk.cbytes,
        # The block size C-Blosc2 chose: bytes 8-11 of the first chunk's header.
        "blocksize": int.from_bytes(schunk.get_chunk(0)[8:12], "little"),
    }


def answer(req):
    if req["op"] == "load":
        arr = np.fromfile(req["path"], dtype=req["dtype"])
        arrays[req["name"]] = arr
        return {"nbytes": arr.nbytes}
    if req["op"] == "row":
        return start_row(req)
    if req["op"] == "round":
        return one_round()
    if req["op"] == "version":
        return {"blosc2": blosc2.__version__, "c_blosc2": blosc2.blosclib_version}
    raise ValueError("unknown op " + repr(req["op"]))


def main():
    for line in sys.stdin:
        try:
            reply = answer(json.loads(line))
            reply["ok"] = True
        except Exception as e:  # reported to sandpress, which stops the bench
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
