#!/usr/bin/env python3
"""python-blosc2 reads frames another writer (sandpress) wrote, and checks them against a manifest.

Usage: read_frames.py DIR

Reads DIR/manifest.json (schema in README.md), opens every listed frame with
`blosc2.open` and checks: the decompressed data (all chunks, concatenated) against the
`data` file; nchunks, typesize, chunksize; codec, clevel, splitmode, filters and
codec_meta as python-blosc2 reads them from the frame header; every metalayer's and
every vlmetalayer's raw content against the manifest hex; and, in the 32-byte header
of every chunk that is not a special-value chunk, the codec and the filter pipeline.

Prints one line per failing frame, then a summary. Exit status: 0 if every frame
passed, 1 if any failed, 2 if the manifest is missing, malformed or lists no frame.
"""

import json
import os
import sys

import blosc2

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tutorial_codec  # noqa: E402

CODEC_IDS = {"blosclz": 0, "lz4": 1, "lz4hc": 2, "zlib": 4, "zstd": 5}
# Codec id -> the 3-bit codec format in bits 5-7 of chunk header byte 2 (6: user codec, see byte 22).
CODEC_FORMATS = {0: 0, 1: 1, 2: 1, 4: 3, 5: 4}
SPLITS = {"always": 1, "never": 2, "auto": 3}
REQUIRED = {
    "frame": str, "data": str, "codec": str, "codec_id": int, "clevel": int, "filters": list,
    "filters_meta": list, "typesize": int, "chunksize": int, "blocksize": int, "splitmode": str,
    "nchunks": int, "meta": dict, "vlmeta": dict, "notes": str,
}
OPTIONAL = {"codec_meta": int, "unspecified_chunks": list}


def ival(x):
    return int(getattr(x, "value", x))


def check_schema(e):
    diffs = []
    for key, typ in REQUIRED.items():
        if key not in e:
            diffs.append(f"manifest entry has no {key!r}")
        elif not isinstance(e[key], typ) or (typ is int and isinstance(e[key], bool)):
            diffs.append(f"manifest {key!r} is {type(e[key]).__name__}, not {typ.__name__}")
    for key, typ in OPTIONAL.items():
        if key in e and not isinstance(e[key], typ):
            diffs.append(f"manifest {key!r} is {type(e[key]).__name__}, not {typ.__name__}")
    if diffs:
        return diffs
    if e["codec"] == "user":
        if not 160 <= e["codec_id"] <= 255:
            diffs.append(f"codec 'user' with codec_id {e['codec_id']} (user ids are 160..255)")
        elif e["codec_id"] != tutorial_codec.CODEC_ID:
            diffs.append(f"user codec_id {e['codec_id']}: only the tutorial codec 160 is known here")
    elif CODEC_IDS.get(e["codec"]) != e["codec_id"]:
        diffs.append(f"codec {e['codec']!r} does not have codec_id {e['codec_id']}")
    if e["splitmode"] not in SPLITS:
        diffs.append(f"splitmode {e['splitmode']!r} is none of {list(SPLITS)}")
    if len(e["filters"]) != len(e["filters_meta"]) or 0 in e["filters"]:
        diffs.append("filters must list the non-zero filter ids, filters_meta one value for each")
    return diffs


def check_header(s, e):
    """What python-blosc2 reads from the frame header."""
    cp = s.cparams
    diffs = []
    want = {
        "nchunks": (s.nchunks, e["nchunks"]),
        "typesize": (s.typesize, e["typesize"]),
        "chunksize": (s.chunksize, e["chunksize"]),
        "codec": (ival(cp.codec), e["codec_id"]),
        "clevel": (cp.clevel, e["clevel"]),
        "splitmode": (ival(cp.splitmode), SPLITS[e["splitmode"]]),
        "codec_meta": (cp.codec_meta, e.get("codec_meta", 0)),
    }
    for what, (got, exp) in want.items():
        if got != exp:
            diffs.append(f"{what} {got} != {exp}")
    slots = [(ival(f), m) for f, m in zip(cp.filters, cp.filters_meta) if ival(f) != 0]
    if [f for f, _ in slots] != e["filters"] or [m for _, m in slots] != e["filters_meta"]:
        diffs.append(f"header filters {slots} != {list(zip(e['filters'], e['filters_meta']))}")
    return diffs


def check_data(s, e, path):
    with open(path, "rb") as f:
        expected = f.read()
    unspecified = set(e.get("unspecified_chunks", []))
    diffs, pos = [], 0
    for i in range(s.nchunks):
        got = s.decompress_chunk(i)
        exp = expected[pos:pos + len(got)]
        if i not in unspecified and got != exp:
            at = next((k for k in range(min(len(got), len(exp))) if got[k] != exp[k]), min(len(got), len(exp)))
            diffs.append(f"data differs in chunk {i} (chunk byte {at}, super-chunk byte {pos + at}; "
                         f"chunk has {len(got)} bytes, data file {len(exp)} left)")
            break
        pos += len(got)
    if not diffs and pos != len(expected):
        diffs.append(f"decompressed {pos} bytes, data file has {len(expected)}")
    # The slice path reads chunks lazily, unlike decompress_chunk (python-blosc2
    # crashes on it for frames of variable-size chunks, so those are skipped).
    if not diffs and s.chunksize > 0 and not unspecified:
        try:
            whole = s[:]
        except Exception as exc:  # noqa: BLE001 - report what python-blosc2 says
            diffs.append(f"reading the whole super-chunk failed: {exc}")
        else:
            if bytes(whole) != expected:
                diffs.append("the whole super-chunk (s[:]) differs from the data file")
    return diffs


