#!/usr/bin/env bash
# The core and CLI suites under AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset,
# gcc, GUI off), in build/asan. Not run by CI: it is slow (a full build plus a 2-10x slower suite).
#
#   scripts/asan.sh [CTEST_ARGS ...]      e.g. scripts/asan.sh -R Hdf5Io
#
# Environment: JOBS (build and test parallelism, default 2), NICE (default 19: other builds on
# the machine keep priority). The full test log is build/asan/ctest.log; the sanitizer reports
# found in it are summarised at the end. Tests that fail in the parallel run are run again one
# at a time (build/asan/ctest-rerun.log). Exit status: nonzero when a test still fails alone.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
NICE=${NICE:-19}
build=build/asan
log=$build/ctest.log

scripts/install-deps.sh
nice -n "$NICE" cmake --preset asan -G Ninja -DLAYERLENS_BUILD_GUI=OFF >/dev/null
nice -n "$NICE" cmake --build "$build" -j "$JOBS"

echo "layerlens: running the core and CLI suites under ASan+UBSan (log: $log)"
status=0
# The preset sets ASAN_OPTIONS=detect_leaks=0 and QT_QPA_PLATFORM=offscreen; tests labelled
# `python` (if any) need an interpreter with packages this build does not guarantee.
nice -n "$NICE" ctest --preset asan -LE '^python$' -j "$JOBS" "$@" >"$log" 2>&1 || status=$?
# Tests that failed next to another one get a second, serial chance: a failure that goes away
# is a test sharing a scratch file with its neighbour, not a sanitizer finding (both reported).
rerun_log=$build/ctest-rerun.log
rm -f "$rerun_log"
if [ "$status" -ne 0 ] && [ "$JOBS" -gt 1 ]; then
  status=0
  nice -n "$NICE" ctest --preset asan -LE '^python$' -j 1 --rerun-failed >"$rerun_log" 2>&1 || status=$?
fi

echo
echo "=== asan summary ==="
grep -E '^[0-9]+% tests passed|tests? failed out of|^Total Test time' "$log" || true
if grep -q 'The following tests FAILED' "$log"; then
  sed -n '/The following tests FAILED/,$p' "$log" | grep -E '^\s+[0-9]+ - ' || true
fi
if [ -f "$rerun_log" ] && [ "$rerun_log" -nt "$log" ]; then
  echo "--- the failed tests run again one at a time (log: $rerun_log) ---"
  grep -E '^[0-9]+% tests passed|tests? failed out of' "$rerun_log" || true
  grep -E 'Test +#[0-9]+: ' "$rerun_log" | sed -E 's/ \.+/ /' || true
  [ "$status" -eq 0 ] && echo "every failure went away when run alone: tests that interfere under -j $JOBS, not sanitizer findings"
fi
reports=$(cat "$log" "${rerun_log}" 2>/dev/null | grep -cE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' || true)
echo "sanitizer reports in the log: ${reports:-0}"
if [ "${reports:-0}" -gt 0 ]; then
  echo "--- first lines of each (see $log for the stacks) ---"
  cat "$log" "${rerun_log}" 2>/dev/null | grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|^SUMMARY: ' |
    sort | uniq -c | sort -rn | head -40
fi
exit "$status"
