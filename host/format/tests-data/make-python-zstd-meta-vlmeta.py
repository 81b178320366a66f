# Writes python-zstd-meta-vlmeta.b2frame with python-blosc2 4.14.1 (run in a venv with blosc2).
import blosc2, numpy as np
a = np.arange(100, dtype=np.int32)
cp = {"codec": blosc2.Codec.ZSTD, "clevel": 1, "typesize": 4}
s = blosc2.SChunk(chunksize=160, data=a.tobytes(), cparams=cp, urlpath="python-zstd-meta-vlmeta.b2frame", mode="w", meta={"m1": b"hello", "m2": [1,2]})
s.vlmeta["v1"] = b"abc"
s.vlmeta["v2"] = {"x": 1}
print(s.nchunks, s.cbytes, s.nbytes)
