"""sandpress components inside python-blosc2 through the C-Blosc2 dynamic
plugin (blosc2_sandpress): run by tests/all/interop/blosc2_plugin.rs as

    python blosc2_plugin.py DIR

DIR holds the package (blosc2_sandpress/, on sys.path), the components
(delta-filter.wasm, step-codec.wasm, repeat-codec.wasm, trap-codec.wasm,
loop-codec.wasm)
and from_sandpress.b2frame / .raw, written by sandpress. Writes
from_python.b2frame / .raw for sandpress to read. Exits 0 when every check
holds; prints what it measured.
"""

import os
import sys
import time

import numpy as np

DIR = sys.argv[1]
sys.path.insert(0, DIR)

import blosc2  # noqa: E402
import blosc2_sandpress as sp  # noqa: E402


def path(name):
    return os.path.join(DIR, name)


sp.register_filter(160, path("delta-filter.wasm"))
sp.register_codec(184, path("step-codec.wasm"))

# The tutorial's pipeline on two threads: delta filter 160, step codec 184.
data = np.arange(2_000_000, dtype=np.int32)
cparams = {"codec": 184, "filters": [160], "filters_meta": [0], "typesize": 4, "nthreads": 2}
dparams = {"nthreads": 2}
frame = path("from_python.b2frame")
schunk = blosc2.SChunk(chunksize=1 << 20, data=data, cparams=cparams, dparams=dparams,
                       urlpath=frame, contiguous=True, mode="w")
out = np.empty_like(data)
schunk.get_slice(0, data.size, out)
assert np.array_equal(out, data), "round trip through the Wasm codec and filter"
assert schunk.cratio > 5, schunk.cratio
data.tofile(path("from_python.raw"))
print(f"python-blosc2 round trip, 2 threads: cratio {schunk.cratio:.1f}")

# The tutorial's codec 160 (one repeated value per block) on two threads.
sp.register_codec(160, path("repeat-codec.wasm"))
steps = np.repeat(np.arange(64, dtype=np.int32), 1 << 14)
rep = blosc2.SChunk(chunksize=1 << 20, data=steps, dparams=dparams,
                    cparams={"codec": 160, "filters": [0], "typesize": 4, "nthreads": 2,
                             "blocksize": 1 << 16})
back = np.empty_like(steps)
rep.get_slice(0, steps.size, back)
assert np.array_equal(back, steps) and rep.cratio > 100, rep.cratio
print(f"codec 160 round trip, 2 threads: cratio {rep.cratio:.0f}")

# A frame sandpress wrote with the same components.
theirs = blosc2.open(path("from_sandpress.b2frame"), dparams=dparams)
raw = np.fromfile(path("from_sandpress.raw"), dtype=np.uint8)
got = np.empty(theirs.nbytes, dtype=np.uint8)
theirs.get_slice(0, theirs.nbytes // theirs.typesize, got)
assert np.array_equal(got, raw), "sandpress's frame read by python-blosc2"
print(f"sandpress frame read: {theirs.nbytes} bytes")

# Hostile components (they trap, or loop, on a block whose first byte is
# 0xFF): a Python exception, and the interpreter goes on; also with
# CPython's own SIGSEGV/SIGILL handlers installed after the engine started
# (the plugin's traps use no signals).
import faulthandler  # noqa: E402

faulthandler.enable()
bad = np.random.default_rng(1).integers(0, 255, 1 << 17, dtype=np.uint8)
bad[::1024] = 0xFF
for cid, name, cause in [(200, "trap-codec.wasm", "trap"), (201, "loop-codec.wasm", "deadline")]:
    sp.register_codec(cid, path(name))
    start = time.perf_counter()
    try:
        blosc2.SChunk(chunksize=1 << 16, data=bad,
                      cparams={"codec": cid, "filters": [0], "typesize": 1, "nthreads": 2})
    except Exception as e:  # python-blosc2 raises RuntimeError
        why = sp.last_error()
        assert cause in why, why
        print(f"{name}: {type(e).__name__} after {time.perf_counter() - start:.2f} s: {why}")
    else:
        raise AssertionError(f"{name} compressed")

# And the good codec still works after them.
again = blosc2.SChunk(chunksize=1 << 20, data=data, cparams=cparams, dparams=dparams)
out2 = np.empty_like(data)
again.get_slice(0, data.size, out2)
assert np.array_equal(out2, data)

# Many contexts in turn, each with its own two C-Blosc2 threads for each
# direction: instances that ended threads left behind serve the new ones,
# and every round trip stays exact.
for k in range(12):
    ramp = np.arange(k, k + 500_000, dtype=np.int32) * (k + 1)
    churn = blosc2.SChunk(chunksize=1 << 19, data=ramp, cparams=cparams, dparams=dparams)
    back = np.empty_like(ramp)
    churn.get_slice(0, ramp.size, back)
    assert np.array_equal(back, ramp), f"context {k}"
    del churn
print("12 contexts in turn, 2 threads each: exact")

try:
    sp.register_codec(150, path("step-codec.wasm"))
except sp.SandpressError as e:
    assert "160..=255" in str(e), e
else:
    raise AssertionError("id 150 accepted")
print("ok")
