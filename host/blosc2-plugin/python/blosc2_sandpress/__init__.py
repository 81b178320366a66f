"""sandpress WebAssembly components as python-blosc2 codecs and filters.

    import blosc2, blosc2_sandpress
    blosc2_sandpress.register_filter(160, "delta-filter.wasm")
    blosc2_sandpress.register_codec(184, "step-codec.wasm")
    cparams = {"codec": 184, "filters": [160], "filters_meta": [0], "nthreads": 2}
    schunk = blosc2.SChunk(chunksize=..., data=array, cparams=cparams)

Each component is checked and compiled once, then runs sandboxed inside
C-Blosc2's worker threads, one instance per thread: on every core, with
the sandpress CLI's limits (a call's deadline, fuel, memory). A component
that traps, loops or runs out of memory makes the python-blosc2 call raise
(C-Blosc2 says only that the codec or filter failed; `last_error()` says
why); it never ends the interpreter.

C-Blosc2 loads dynamic plugins by name: codecs registered here are all
named `sandpress` (library `libblosc2_sandpress.so`), filters
`sandpress_filter` (`libblosc2_sandpress_filter.so`). Both libraries are
loaded by this package, by their full paths, before python-blosc2 needs
them; `print_libpath()` is C-Blosc2's fallback way to find the codec one.
"""

import ctypes
import os

__all__ = ["register_codec", "register_filter", "last_error", "print_libpath", "SandpressError"]

# In the wheel (maturin): the codec library is _native/lib_native.so (its
# DT_SONAME stays libblosc2_sandpress.so, which is what C-Blosc2 asks the
# dynamic loader for), the filter library sits beside this file.
# BLOSC2_SANDPRESS_LIB_DIR names a directory holding both under their own
# names (a development build: target/debug).
_HERE = os.path.dirname(os.path.abspath(__file__))
_DIR = os.environ.get("BLOSC2_SANDPRESS_LIB_DIR")
if _DIR:
    libpath = os.path.join(_DIR, "libblosc2_sandpress.so")
    filter_libpath = os.path.join(_DIR, "libblosc2_sandpress_filter.so")
else:
    libpath = os.path.join(_HERE, "_native", "lib_native.so")
    filter_libpath = os.path.join(_HERE, "libblosc2_sandpress_filter.so")

_CODEC, _FILTER = 0, 1
_libs = None
# (kind, id) already named to python-blosc2: a new component for an id
# only replaces what the library runs for it.
_named = set()


class SandpressError(RuntimeError):
    """A component was refused (not a component, the wrong world, an id
    outside 160-255)."""


def print_libpath():
    """Prints the codec library's path for C-Blosc2 (no newline: C-Blosc2
    keeps what it reads as the path)."""
    print(libpath, end="")


def _load():
    global _libs
    if _libs is None:
        lib = ctypes.CDLL(libpath)
        shim = ctypes.CDLL(filter_libpath)
        lib.sandpress_register.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
        ]
        lib.sandpress_register.restype = ctypes.c_int
        lib.sandpress_last_error.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lib.sandpress_last_error.restype = ctypes.c_size_t
        shim.sandpress_filter_connect.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        shim.sandpress_filter_connect.restype = None
        shim.sandpress_filter_connect(
            ctypes.cast(lib.sandpress_forward, ctypes.c_void_p),
            ctypes.cast(lib.sandpress_backward, ctypes.c_void_p),
        )
        _libs = (lib, shim)
    return _libs[0]


def last_error():
    """Why the last call into a component failed, in this process."""
    lib = _load()
    n = lib.sandpress_last_error(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    lib.sandpress_last_error(buf, n + 1)
    return buf.value.decode("utf-8", "replace")


def _component_bytes(component):
    if isinstance(component, (bytes, bytearray, memoryview)):
        return bytes(component)
    with open(os.fspath(component), "rb") as f:
        return f.read()


def _register(kind, id, component):
    lib = _load()
    data = _component_bytes(component)
    sha = ctypes.create_string_buffer(65)
    if lib.sandpress_register(kind, id, data, len(data), sha) != 0:
        raise SandpressError(last_error())
    return sha.value.decode()


def register_codec(id, component):
    """Makes the component (a path or its bytes) python-blosc2's codec
    `id` (160-255); returns its sha256 in hex."""
    import blosc2

    sha = _register(_CODEC, id, component)
    if (_CODEC, id) not in _named:
        blosc2.register_codec("sandpress", id)
        _named.add((_CODEC, id))
    return sha


def register_filter(id, component):
    """Makes the component (a path or its bytes) python-blosc2's filter
    `id` (160-255); returns its sha256 in hex."""
    import blosc2

    sha = _register(_FILTER, id, component)
    if (_FILTER, id) not in _named:
        blosc2.register_filter(id, name="sandpress_filter")
        _named.add((_FILTER, id))
    return sha
