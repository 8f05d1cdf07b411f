#!/usr/bin/env bash
# Soaks the property tests and the fuzzers: round after round, each with a new seed,
# until a count of schedules or a duration is reached (not part of CI: 100,000 schedules
# take hours on a 2-core machine). Prints the seed of any failure (rerun with
# PROPTEST_RNG_SEED=<seed> KSCOPE_FUZZ_SEED=<seed>) and the schedules per second.
#   scripts/soak.sh --schedules 100000     scripts/soak.sh --minutes 60
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=0 minutes=0
while [ $# -gt 0 ]; do
  case "$1" in
    --schedules) target=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    *) echo "usage: $0 [--schedules N] [--minutes M]" >&2; exit 2 ;;
  esac
done
[ "$target" -gt 0 ] || [ "$minutes" -gt 0 ] || minutes=10
start=$(date +%s) done=0
cargo test -p kscope-tests --test it --release --no-run --quiet
while :; do
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  log=$(mktemp)
  if ! PROPTEST_RNG_SEED=$seed KSCOPE_FUZZ_SEED=$seed KSCOPE_SCHEDULES=${KSCOPE_SCHEDULES:-1} \
      cargo test -p kscope-tests --test it --release --quiet -- --nocapture properties:: mutated_ >"$log" 2>&1; then
    grep -E "failed|panicked|minimal failing" "$log" | head -20
    echo "FAILED with PROPTEST_RNG_SEED=$seed KSCOPE_FUZZ_SEED=$seed (log: $log)"
    exit 1
  fi
  n=$(grep -oE '[0-9]+ schedules in' "$log" | awk '{s+=$1} END {print s+0}')
  rm -f "$log"
  done=$((done + n))
  secs=$(( $(date +%s) - start ))
  echo "seed $seed: $n schedules; $done in ${secs}s ($(awk "BEGIN {printf \"%.2f\", $done / ($secs > 0 ? $secs : 1)}") schedules/s)"
  if [ "$target" -gt 0 ] && [ "$done" -ge "$target" ]; then break; fi
  if [ "$minutes" -gt 0 ] && [ "$secs" -ge $((minutes * 60)) ]; then break; fi
done
echo "soak passed: $done schedules in ${secs}s"
