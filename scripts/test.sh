#!/usr/bin/env bash
# Set up (Python packages, OBS Studio, Chromium), then run the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/core -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
