#!/usr/bin/env bash
# Create (once) the Python venv with moto's S3 server, used by the tests of
# the service on S3-compatible storage, and print the path of its
# `moto_server` on stdout (the only line on stdout; progress goes to stderr).
#
#   SANDPRESS_MOTOENV  venv directory (default: target/motoenv, relative to the repo root)
#   PYTHON             interpreter to build the venv from (default: python3)
#
#   --check          install nothing: print the path and exit 0 when the venv is
#                    there and usable, else exit 1 (what the tests run; they
#                    skip, or fail under SANDPRESS_REQUIRE_ALL=1, without it)
#
# Idempotent: a venv that already has moto==$MOTO_VERSION is reused without
# touching the network.
set -euo pipefail

MOTO_VERSION=5.2.5

die() { echo "setup-moto.sh: error: $*" >&2; exit 1; }

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${SANDPRESS_MOTOENV:-target/motoenv}
case $venv in /*) ;; *) venv=$repo_root/$venv ;; esac
py=$venv/bin/python
server=$venv/bin/moto_server
base_python=${PYTHON:-python3}

# One setup at a time (parallel test processes may all call this script).
mkdir -p "$(dirname "$venv")"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9
fi

check_venv() {
    [ -x "$server" ] && [ -x "$py" ] && "$py" - "$MOTO_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
import flask, moto.server  # noqa: F401  (moto[server])
sys.exit(0 if version("moto") == sys.argv[1] else 1)
PY
}

if [ "${1:-}" = --check ]; then
    check_venv && echo "$server"
    exit
fi

if check_venv; then
    echo "$server"
    exit 0
fi

command -v "$base_python" >/dev/null 2>&1 \
    || die "'$base_python' not found; install CPython >= 3.9 (Debian: apt-get install python3 python3-venv) or set PYTHON"
if [ -e "$venv" ]; then
    echo "setup-moto.sh: $venv lacks moto[server]==$MOTO_VERSION: recreating it" >&2
    rm -rf "$venv"
fi
echo "setup-moto.sh: creating venv $venv" >&2
"$base_python" -m venv "$venv" >&2 \
    || die "'$base_python -m venv $venv' failed (Debian: apt-get install python3-venv)"
echo "setup-moto.sh: pip install moto[server]==$MOTO_VERSION (from PyPI)" >&2
if ! "$py" -m pip install --disable-pip-version-check --no-input --quiet \
        "moto[server]==$MOTO_VERSION" >&2; then
    rm -rf "$venv"
    die "pip could not install moto[server]==$MOTO_VERSION into $venv (is PyPI reachable?)"
fi
check_venv || die "moto[server]==$MOTO_VERSION was installed into $venv but does not import"
echo "$server"
