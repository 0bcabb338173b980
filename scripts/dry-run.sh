#!/usr/bin/env bash
# Set up, then open the operator dashboard on programme.yaml as a dry run (nothing is sent to OBS).
# Extra arguments go to `timekeeper run`, e.g. scripts/dry-run.sh --at 16:09:30 --speed 10
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/timekeeper run programme.yaml --dry-run "$@"
