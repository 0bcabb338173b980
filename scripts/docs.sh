#!/usr/bin/env bash
# Build the documentation site from docs/ into site/ (mkdocs-material), strictly: a broken link, a
# missing page or a page left out of the navigation fails the build. Its tools come from their own
# lock (requirements/docs.lock) into .venv-docs, apart from the tested set.
#   scripts/docs.sh            build into site/
#   scripts/docs.sh serve      preview on http://127.0.0.1:8000 while editing
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1  # mkdocs-material's notice about its successor (README design notes)
python=${PYTHON:-python3}
[[ -x .venv-docs/bin/python ]] || "$python" -m venv .venv-docs
stamp=.venv-docs/.installed-docs.lock
if [[ ! -f "$stamp" || requirements/docs.lock -nt "$stamp" ]]; then
  echo "docs: installing the site's tools from requirements/docs.lock" >&2
  .venv-docs/bin/python -m pip --disable-pip-version-check -q install --require-hashes --no-deps \
    -r requirements/docs.lock
  touch "$stamp"
fi
if [[ "${1:-}" == "serve" ]]; then
  exec .venv-docs/bin/mkdocs serve --strict
fi
exec .venv-docs/bin/mkdocs build --strict --site-dir site
