# Sourced by the other scripts: a virtual environment in .venv with the project installed.
# Re-installs only when pyproject.toml changed. Sets TF_AEGAN_DATA_DIR to ../shared/datasets when it exists.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PY" >&2
  "$PY" -m venv .venv
fi
STAMP=".venv/.setup-stamp"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "setup: installing tf-aegan and its dependencies into .venv (a few minutes the first time)" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -e ".[test]" >&2
  echo "$WANT" > "$STAMP"
fi
if [ -z "${TF_AEGAN_DATA_DIR:-}" ] && [ -d "$ROOT/../shared/datasets" ]; then
  export TF_AEGAN_DATA_DIR="$(cd "$ROOT/../shared/datasets" && pwd)"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
