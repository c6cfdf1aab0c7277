#!/usr/bin/env bash
# One entry point that sets everything up on a fresh clone (needs only Python 3.11+):
#   ./run.sh demo      check a sample brief against a sample site served on 127.0.0.1
#   ./run.sh test      run the test suite
#   ./run.sh uv ARGS   the project's uv, e.g. ./run.sh uv run lint-imports
#   ./run.sh ARGS...   any other verifier command, e.g. ./run.sh check brief.md
set -euo pipefail
case "$0" in */*) cd "${0%/*}" ;; esac

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  for c in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv" ".tools/uv/bin/uv"; do
    if [ -x "$c" ]; then echo "$c"; return; fi
  done
  return 1
}

# The first interpreter that actually runs and is 3.11 or newer: a name on the PATH may be a pyenv
# shim for a version that is not installed, which fails when run, so each candidate is tried.
find_python() {
  for name in python3.13 python3.12 python3.11 python3 python; do
    for c in $(type -aP "$name" 2>/dev/null); do
      if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        echo "$c"; return
      fi
    done
  done
  return 1
}

if [ "${1:-}" = "--which-python" ]; then find_python || { echo "run.sh: no Python 3.11 or newer runs here" >&2; exit 2; }; exit 0; fi

UV=$(find_uv || true)
if [ -z "$UV" ]; then
  py=$(find_python || true)
  [ -n "$py" ] || { echo "run.sh: Python 3.11 or newer is needed (none of python3.13, python3.12, python3.11, python3 on the PATH runs)" >&2; exit 2; }
  echo "run.sh: installing uv into .tools/uv with $py (once)" >&2
  "$py" -m venv .tools/uv >/dev/null
  .tools/uv/bin/python -m pip install --quiet --disable-pip-version-check uv
  UV=.tools/uv/bin/uv
fi

# Trust the machine's own certificate store too (a corporate or sandbox CA lives there, not in uv's
# bundled roots); older uv calls it native TLS.
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-1} UV_NATIVE_TLS=${UV_NATIVE_TLS:-1}
# The first install byte-compiles: every `verifier` start then reads .pyc files, even where
# PYTHONDONTWRITEBYTECODE keeps Python from writing them (a cold trafilatura import costs seconds).
if [ -d .venv ]; then
  "$UV" sync --frozen --quiet
else
  echo "run.sh: installing the locked dependencies into .venv (once; the first run downloads them)" >&2
  UV_COMPILE_BYTECODE=${UV_COMPILE_BYTECODE:-1} "$UV" sync --frozen --quiet
fi
.venv/bin/python -m compileall -q verifier workers >/dev/null 2>&1 || true  # our own code too (skips what is current)
case "${1:-demo}" in
  test) shift; exec "$UV" run --frozen pytest "$@" ;;
  uv) shift; exec "$UV" "$@" ;;
  demo) shift || true; exec "$UV" run --frozen verifier demo "$@" ;;
  *) exec "$UV" run --frozen verifier "$@" ;;
esac
