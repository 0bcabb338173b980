#!/usr/bin/env bash
# Set up a Python virtual environment in .venv with timekeeper installed (editable).
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --test   plus the test tools, and the system packages the tests drive
#                             for real: OBS Studio under Xvfb, and Chromium (Debian, needs root)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=no
[[ "${1:-}" == "--test" ]] && want_test=yes

if [[ $want_test == yes ]] && command -v apt-get >/dev/null 2>&1; then
  pkgs=(obs-studio obs-plugins xvfb xauth libgl1-mesa-dri chromium fonts-dejavu-core)
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    echo "setup: installing system packages: ${missing[*]}" >&2
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extra=""
[[ $want_test == yes ]] && extra="[test]"
stamp=".venv/.installed$extra"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extra"
  touch "$stamp"
fi
