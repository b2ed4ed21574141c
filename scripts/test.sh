#!/usr/bin/env bash
# The test suite (tiny networks and data): two pytest workers, one per core (pytest-xdist); the tests that
# share the trained baselines run on one worker (xdist_group). Extra arguments go to pytest.
source "$(dirname "$0")/setup.sh"
exec .venv/bin/python -m pytest -q -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
