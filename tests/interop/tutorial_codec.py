"""The seed tutorial's Python user codec (the "repeated value" codec), id 160.

`encoder` and `decoder` are copied exactly from the python-blosc2 tutorial
"User-defined codecs and filters" (shared/seed/python-blosc2-user-defined-codecs-and-filters.txt),
including their module-level `dtype` (int32): the codec only handles typesize 4.

- A block whose int32 values are all equal is encoded as `[value (typesize bytes), nrep (4 bytes)]`,
  nrep in little endian when codec_meta == 0 (big endian when 1).
- Any other block returns 0, and Blosc2 stores it raw (memcpy).

Python user codecs refuse threads: callers compress and decompress with nthreads = 1
(`blosc2.set_nthreads(1)` before `blosc2.open`, `"nthreads": 1` in cparams/dparams).
"""

import sys

import blosc2
import numpy as np

CODEC_NAME = "our_codec"
CODEC_ID = 160
# As the tutorial sets it: the byte order the encoder writes nrep in.
CODEC_META = 0 if sys.byteorder == "little" else 1

dtype = np.dtype(np.int32)


def encoder(input, output, meta, schunk):
    nd_input = input.view(dtype)
    # Check if all the values are the same
    if np.max(nd_input) == np.min(nd_input):
        # output = [value, nrep]
        output[0 : schunk.typesize] = input[0 : schunk.typesize]
        byteorder = "little" if meta == 0 else "big"
        n = nd_input.size.to_bytes(4, byteorder)
        output[schunk.typesize : schunk.typesize + 4] = [n[i] for i in range(4)]
        return schunk.typesize + 4
    else:
        # memcpy
        return 0


def decoder(input, output, meta, schunk):
    byteorder = "little" if meta == 0 else "big"
    if byteorder == "little":
        nd_input = input.view("<i4")
    else:
        nd_input = input.view(">i4")
    nd_output = output.view("i4")
    nd_output[0 : nd_input[1]] = [nd_input[0]] * nd_input[1]
    return nd_input[1] * schunk.typesize


_registered = False


def register():
    """Register the tutorial codec under id 160 (once per process)."""
    global _registered
    if not _registered:
        blosc2.register_codec(CODEC_NAME, CODEC_ID, encoder, decoder)
        _registered = True
