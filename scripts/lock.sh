#!/usr/bin/env bash
# Refresh the locks on purpose: resolve pyproject.toml's ranges again and rewrite
# requirements/test.lock (the tested set: runtime, test tools, build backend) and
# requirements/runtime.lock (its runtime part, the same versions); and requirements/docs.lock
# (the documentation site's tools, requirements/docs.in).
#   scripts/lock.sh                      keep every locked version that still fits; add what is new
#   scripts/lock.sh --upgrade            take the newest versions the ranges allow
#   scripts/lock.sh --upgrade-package X  move only X (repeatable)
# Then run scripts/test.sh and commit the locks with the reason; CI installs only from them.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9  # the locking tool is pinned too, so a refresh means the same on every machine
tool=${XDG_CACHE_HOME:-$HOME/.cache}/timekeeper-lock-uv-$UV_VERSION
if [[ ! -x "$tool/bin/uv" ]]; then
  python3 -m venv "$tool"
  "$tool/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi
uv="$tool/bin/uv"
common=(--generate-hashes --universal --python-version 3.11 --quiet)
before=$(mktemp); trap 'rm -f "$before"' EXIT
cat requirements/test.lock > "$before" 2>/dev/null || true
"$uv" pip compile pyproject.toml requirements/build.in --extra test "${common[@]}" "$@" \
  -o requirements/test.lock
"$uv" pip compile pyproject.toml requirements/build.in -c requirements/test.lock "${common[@]}" \
  -o requirements/runtime.lock
# the documentation site's tools: a set of their own (scripts/docs.sh), not part of the tested set
"$uv" pip compile requirements/docs.in "${common[@]}" -o requirements/docs.lock
echo "lock: changes to the tested set (old → new):"
diff <(grep -E '^[a-z0-9].*==' "$before" | sed 's/ .*//') \
     <(grep -E '^[a-z0-9].*==' requirements/test.lock | sed 's/ .*//') | grep '^[<>]' || echo "  none"
echo "lock: now run scripts/test.sh, and commit requirements/*.lock with why they changed"
