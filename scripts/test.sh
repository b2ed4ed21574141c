#!/usr/bin/env bash
# The test suite (tiny networks and data; a few minutes on 2 cores). Extra arguments go to pytest.
source "$(dirname "$0")/setup.sh"
exec .venv/bin/python -m pytest -q "$@"
