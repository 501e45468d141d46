#!/usr/bin/env bash
# Fuzzes the layer-file readers with libFuzzer (clang, ASan + UBSan), one target per format:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     default: 600 s, all four targets
#
# TARGET: hdf5, safetensors, npy, llama2c (or fuzz_hdf5, ...). Installs what is missing, builds
# build/fuzz (the `fuzz` preset), copies the seeds (tests/fuzz/corpus/<target>, and every
# regression input) into build/fuzz/corpus/<target>, where the working corpus grows, and runs
# each target for SECONDS. Findings (crash-*, leak-*, timeout-*, oom-*, slow-unit-*) land in
# build/fuzz/findings/<target>/, each run's log in build/fuzz/logs/<target>.log, one summary line
# per target on stdout and in build/fuzz/summary.txt. A target whose format is not registered in
# layer_formats() yet is reported as skipped.
#
# Environment: NICE (default 19), JOBS (build, default 2), KEEP_GOING (default 1: libFuzzer's
# fork mode, which records a finding and goes on; 0 stops each target at its first finding, as
# plain libFuzzer does; libhdf5 has known crashes, see tests/fuzz/regressions/hdf5/open/).
# Exit status: 0 when no target found anything, 1 when one did, 2 when the build failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-600}
if [ $# -gt 0 ]; then shift; fi
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]" >&2; exit 2 ;; esac
all_targets=(hdf5 safetensors npy llama2c)
targets=()
for t in "$@"; do
  t=${t#fuzz_}
  case " ${all_targets[*]} " in *" $t "*) targets+=("$t") ;; *) echo "fuzz: unknown target '$t' (${all_targets[*]})" >&2; exit 2 ;; esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
NICE=${NICE:-19}
JOBS=${JOBS:-2}

# --- packages: the project's, then clang's libFuzzer/sanitizer runtimes and OpenMP runtime
scripts/install-deps.sh
extras=()
for p in clang libclang-rt-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -aq "install ok installed" || extras+=("$p")
done
if [ ${#extras[@]} -gt 0 ]; then
  echo "fuzz: installing missing Debian packages: ${extras[*]}"
  if [ "$(id -u)" -eq 0 ]; then as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo)
  else echo "fuzz: installing them needs root: sudo apt-get install ${extras[*]}" >&2; exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${extras[@]}" >/dev/null
fi

# --- build
build=build/fuzz
mkdir -p "$build/logs"
if ! nice -n "$NICE" cmake --preset fuzz >"$build/logs/configure.log" 2>&1; then
  tail -20 "$build/logs/configure.log" >&2; echo "fuzz: configure failed (log: $build/logs/configure.log)" >&2; exit 2
fi
if ! nice -n "$NICE" cmake --build "$build" -j "$JOBS" --target fuzz_targets >"$build/logs/build.log" 2>&1; then
  grep -E 'error|FAILED' "$build/logs/build.log" | head -20 >&2
  echo "fuzz: build failed (log: $build/logs/build.log)" >&2; exit 2
fi

# --- run
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
# allocator_may_return_null=1: an allocation ASan cannot serve returns null, as malloc does in the
# real build (libhdf5 asks for 280 GB when a heap's size field is hostile, and handles the null);
# in our code that is a std::bad_alloc, which the target reports as a finding. Allocations that
# succeed but exceed -malloc_limit_mb are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
# One thread: the readers do not need OpenMP/OpenBLAS pools, and two targets' pools would fight.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

summary=$build/summary.txt
echo "# scripts/fuzz.sh $seconds ${targets[*]}  ($(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?'))" >"$summary"
found_any=0
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$build/corpus/$t
  findings=$build/findings/$t
  log=$build/logs/$t.log
  mkdir -p "$corpus" "$findings"
  for seed in tests/fuzz/corpus/"$t"/* tests/fuzz/regressions/"$t"/*; do
    [ -f "$seed" ] && [ "$(basename "$seed")" != README.md ] && cp -n "$seed" "$corpus/"
  done
  before=$(find "$findings" -type f | wc -l)
  keep_going=()
  [ "${KEEP_GOING:-1}" = 1 ] && keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  status=0
  # The HDF5 reader runs libhdf5 in a child first (core/io/hdf5_probe.h): its loops must end
  # inside libFuzzer's -timeout, its crashes surface as the InputError the target accepts.
  LAYERLENS_HDF5_PROBE_SECONDS=3 nice -n "$NICE" "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -print_final_stats=1 -dict="tests/fuzz/dict/$t.dict" -artifact_prefix="$findings/" "${keep_going[@]}" \
    "$corpus" >"$log" 2>&1 || status=$?
  after=$(find "$findings" -type f | wc -l)
  new=$((after - before))
  corpus_size=$(find "$corpus" -type f | wc -l)
  if grep -aq 'is not registered in layerlens::layer_formats()' "$log"; then
    line=$(printf '%-12s skipped: format not registered yet (%s)' "$t" "$(grep -ao 'registered: [^)]*' "$log" | head -1)")
  else
    execs=$(grep -ao 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -ao '[0-9]*$' || true)
    [ -z "$execs" ] && execs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | grep -aoE '[0-9]+' || true)
    ft=$(grep -aoE 'ft: [0-9]+' "$log" | tail -1 | grep -aoE '[0-9]+' || true)
    rate=$(grep -ao 'stat::average_exec_per_sec: [0-9]*' "$log" | tail -1 | grep -ao '[0-9]*$' || true)
    if [ -z "$rate" ] && [ -n "$execs" ]; then   # fork mode prints no final stats: executions / time
      secs=$(grep -aoE 'time: [0-9]+s' "$log" | tail -1 | grep -aoE '[0-9]+' || true)
      [ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=$((execs / secs))
    fi
    verdict=ok
    if [ "$new" -gt 0 ] || [ "$status" -ne 0 ]; then
      verdict="FOUND (exit $status; see $log and $findings/)"
      found_any=1
    fi
    line=$(printf '%-12s execs=%s exec/s=%s cov=%s ft=%s corpus=%s findings=%s (total in findings/: %s) %s' \
      "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus_size" "$new" "$after" "$verdict")
  fi
  echo "$line" | tee -a "$summary"
done
exit "$found_any"
