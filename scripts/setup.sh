#!/usr/bin/env bash
# Set up a Python virtual environment in .venv with timekeeper installed (editable), from the lock.
#   scripts/setup.sh          runtime only (requirements/runtime.lock)
#   scripts/setup.sh --test   the tested set (requirements/test.lock), and the system packages the
#                             tests drive for real: OBS Studio under Xvfb, Chromium and the
#                             mosquitto MQTT broker, ffmpeg for bench/bench_obs_frames.py (Debian,
#                             needs root or sudo; the tests start
#                             their own brokers, the system service is not used)
# Every Python package comes from a lock with its hashes; nothing is resolved at install time.
# To change a dependency on purpose: scripts/lock.sh (see the README's Development section).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=no
[[ "${1:-}" == "--test" ]] && want_test=yes

if [[ $want_test == yes ]] && command -v apt-get >/dev/null 2>&1; then
  # ffmpeg: cuts --split and the frame checks; openssl: the TLS tests' certificates;
  # e2fsprogs (chattr): the fault harness's read-only log folder, even for root
  pkgs=(obs-studio obs-plugins xvfb xauth libgl1-mesa-dri chromium fonts-dejavu-core mosquitto
        ffmpeg openssl e2fsprogs)
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
lock=requirements/runtime.lock
[[ $want_test == yes ]] && lock=requirements/test.lock
stamp=".venv/.installed-$(basename "$lock")"
if [[ ! -f "$stamp" || "$lock" -nt "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
  echo "setup: installing Python packages from $lock" >&2
  "${pip[@]}" install --require-hashes --no-deps -r "$lock"
  "${pip[@]}" install --no-deps --no-build-isolation -e .
  "${pip[@]}" check >&2
  rm -f .venv/.installed-*
  touch "$stamp"
fi
