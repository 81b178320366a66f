#!/usr/bin/env bash
# Builds the python-blosc2 plugin's wheel (blosc2_sandpress) with maturin and
# installs it into the interop venv, then checks that python-blosc2 runs the
# example delta filter and step codec through it on two threads.
#
#   tests/interop/build-wheel.sh [--release]
#   tests/interop/build-wheel.sh --setup     # install maturin only (scripts/setup)
#
# Without --release the wheel is built from the dev profile, which the test
# suite has already built (nothing is compiled twice). maturin comes from
# PyPI into the interop venv, once (a venv that has it is not touched). The
# wheel lands in target/wheels.
set -euo pipefail
cd "$(dirname "$0")/../.."

MATURIN_VERSION=1.16.0

profile=dev; dir=debug
if [ "${1:-}" = "--release" ]; then profile=release; dir=release; fi

py=$(tests/interop/setup-venv.sh)
if ! "$py" - "$MATURIN_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
import cffi  # noqa: F401
sys.exit(0 if version("maturin") == sys.argv[1] else 1)
PY
then
    "$py" -m pip install --disable-pip-version-check --no-input --quiet \
        "maturin==$MATURIN_VERSION" "cffi>=1.17" >&2
fi
[ "${1:-}" = "--setup" ] && exit 0

# The filter library is a crate of its own (C-Blosc2 wants a second `info`);
# the wheel carries it beside __init__.py.
cargo build --locked --profile "$profile" -p sandpress-blosc2-filter >&2
cp "target/$dir/libblosc2_sandpress_filter.so" host/blosc2-plugin/python/blosc2_sandpress/
"$(dirname "$py")/maturin" build --locked --profile "$profile" -i "$py" \
    -m host/blosc2-plugin/Cargo.toml -o target/wheels >&2
wheel=$(ls -t target/wheels/blosc2_sandpress-*.whl | head -n 1)
"$py" -m pip install --disable-pip-version-check --no-input --quiet \
    --force-reinstall --no-deps "$wheel" >&2

# The installed wheel, as a python-blosc2 user runs it.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cargo run --locked --profile "$profile" -q -- example-plugins "$work" >/dev/null
(cd "$work" && "$py" - <<'PY'
import numpy as np, blosc2, blosc2_sandpress as sp
sp.register_filter(160, "delta-filter.wasm")
sp.register_codec(184, "step-codec.wasm")
a = np.arange(1_000_000, dtype=np.int32)
cp = {"codec": 184, "filters": [160], "filters_meta": [0], "typesize": 4, "nthreads": 2}
s = blosc2.SChunk(chunksize=1 << 20, data=a, cparams=cp, dparams={"nthreads": 2})
out = np.empty_like(a)
s.get_slice(0, a.size, out)
assert np.array_equal(a, out) and s.cratio > 5, s.cratio
print(f"wheel installed: python-blosc2 ran the Wasm filter and codec on 2 threads, cratio {s.cratio:.0f}")
PY
)
echo "$wheel"
