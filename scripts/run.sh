#!/usr/bin/env bash
# One command to see LayerLens work: installs what is missing, builds, and opens the main
# window on the built-in demo layer with the default comparison running. Without a display
# it says so, renders the same window offscreen to a PNG and prints the CLI's report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
bin=build/release/app
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin/layerlens" --demo "$@"
fi
echo "layerlens: no display found (DISPLAY is not set); using Qt's offscreen platform instead."
shot=build/release/run-screenshot.png
QT_QPA_PLATFORM=offscreen "$bin/layerlens" --demo --screenshot "$shot" "$@"
echo "layerlens: the main window, rendered offscreen: $shot"
echo
echo "layerlens: the same comparison from the command line:"
"$bin/layerlens-cli" compare --demo --methods "$("$bin/layerlens-cli" methods --names)"
