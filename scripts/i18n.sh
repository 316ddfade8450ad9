#!/usr/bin/env bash
# Update the English catalog from the Chinese source strings and compile it.
# Needs GNU gettext (apt-get install gettext). The compiled .mo file is committed.
set -euo pipefail
cd "$(dirname "$0")/../src/sunlit"
export SUNLIT_DATA_DIR="${SUNLIT_DATA_DIR:-$(mktemp -d)}"
../../.venv/bin/sunlit makemessages -l en --no-obsolete --no-location --ignore "static/*" --ignore "*/static/*"
../../.venv/bin/sunlit compilemessages -l en
