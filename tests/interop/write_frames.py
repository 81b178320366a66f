#!/usr/bin/env python3
"""python-blosc2 writes a matrix of Blosc2 contiguous frames for sandpress to read.

Usage: write_frames.py OUTDIR

Writes OUTDIR/<NNN>-<label>.b2frame, OUTDIR/<NNN>-<label>.bin (the whole decompressed
super-chunk, as python-blosc2 decompresses it) and OUTDIR/manifest.json (schema in README.md).

Every frame is re-opened from its file to build its manifest entry, and its bytes are
parsed by hand (`check_layout`): the layout facts in frames_info.md are asserted on every
frame, every run. Exit status: 0 on success, 1 on any failure (with a message).
"""

import json
import os
import struct
import sys
import time

import blosc2
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tutorial_codec  # noqa: E402

CODECS = {
    "blosclz": blosc2.Codec.BLOSCLZ,
    "lz4": blosc2.Codec.LZ4,
    "lz4hc": blosc2.Codec.LZ4HC,
    "zlib": blosc2.Codec.ZLIB,
    "zstd": blosc2.Codec.ZSTD,
}
CLEVELS = (0, 1, 5, 9)
F = blosc2.Filter
FILTER_SETS = {
    "none": [],
    "shuffle": [F.SHUFFLE],
    "bitshuffle": [F.BITSHUFFLE],
    "delta": [F.DELTA],
    "trunc_prec": [F.TRUNC_PREC],
    "delta+shuffle": [F.DELTA, F.SHUFFLE],
}
TRUNC_BITS = {4: 10, 8: 20}  # filters_meta of TRUNC_PREC: mantissa bits kept (float32 / float64)
SPLITS = {
    "always": blosc2.SplitMode.ALWAYS_SPLIT,
    "never": blosc2.SplitMode.NEVER_SPLIT,
    "auto": blosc2.SplitMode.AUTO_SPLIT,
}
TYPESIZES = (1, 2, 4, 8, 16)
FLOAT_TYPESIZES = (2, 4, 8, 16)  # float16, float32, float64, complex128
# (chunksize, blocksize, total bytes); all multiples of 16 so every typesize fits.
GEOMETRIES = [
    (65536, 0, 180000, "auto blocksize, last chunk shorter"),
    (40000, 16384, 100000, "chunksize not a multiple of blocksize, last chunk shorter"),
    (32768, 4096, 131072, "blocksize divides chunksize, all chunks full"),
    # A blocksize that is not a multiple of the typesize (1000 with typesize 16) makes C-Blosc2
    # 3.3.5 write a first chunk that it then decodes wrongly or not at all: see frames_info.md.
    (24000, 1040, 72048, "blocksize 1040 (24000 is no multiple of it), 48-byte last chunk"),
    (262144, 0, 100000, "single chunk shorter than chunksize"),
    (4096, 512, 41040, "11 small chunks, 80-byte last chunk"),
    (50000, 50000, 100000, "blocksize == chunksize"),
]
KINDS = ("randwalk", "arange", "random", "floats", "runs")
META_SETS = [
    {},
    {"raw": b"\x00\x01\x02\xfe\xff"},
    {"shape": [100, 200], "dtype": "<f4"},
    {"version": 1, "name": "sandpress", "flag": True, "ratio": 0.5, "neg": -7, "none": None},
    {"a" * 31: {"nested": {"k": [1, 2, 3]}, "b": b"xyz"}},
]
VLMETA_SETS = [
    {},
    {"author": "sandpress interop tests"},
    {"info": {"x": 1, "y": [1.5, None]}, "blob": b"\x00" * 300 + bytes(range(256))},
    {"n": 42, "f": 3.25, "t": True, "neg": -123456789, "big": 2**40},
    {"long_text": "lorem ipsum dolor sit amet " * 200},
]


def ival(x):
    """int of a blosc2 enum member (Codec, Filter, SplitMode are plain Enums) or of an int."""
    return int(getattr(x, "value", x))


