#!/usr/bin/env bash
# Same seed => byte-identical CSVs? Runs `jackpot demo` (every method of both scenarios) in RUNS
# separate JVMs per JVM configuration, one JVM at a time, and compares every CSV with sha256sum.
#
#   examples/scripts/repro-check.sh            # after: mvn -B -ntp -o -q -pl examples -am package -DskipTests
#
# Environment: JAR (examples/target/jackpot.jar), SEED (3), STEPS (160 mismatch steps), STALE_STEPS
# (20 rollout batches x 8 = 160 updates), RUNS (3 per configuration), OUT (a fresh temp dir).
# JVM configurations: the default GC; -XX:+UseSerialGC -Xmx300m; -XX:+UseSerialGC -Xmx200m with the
# demo's hidden --gc-pressure hook (System.gc() before every backward pass and between steps, freed
# native memory scribbled with NaN bytes). Exit status 0 only if every CSV is identical across all
# runs and configurations and no mismatch-scenario CSV contains NaN.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${JAR:-examples/target/jackpot.jar}
SEED=${SEED:-3}
STEPS=${STEPS:-160}
STALE_STEPS=${STALE_STEPS:-20}
RUNS=${RUNS:-3}
OUT=${OUT:-$(mktemp -d /tmp/jackpot-repro.XXXXXX)}
[ -f "$JAR" ] || { echo "no $JAR: build first (mvn -B -ntp -o -q -pl examples -am package -DskipTests)" >&2; exit 2; }

status=0
configs=("default" "serial300" "serial200-pressure")
jvm_opts() {
  case "$1" in
    default) echo "" ;;
    serial300) echo "-XX:+UseSerialGC -Xmx300m" ;;
    serial200-pressure) echo "-XX:+UseSerialGC -Xmx200m" ;;
  esac
}
demo_opts() {
  case "$1" in
    serial200-pressure) echo "--gc-pressure" ;;
    *) echo "" ;;
  esac
}

echo "jar $JAR, seed $SEED, mismatch $STEPS steps, stale $STALE_STEPS x 8 updates, $RUNS JVMs per configuration"
echo "machine: $(nproc) cores; $(java -version 2>&1 | head -1)"
for c in "${configs[@]}"; do
  for r in $(seq 1 "$RUNS"); do
    dir="$OUT/$c/run$r"
    mkdir -p "$dir"
    start=$(date +%s)
    # shellcheck disable=SC2046
    java $(jvm_opts "$c") -jar "$JAR" demo --scenario mismatch --seed "$SEED" --steps "$STEPS" --no-progress \
        $(demo_opts "$c") --out "$dir" > "$dir/mismatch.log" 2>&1 || { echo "$c run $r mismatch FAILED:"; tail -3 "$dir/mismatch.log"; status=1; }
    # shellcheck disable=SC2046
    java $(jvm_opts "$c") -jar "$JAR" demo --scenario stale --seed "$SEED" --steps "$STALE_STEPS" --no-progress \
        $(demo_opts "$c") --out "$dir" > "$dir/stale.log" 2>&1 || { echo "$c run $r stale FAILED:"; tail -3 "$dir/stale.log"; status=1; }
    echo "$c run $r: $(( $(date +%s) - start )) s"
  done
done

ref="$OUT/${configs[0]}/run1"
count=$(find "$ref" -maxdepth 1 -name '*.csv' | wc -l)
[ "$count" -eq 9 ] || { echo "expected 9 CSVs in $ref, found $count"; status=1; }
echo
printf '%-40s %-18s %s\n' "csv" "sha256 (run1)" "identical in all $(( ${#configs[@]} * RUNS )) runs"
for f in $(cd "$ref" && ls ./*.csv | sort); do
  f=${f#./}
  want=$(sha256sum < "$ref/$f" | cut -c1-16)
  same=yes
  for c in "${configs[@]}"; do
    for r in $(seq 1 "$RUNS"); do
      if ! cmp -s "$ref/$f" "$OUT/$c/run$r/$f"; then
        same="NO: $c run$r differs"
        if [ -f "$OUT/$c/run$r/$f" ]; then
          line=$(cmp "$ref/$f" "$OUT/$c/run$r/$f" 2>/dev/null | sed -n 's/.* line \([0-9]*\).*/\1/p')
          [ -n "$line" ] && same="$same from CSV line $line (step $(( line - 2 )))"
        else
          same="$same (missing)"
        fi
        status=1
        break 2
      fi
    done
  done
  case "$f" in
    mismatch-*) if grep -qi nan "$ref/$f"; then same="$same; contains NaN"; status=1; fi ;;
  esac
  printf '%-40s %-18s %s\n' "$f" "$want" "$same"
done
echo
echo "results in $OUT"
if [ $status -eq 0 ]; then echo "REPRODUCIBLE: every CSV byte-identical"; else echo "NOT REPRODUCIBLE"; fi
exit $status
