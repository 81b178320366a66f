#!/usr/bin/env bash
# Create (once) the Python venv used by the python-blosc2 interop tests and print
# its python's path on stdout (the only line on stdout; progress goes to stderr).
#
#   SANDPRESS_PYENV  venv directory (default: target/pyenv, relative to the repo root)
#   PYTHON           interpreter to build the venv from (default: python3)
#
#   --check          install nothing: print the path and exit 0 when the venv is
#                    there and usable, else exit 1 (what the tests run; they
#                    skip, or fail under SANDPRESS_REQUIRE_ALL=1, without it)
#
# Idempotent: an existing venv that already has blosc2==4.14.1 and numpy is reused
# without touching the network.
set -euo pipefail

BLOSC2_VERSION=4.14.1

die() { echo "setup-venv.sh: error: $*" >&2; exit 1; }

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${SANDPRESS_PYENV:-target/pyenv}
case $venv in /*) ;; *) venv=$repo_root/$venv ;; esac
py=$venv/bin/python
base_python=${PYTHON:-python3}

# One setup at a time (parallel test processes may all call this script).
mkdir -p "$(dirname "$venv")"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9
fi

check_venv() {
    [ -x "$py" ] && "$py" - "$BLOSC2_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
import blosc2, numpy, msgpack  # noqa: F401
sys.exit(0 if blosc2.__version__ == sys.argv[1] else 1)
EOF
}

if [ "${1:-}" = --check ]; then
    check_venv && echo "$py"
    exit
fi

if check_venv; then
    echo "$py"
    exit 0
fi

command -v "$base_python" >/dev/null 2>&1 \
    || die "'$base_python' not found; install CPython >= 3.11 (Debian: apt-get install python3 python3-venv python3-pip) or set PYTHON"
version=$("$base_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
    || die "'$base_python' does not run as a Python interpreter"
"$base_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "'$base_python' is Python $version: blosc2 $BLOSC2_VERSION needs CPython >= 3.11"

if [ -e "$venv" ]; then
    echo "setup-venv.sh: $venv exists but lacks blosc2==$BLOSC2_VERSION/numpy: recreating it" >&2
    rm -rf "$venv"
fi
echo "setup-venv.sh: creating venv $venv with Python $version ($base_python)" >&2
"$base_python" -m venv "$venv" >&2 \
    || die "'$base_python -m venv $venv' failed (Debian: apt-get install python3-venv)"
[ -x "$py" ] || die "venv created but $py is missing"

echo "setup-venv.sh: pip install blosc2==$BLOSC2_VERSION numpy (from PyPI)" >&2
if ! "$py" -m pip install --disable-pip-version-check --no-input --quiet \
        "blosc2==$BLOSC2_VERSION" numpy msgpack >&2; then
    rm -rf "$venv"
    die "pip could not install blosc2==$BLOSC2_VERSION and numpy into $venv (is PyPI reachable? is there a wheel for Python $version on $(uname -m)?)"
fi

check_venv || { "$py" -c "import blosc2; print('blosc2', blosc2.__version__)" >&2 || true
                die "venv $venv was installed but 'import blosc2' ($BLOSC2_VERSION), numpy or msgpack still fails"; }
echo "$py"