class Failure(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Failure(msg)


# ---------------------------------------------------------------------------- data


def make_data(kind, typesize, nbytes, rng):
    n = nbytes // typesize
    if kind == "random":
        return rng.bytes(nbytes)
    if kind == "floats":
        x = np.linspace(0, 60, n)
        y = np.sin(x) * 1000 + rng.standard_normal(n)
        if typesize == 16:
            return (y + 1j * np.cos(x)).astype(np.complex128).tobytes()
        return y.astype({2: np.float16, 4: np.float32, 8: np.float64}[typesize]).tobytes()
    words = n * max(1, typesize // 8)  # typesize 16: two 64-bit words per item
    itype = {1: np.int8, 2: np.int16, 4: np.int32}.get(typesize, np.int64)
    if kind == "randwalk":
        w = np.cumsum(rng.integers(-20, 21, words)).astype(itype)
    elif kind == "arange":
        w = np.arange(words).astype(itype)
    elif kind == "runs":  # runs of equal values, zeros included: zero and repeated-byte streams
        w = np.empty(words, dtype=itype)
        pos = 0
        while pos < words:
            ln = int(rng.integers(1, 5000))
            w[pos:pos + ln] = 0 if rng.random() < 0.4 else int(rng.integers(-100, 100))
            pos += ln
    else:
        raise ValueError(kind)
    b = w.tobytes()
    need(len(b) == nbytes, f"make_data {kind} ts {typesize}: {len(b)} != {nbytes}")
    return b


# ---------------------------------------------------------------------------- helpers


def cparams_for(codec, clevel, filters, typesize, blocksize, split, **extra):
    fl = FILTER_SETS[filters]
    fm = [TRUNC_BITS[typesize] if f == F.TRUNC_PREC else 0 for f in fl]
    cp = {
        "codec": CODECS[codec] if isinstance(codec, str) else codec,
        "clevel": clevel,
        "typesize": typesize,
        "filters": fl or [F.NOFILTER],
        "filters_meta": fm or [0],
        "splitmode": SPLITS[split],
        "blocksize": blocksize,
    }
    cp.update(extra)
    return cp


def chunk_special(chunk):
    """Special-value kind of a chunk (bits 4-6 of header byte 31): 0 none, 1 zero, 2 nan, 3 value, 4 uninit."""
    return (chunk[31] >> 4) & 7


def manifest_entry(path, spec, codec_id):
    """Re-open the frame file and describe it; returns (entry, data bytes)."""
    s = blosc2.open(path, mode="r")
    data, unspecified = [], []
    for i in range(s.nchunks):
        c = s.get_chunk(i)
        d = s.decompress_chunk(i)
        if chunk_special(c) == 4:  # UNINIT: content unspecified, expected bytes are zeros
            unspecified.append(i)
            d = bytes(len(d))
        data.append(d)
    data = b"".join(data)
    filters = [ival(f) for f in FILTER_SETS[spec["filters"]]]
    fmeta = [TRUNC_BITS[spec["typesize"]] if f == ival(F.TRUNC_PREC) else 0 for f in filters]
    entry = {
        "frame": os.path.basename(path),
        "data": os.path.basename(path)[: -len(".b2frame")] + ".bin",
        "codec": spec["codec"],
        "codec_id": ival(codec_id),
        "clevel": spec["clevel"],
        "filters": filters,
        "filters_meta": fmeta,
        "typesize": spec["typesize"],
        "chunksize": int(s.chunksize),
        "blocksize": spec["blocksize"],
        "splitmode": spec["split"],
        "nchunks": int(s.nchunks),
        "meta": {k: blosc2.blosc2_ext.meta__getitem__(s, k).hex() for k in s.meta.keys()},
        "vlmeta": {k: bytes(s.vlmeta.get_vlmeta(k)).hex() for k in s.vlmeta},
        "codec_meta": spec.get("codec_meta", 0),
        "notes": spec["notes"],
    }
    if unspecified:
        entry["unspecified_chunks"] = unspecified
    need(s.typesize == spec["typesize"], f"reopened typesize {s.typesize} != {spec['typesize']}")
    need(len(data) == s.nbytes, f"decompressed {len(data)} bytes, schunk says nbytes {s.nbytes}")
    return entry, data


# ---------------------------------------------------------------------------- layout check
# Asserts, on the raw bytes of every frame, the layout facts written up in frames_info.md.

def be(fmt, b, off):
    return struct.unpack_from(">" + fmt, b, off)[0]


def parse_meta_section(buf, pos, what, idx_from):
    """msgpack [idx_size:u16, {name: offset i32}, [bin32 contents]] as C-Blosc2 writes it.
    Offsets are relative to the start of `buf`; idx_size counts from `idx_from` to the end of
    the map.  Returns {name: (offset, content)}."""
    need(buf[pos] == 0x93 and buf[pos + 1] == 0xCD, f"{what}: no fixarray(3)+uint16 at {pos}")
    idx_size = be("H", buf, pos + 2)
    need(buf[pos + 4] == 0xDE, f"{what}: no map16 at {pos + 4}")
    n = be("H", buf, pos + 5)
    q = pos + 7
    out = {}
    for _ in range(n):
        need(buf[q] & 0xE0 == 0xA0, f"{what}: name is not a fixstr at {q}")
        ln = buf[q] & 0x1F
        name = buf[q + 1:q + 1 + ln].decode()
        q += 1 + ln
        need(buf[q] == 0xD2, f"{what}: offset of {name!r} is not an int32 at {q}")
        off = be("i", buf, q + 1)
        q += 5
        need(buf[off] == 0xC6, f"{what}: content of {name!r} at {off} is not a bin32")
        out[name] = (off, bytes(buf[off + 5:off + 5 + be("I", buf, off + 1)]))
    need(idx_size == q - idx_from, f"{what}: idx_size {idx_size} != {q - idx_from} ({idx_from} .. end of map)")
    need(buf[q] == 0xDC and be("H", buf, q + 1) == n, f"{what}: no array16 of {n} at {q}")
    if n:  # contents follow the array16 header, in map order
        need(min(o for o, _ in out.values()) == q + 3, f"{what}: first content not at {q + 3}")
    return out


def check_layout(b, e):
    hexs = lambda d: {k: v[1].hex() for k, v in d.items()}  # noqa: E731
    need(b[0] == 0x9E, f"header fixarray byte {b[0]:#x} != 0x9e (14 elements)")
    need(b[1:10] == b"\xa8b2frame\x00", "magic")
    need(b[10] == 0xD2 and b[15] == 0xCF and b[24] == 0xA4, "header markers at 10/15/24")
    hlen, flen = be("i", b, 11), be("Q", b, 16)
    need(flen == len(b), f"frame_len {flen} != file size {len(b)}")
    gflags, ftype, cflags, oflags = b[25], b[26], b[27], b[28]
    if e["chunksize"]:
        need(gflags == 0x12, f"general_flags {gflags:#x} != 0x12 (version 2 | 64-bit offsets)")
    else:
        need(gflags == 0x53, f"general_flags {gflags:#x} != 0x53 (version 3 | 64-bit offsets | variable chunks)")
    need(ftype == 0, f"frame_type {ftype}")
    cid = e["codec_id"]
    need(cflags == ((6 if cid >= 160 else cid) | (e["clevel"] << 4)),
         f"codec_flags {cflags:#x}: expected codec id | clevel << 4")
    need(oflags == ival(SPLITS[e["splitmode"]]) - 1, f"byte 28 {oflags} != splitmode - 1")
    for pos, mk in ((29, 0xD3), (38, 0xD3), (47, 0xD2), (52, 0xD2), (57, 0xD2), (62, 0xD1), (65, 0xD1)):
        need(b[pos] == mk, f"marker {mk:#x} missing at {pos}")
    nbytes, cbytes = be("q", b, 30), be("q", b, 39)
    need(be("i", b, 48) == e["typesize"], "typesize")
    need(be("i", b, 58) == e["chunksize"], "chunksize")
    need(b[68] == (0xC3 if e["vlmeta"] else 0xC2), f"has_vlmeta byte {b[68]:#x}")
    need(b[69] == 0xD8 and b[70] == 6, "fixext16 marker / nfilters type byte")
    slots = [(b[71 + i], b[79 + i]) for i in range(6) if b[71 + i]]
    need([f for f, _ in slots] == e["filters"], f"header filters {[f for f, _ in slots]}")
    need([m for _, m in slots] == e["filters_meta"],
         f"header filters_meta {[m for _, m in slots]} != {e['filters_meta']}")
    need(b[77] == cid and b[78] == e["codec_meta"], f"udcodec/codec_meta bytes {b[77]}/{b[78]}")
    need(b[85] == 0 and b[86] == 0, "bytes 85/86 not zero")
    metas = parse_meta_section(b, 87, "metalayers", idx_from=87)  # from the 0x93
    need(hexs(metas) == e["meta"], f"metalayers {hexs(metas)} != manifest {e['meta']}")
    need(hlen == (max(o + 5 + len(c) for o, c in metas.values()) if metas else 87 + 10),
         "header_len != end of the last metalayer content")
    # trailer: found from the end
    need(b[-23] == 0xCE, "trailer_len uint32 marker not at len-23")
    tlen = be("I", b, len(b) - 22)
    need(b[-18] == 0xD8 and b[-17] == 0 and b[-16:] == bytes(16), "fingerprint != d8 00 + 16 zeros")
    t = b[len(b) - tlen:]
    need(t[0] == 0x94 and t[1] == 1, "trailer: fixarray(4), version 1")
    vl = parse_meta_section(t, 2, "vlmetalayers", idx_from=3)  # from the 0xcd, not the 0x93
    vlc = {}
    for k, (_, chunk) in vl.items():
        need(len(chunk) == struct.unpack_from("<i", chunk, 12)[0], f"vlmeta {k}: bin32 len != chunk cbytes")
        vlc[k] = blosc2.decompress(chunk).hex()
    need(vlc == e["vlmeta"], "vlmeta (decompressed) differs from manifest")
    if nbytes == 0:
        need(len(b) - tlen == hlen and cbytes == 0, "empty frame: the trailer does not follow the header")
        return
    # offsets chunk: right after the data section, at header_len + cbytes
    opos = hlen + cbytes
    ocb = struct.unpack_from("<i", b, opos + 12)[0]
    need(opos + ocb == len(b) - tlen, "offsets chunk does not end where the trailer begins")
    offs = blosc2.decompress(bytes(b[opos:opos + ocb]))
    need(len(offs) == 8 * e["nchunks"], f"offsets: {len(offs) // 8} entries != nchunks")
    total = 0
    for i in range(e["nchunks"]):
        (o,) = struct.unpack_from("<q", offs, 8 * i)
        if o < 0:
            need(o & 0x00FFFFFFFFFFFFFF == 0 and (o >> 56) & 0xFF in (0x81, 0x82, 0x84),
                 f"chunk {i}: special offset {o & 0xFFFFFFFFFFFFFFFF:#018x}")
            total += e["chunksize"] if i < e["nchunks"] - 1 else nbytes - total
            continue
        need(o + 32 <= cbytes, f"chunk {i} offset {o} outside the data section")
        cb = struct.unpack_from("<i", b, hlen + o + 12)[0]
        need(o + cb <= cbytes, f"chunk {i} overruns the data section")
        total += check_chunk(bytes(b[hlen + o:hlen + o + cb]), e, f"chunk {i}")
    need(total == nbytes, f"sum of chunk nbytes {total} != header nbytes {nbytes}")


def check_chunk(c, e, what):
    """Walk a stored chunk's blocks and streams as frames_info.md describes them; returns its nbytes."""
    typesize = e["typesize"]
    flags, nbytes, bs, cb = c[2], *struct.unpack_from("<3i", c, 4)
    need(c[0] == 5 and c[1] == 1 and c[3] == typesize and flags & 0x05 == 0x05 and c[30] == 0,
         f"{what}: version/versionlz/typesize/extended-header bits/byte 30")
    special = (c[31] >> 4) & 7
    if special:
        need(special == 3 and cb == 32 + typesize and bs == nbytes, f"{what}: special {special} stored as a chunk")
        return nbytes
    slots = [(c[16 + k], c[24 + k]) for k in range(6) if c[16 + k]]
    need(slots == list(zip(e["filters"], e["filters_meta"])) and c[22] == e["codec_id"]
         and c[23] == e["codec_meta"], f"{what}: filters {slots}, codec id {c[22]}, codec_meta {c[23]}")
    need(0 < bs <= nbytes and bs % typesize == 0, f"{what}: blocksize {bs} for nbytes {nbytes}")
    if flags & 0x02:  # memcpyed: the raw data right after the header, no bstarts
        need(cb == 32 + nbytes, f"{what}: memcpyed but cbytes {cb} != 32 + nbytes {nbytes}")
        return nbytes
    nblocks = -(-nbytes // bs)
    starts = struct.unpack_from(f"<{nblocks}i", c, 32)
    ordered = sorted(starts)  # bstarts may be unsorted
    ends = dict(zip(ordered, ordered[1:] + [cb]))
    for k, start in enumerate(starts):
        leftover = k == nblocks - 1 and nbytes % bs
        nstreams = 1 if flags & 0x10 or leftover else typesize
        p = start
        for _ in range(nstreams):
            (csize,) = struct.unpack_from("<i", c, p)
            p += 4
            if csize < 0:  # a run of byte -csize, then a token byte with bit 0 set
                need(c[p] == 0x01 and -csize <= 255, f"{what}: run stream csize {csize} token {c[p]}")
                p += 1
            else:  # csize 0: a run of zeros; csize == stream size: stored raw
                p += csize
        need(p == ends[start], f"{what}: block {k} streams end at {p}, next block at {ends[start]}")
    return nbytes


# ---------------------------------------------------------------------------- writers


class Writer:
    def __init__(self, outdir):
        self.outdir = outdir
        self.entries = []
        self.rng = np.random.default_rng(20261101)

    def path(self, label):
        return os.path.join(self.outdir, f"{len(self.entries):03d}-{label}.b2frame")

    def finish(self, path, spec, codec_id, expect=None):
        """Describe the written frame, check it, store its data and entry."""
        entry, data = manifest_entry(path, spec, codec_id)
        if expect is not None:
            need(data == expect, f"{path}: python-blosc2 does not decompress its own frame to the input")
        with open(path, "rb") as f:
            try:
                check_layout(f.read(), entry)
            except Failure as err:
                raise Failure(f"{os.path.basename(path)}: {err}") from None
        with open(os.path.join(self.outdir, entry["data"]), "wb") as f:
            f.write(data)
        self.entries.append(entry)

    def frame(self, codec, clevel, filters, typesize, geometry, split, kind, notes,
              meta=None, vlmeta=None, on_disk=False):
        cs, bs, total, gnote = geometry
        data = make_data(kind, typesize, total, self.rng)
        label = f"{codec}-c{clevel}-{filters.replace('+', '_')}-ts{typesize}-{split}-{kind}"
        path = self.path(label)
        cp = cparams_for(codec, clevel, filters, typesize, bs, split)
        kw = {"meta": meta} if meta else {}
        if on_disk:
            kw.update(urlpath=path, contiguous=True, mode="w")
        s = blosc2.SChunk(chunksize=cs, data=data, cparams=cp, **kw)
        for k, v in (vlmeta or {}).items():
            s.vlmeta[k] = v
        if not on_disk:
            with open(path, "wb") as f:
                f.write(s.to_cframe())
        del s
        spec = dict(codec=codec, clevel=clevel, filters=filters, typesize=typesize, blocksize=bs,
                    split=split, notes=f"{kind} data; {gnote}; {'written on disk' if on_disk else 'to_cframe'}"
                    + (f"; {notes}" if notes else ""))
        lossless = F.TRUNC_PREC not in FILTER_SETS[filters]
        self.finish(path, spec, CODECS[codec], expect=data if lossless else None)


def write_matrix(w):
    """codec x clevel x filters in full (120 frames); the other axes cycle through them."""
    n = 0
    for codec in CODECS:
        for clevel in CLEVELS:
            for filters in FILTER_SETS:
                if filters == "trunc_prec":
                    kind, ts = "floats", (4, 8)[(n // len(FILTER_SETS)) % 2]
                else:
                    kind = KINDS[n % len(KINDS)]
                    tss = FLOAT_TYPESIZES if kind == "floats" else TYPESIZES
                    ts = tss[(n // len(KINDS)) % len(tss)]
                w.frame(codec, clevel, filters, ts, GEOMETRIES[n % len(GEOMETRIES)],
                        list(SPLITS)[n % 3], kind, "matrix",
                        meta=META_SETS[n % len(META_SETS)], vlmeta=VLMETA_SETS[(n // 2) % len(VLMETA_SETS)],
                        on_disk=(n % 4 == 3))
                n += 1
    # codec x typesize x filters in full, so every combination is read both ways
    for codec in CODECS:
        for ts in TYPESIZES:
            for filters in FILTER_SETS:
                if filters == "trunc_prec" and ts not in TRUNC_BITS:
                    continue
                kind = "floats" if filters == "trunc_prec" else ("randwalk", "runs")[ts % 2]
                w.frame(codec, (1, 5, 9)[n % 3], filters, ts, GEOMETRIES[n % len(GEOMETRIES)], "auto", kind,
                        "codec x typesize x filters", meta=META_SETS[n % len(META_SETS)])
                n += 1
    # split mode x codec, shuffled int32 random walk (split decisions matter here)
    for codec in CODECS:
        for split in SPLITS:
            w.frame(codec, 5, "shuffle", 4, GEOMETRIES[0], split, "randwalk", "split mode x codec",
                    vlmeta=VLMETA_SETS[n % len(VLMETA_SETS)])
            n += 1


def write_specials(w):
    """Special chunks: fill_special (in memory and on disk), update_special, all-zero data chunks."""
    SV = blosc2.SpecialValue
    cases = [
        ("zero", SV.ZERO, None, 4, False), ("zero", SV.ZERO, None, 8, True),
        ("nan", SV.NAN, None, 4, False), ("nan", SV.NAN, None, 8, True),
        ("value", SV.VALUE, 3.25, 8, False), ("value", SV.VALUE, 7, 2, True),
        ("value", SV.VALUE, bytes(range(16)), 16, False),
        ("uninit", SV.UNINIT, None, 4, False), ("uninit", SV.UNINIT, None, 4, True),
    ]
    for name, sv, value, ts, on_disk in cases:
        cs, nitems = 40000, 25000 * 8 // ts  # 200000 bytes: 4 full chunks + 1 short
        path = w.path(f"special-{name}-ts{ts}-{'disk' if on_disk else 'mem'}")
        cp = cparams_for("zstd", 5, "shuffle", ts, 0, "auto")
        kw = dict(urlpath=path, contiguous=True, mode="w") if on_disk else {}
        s = blosc2.SChunk(chunksize=cs, cparams=cp, **kw)
        s.fill_special(nitems, sv, value=value)
        if not on_disk:
            with open(path, "wb") as f:
                f.write(s.to_cframe())
        del s
        spec = dict(codec="zstd", clevel=5, filters="shuffle", typesize=ts, blocksize=0, split="auto",
                    notes=f"fill_special {name}{'' if value is None else f' value={value!r}'}, "
                    + ("on disk (offsets chunk is itself a run-length chunk)" if on_disk else "to_cframe"))
        w.finish(path, spec, blosc2.Codec.ZSTD)
    # no chunk at all: no offsets chunk, the trailer follows the header
    for on_disk in (False, True):
        path = w.path(f"empty-{'disk' if on_disk else 'mem'}")
        cp = cparams_for("blosclz", 5, "shuffle", 8, 0, "auto")
        kw = dict(urlpath=path, contiguous=True, mode="w") if on_disk else {}
        s = blosc2.SChunk(chunksize=8000, cparams=cp, meta={"empty": True}, **kw)
        s.vlmeta["why"] = "a super-chunk with no chunk"
        if not on_disk:
            with open(path, "wb") as f:
                f.write(s.to_cframe())
        del s
        spec = dict(codec="blosclz", clevel=5, filters="shuffle", typesize=8, blocksize=0, split="auto",
                    notes="no chunks: nbytes 0, no offsets chunk; " + ("on disk" if on_disk else "to_cframe"))
        w.finish(path, spec, blosc2.Codec.BLOSCLZ, expect=b"")
    # a data frame whose chunks are replaced by every kind of special chunk
    for on_disk in (False, True):
        ts, cs = 4, 32768
        path = w.path(f"special-mixed-{'disk' if on_disk else 'mem'}")
        cp = cparams_for("lz4", 5, "shuffle", ts, 4096, "always")
        kw = dict(urlpath=path, contiguous=True, mode="w") if on_disk else {}
        s = blosc2.SChunk(chunksize=cs, cparams=cp, meta={"kind": "mixed"}, **kw)
        data = np.cumsum(w.rng.standard_normal(7 * cs // ts)).astype(np.float32).tobytes()
        for i in range(0, len(data), cs):
            s.append_data(data[i:i + cs])
        s.append_data(bytes(cs))  # an all-zero data chunk: python-blosc2 makes it a zero special
        s.update_special(1, SV.ZERO)
        s.update_special(2, SV.NAN)
        s.update_special(3, SV.VALUE, 2.5)
        s.update_special(4, SV.UNINIT)
        s.vlmeta["specials"] = [1, 2, 3, 4, 7]
        if not on_disk:
            with open(path, "wb") as f:
                f.write(s.to_cframe())
        del s
        spec = dict(codec="lz4", clevel=5, filters="shuffle", typesize=ts, blocksize=4096, split="always",
                    notes="chunks 1-4 replaced by update_special ZERO, NAN, VALUE 2.5, UNINIT; chunk 7 "
                    "appended as all-zero data; " + ("on disk" if on_disk else "to_cframe"))
        w.finish(path, spec, blosc2.Codec.LZ4)


def write_updates(w):
    """update/insert/delete after creation: in memory (sparse and contiguous) then saved, and on disk."""
    ts, cs = 4, 20000
    cp = cparams_for("zstd", 5, "shuffle", ts, 0, "auto")
    rw = lambda: np.cumsum(w.rng.integers(-9, 10, cs // ts)).astype(np.int32).tobytes()  # noqa: E731
    for where in ("sparse", "contig-mem", "disk"):
        path = w.path(f"updates-{where}")
        kw = {"sparse": dict(contiguous=False), "contig-mem": dict(contiguous=True),
              "disk": dict(urlpath=path, contiguous=True, mode="w")}[where]
        s = blosc2.SChunk(chunksize=cs, cparams=cp, meta={"ops": b"uuidd"}, **kw)
        for _ in range(6):
            s.append_data(rw())
        comp = lambda d: blosc2.compress2(d, **cp)  # noqa: E731
        s.update_chunk(1, comp(w.rng.bytes(cs)))           # larger: incompressible
        s.update_chunk(2, comp(np.full(cs // ts, 5, np.int32).tobytes()))  # smaller
        s.insert_chunk(0, comp(rw()))
        s.insert_chunk(s.nchunks, comp(rw()))
        s.delete_chunk(3)                                  # leaves a hole on disk
        s.update_chunk(4, comp(bytes(cs)))                 # zero special over a regular chunk
        s.update_chunk(4, comp(w.rng.bytes(cs)))           # regular over special: appended
        s.vlmeta["history"] = "update 1, update 2, insert 0, insert end, delete 3, update 4 twice"
        s.vlmeta["tmp"] = b"deleted below"
        del s.vlmeta["tmp"]
        if where != "disk":
            with open(path, "wb") as f:
                f.write(s.to_cframe())
        del s
        spec = dict(codec="zstd", clevel=5, filters="shuffle", typesize=ts, blocksize=0, split="auto",
                    notes=f"update_chunk/insert_chunk/delete_chunk after creation ({where}); "
                    "offsets not monotonic; on disk, deleted chunk bytes stay as a hole counted in cbytes")
        w.finish(path, spec, blosc2.Codec.ZSTD)


def write_variable_chunks(w):
    """A chunk updated to a shorter one: the frame becomes variable-chunksize (chunksize 0)."""
    ts, cs = 4, 16000
    path = w.path("variable-chunks-disk")
    cp = cparams_for("lz4", 9, "bitshuffle", ts, 0, "never")
    s = blosc2.SChunk(chunksize=cs, cparams=cp, urlpath=path, contiguous=True, mode="w")
    for k in range(3):
        s.append_data(np.arange(k * cs // ts, (k + 1) * cs // ts, dtype=np.int32))
    s.update_chunk(1, blosc2.compress2(np.arange(1000, dtype=np.int32).tobytes(), **cp))
    del s
    spec = dict(codec="lz4", clevel=9, filters="bitshuffle", typesize=ts, blocksize=0, split="never",
                notes="on disk; chunk 1 updated to a 4000-byte chunk: chunksize 0 (variable), general_flags "
                "0x53, nchunks from the offsets chunk; python-blosc2 4.14.1's schunk[:] dies (SIGFPE) on "
                "such a frame, decompress_chunk works")
    w.finish(path, spec, blosc2.Codec.LZ4)


def write_user_codec(w):
    """The tutorial's Python codec 160: repeated-value blocks are encoded, the others stored raw."""
    tutorial_codec.register()
    ts = 4
    rep = np.repeat(np.arange(30, dtype=np.int32) * 7 - 50, 1000)  # blocks of 1000 equal int32
    rep[12000:13000] = w.rng.integers(0, 100, 1000)               # one block it cannot encode
    tut = np.concatenate([np.full(30000, 1234, np.int32), np.arange(10000, dtype=np.int32),
                          np.full(5000, -1, np.int32)])          # last chunk shorter
    # Split streams reach the codec one by one: with "always" (the tutorial's cparams show
    # ALWAYS_SPLIT) the codec sees typesize streams of blocksize / typesize bytes each.
    cases = [
        ("blocks", rep.tobytes(), 40000, 4000, "never", {"codec": "tutorial 160"}, {"source": "seed tutorial"},
         "blocksize 4000 = runs of 1000 int32, not split: one codec call per block; block 12 is "
         "random and stored raw (stream csize == 4000); block 7 is all 0xff (a run, codec not called)"),
        ("tutorial", tut.tobytes(), 40000, 0, "always", {}, {},
         "split: 4 streams per block reach the codec; the tutorial's data (full 1234), then an "
         "arange chunk (memcpyed) and a short all -1 chunk (runs)"),
    ]
    for label, data, cs, bs, split, meta, vlmeta, notes in cases:
        path = w.path(f"user160-{label}")
        cp = {"codec": tutorial_codec.CODEC_ID, "codec_meta": tutorial_codec.CODEC_META, "clevel": 1,
              "typesize": ts, "nthreads": 1, "filters": [F.NOFILTER], "filters_meta": [0],
              "blocksize": bs, "splitmode": SPLITS[split]}
        s = blosc2.SChunk(chunksize=cs, data=data, cparams=cp, dparams={"nthreads": 1},
                          **({"meta": meta} if meta else {}))
        for k, v in vlmeta.items():
            s.vlmeta[k] = v
        with open(path, "wb") as f:
            f.write(s.to_cframe())
        del s
        spec = dict(codec="user", clevel=1, filters="none", typesize=ts, blocksize=bs, split=split,
                    codec_meta=tutorial_codec.CODEC_META, notes=f"tutorial Python codec 160; {notes}")
        w.finish(path, spec, tutorial_codec.CODEC_ID, expect=data)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    t0 = time.monotonic()
    w = Writer(outdir)
    nthreads = blosc2.nthreads
    try:
        write_matrix(w)
        write_specials(w)
        write_updates(w)
        write_variable_chunks(w)
        blosc2.set_nthreads(1)  # python user codecs refuse threads
        write_user_codec(w)
    except Failure as e:
        print(f"write_frames.py: FAILED after {len(w.entries)} frames: {e}", file=sys.stderr)
        return 1
    finally:
        blosc2.set_nthreads(nthreads)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(w.entries, f, indent=1)
    size = sum(os.path.getsize(os.path.join(outdir, e["frame"])) for e in w.entries)
    print(f"write_frames.py: {len(w.entries)} frames ({size / 1e6:.1f} MB) in {outdir}, "
          f"layout checked, {time.monotonic() - t0:.1f} s (python-blosc2 {blosc2.__version__}, "
          f"C-Blosc2 {blosc2.blosclib_version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