def raw_meta(s, name):
    """Raw content of a metalayer (python-blosc2's Meta unpacks it with msgpack)."""
    return bytes(blosc2.blosc2_ext.meta__getitem__(s, name))


def raw_vlmeta(s, name):
    """Raw (decompressed) content of a vlmetalayer (vlmeta[name] unpacks it with msgpack)."""
    return bytes(s.vlmeta.get_vlmeta(name))


def check_metas(s, e):
    diffs = []
    for what, names, raw in (("meta", list(s.meta.keys()), raw_meta), ("vlmeta", list(s.vlmeta), raw_vlmeta)):
        exp = e[what]
        if sorted(names) != sorted(exp):
            diffs.append(f"{what} names {sorted(names)} != {sorted(exp)}")
        for name in names:
            if name in exp:
                got = raw(s, name)
                if got.hex() != exp[name].lower():
                    diffs.append(f"{what} {name!r} content {got.hex()} != {exp[name]}")
    return diffs


def check_chunk_headers(s, e):
    """Codec and filters in each chunk's 32-byte header (special-value chunks carry neither)."""
    diffs = []
    cid = e["codec_id"]
    fmt = 6 if cid >= 160 else CODEC_FORMATS[cid]
    for i in range(s.nchunks):
        c = s.get_chunk(i)
        if len(c) < 32:
            diffs.append(f"chunk {i}: {len(c)} bytes, shorter than a 32-byte header")
            continue
        bad = []
        if c[3] != e["typesize"] % 256:
            bad.append(f"typesize byte {c[3]}")
        if (c[31] >> 4) & 7:  # zeros, NaN, value, uninit: no codec or filter involved
            if bad:
                diffs.append(f"chunk {i}: " + ", ".join(bad))
            continue
        flags, memcpyed = c[2], c[2] & 0x02
        # C-Blosc2 writes clevel-0 chunks as memcpyed with the codec bits at 0.
        if flags >> 5 != fmt and not (memcpyed and e["clevel"] == 0 and flags >> 5 == 0):
            bad.append(f"codec format {flags >> 5} (byte 2 = {flags:#04x}), expected {fmt}")
        if fmt == 6 or c[22] != 0:  # user codec id; C-Blosc2 also writes built-in ids here
            if c[22] != cid:
                bad.append(f"codec id byte 22 = {c[22]}, expected {cid}")
        if fmt == 6 and c[23] != e.get("codec_meta", 0):
            bad.append(f"codec_meta byte 23 = {c[23]}")
        slots = [(c[16 + k], c[24 + k]) for k in range(6) if c[16 + k]]
        if [f for f, _ in slots] != e["filters"] or [m for _, m in slots] != e["filters_meta"]:
            bad.append(f"filters {slots} (id, meta), expected {list(zip(e['filters'], e['filters_meta']))}")
        if bad:
            diffs.append(f"chunk {i}: " + ", ".join(bad))
        if len(diffs) >= 3:
            diffs.append("...")
            break
    return diffs


def check_frame(d, e):
    diffs = check_schema(e)
    if diffs:
        return diffs
    s = blosc2.open(os.path.join(d, e["frame"]), mode="r")
    diffs = check_header(s, e)
    if not any(x.startswith("nchunks") for x in diffs):
        diffs += check_data(s, e, os.path.join(d, e["data"]))
        diffs += check_chunk_headers(s, e)
    diffs += check_metas(s, e)
    return diffs


def load_manifest(d):
    path = os.path.join(d, "manifest.json")
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError) as err:
        raise SystemExit(f"read_frames.py: cannot read {path}: {err}")
    if not isinstance(m, list) or not all(isinstance(e, dict) for e in m):
        raise SystemExit(f"read_frames.py: {path} is not a JSON list of objects")
    if not m:
        raise SystemExit(f"read_frames.py: {path} lists no frame: nothing would be checked")
    return m


def main(argv):
    if len(argv) != 2:
        print("usage: read_frames.py DIR", file=sys.stderr)
        return 2
    d = argv[1]
    try:
        m = load_manifest(d)
    except SystemExit as err:
        print(err, file=sys.stderr)
        return 2
    if any(e.get("codec") == "user" for e in m):
        tutorial_codec.register()
        blosc2.set_nthreads(1)  # python user codecs refuse threads
    failed = 0
    for n, e in enumerate(m):
        name = e.get("frame", f"entry {n}")
        try:
            diffs = check_frame(d, e)
        except Exception as err:  # noqa: BLE001 -- any error reading a frame is a failed frame
            diffs = [f"{type(err).__name__}: {err}"]
        if diffs:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(diffs))
    print(f"read_frames.py: {len(m)} frames checked in {d}: {len(m) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
