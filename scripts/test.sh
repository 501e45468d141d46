#!/usr/bin/env bash
# One command for the whole test suite on a fresh Debian 12: installs what is missing,
# builds, and runs every test (core numerics, CLI contract, GUI on Qt's offscreen platform).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build/release --output-on-failure -j2 --timeout 900
echo "screenshots from the GUI tests: build/release/screenshots/"
