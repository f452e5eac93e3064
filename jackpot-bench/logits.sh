#!/usr/bin/env bash
# The logits path against plain PPO in one command (docs/benchmarks.md, "Issue 12: forward + backward
# from logits"): DjlLossMedian at each shape, one PyTorch intra- and inter-op thread, the ratio of each
# Jackpot path to plain PPO in the same turn (median over turns, per round).
#
# Allocator: jemalloc when Debian's libjemalloc2 is installed (apt-get install -y libjemalloc2), with
# page purging off, so that freed [B,T,V] arrays are reused instead of mapped and faulted in again on
# every call (with glibc, each 1.2 GB array at V = 151,936 is a fresh mmap: 2-3 s of page faults per
# call, and single calls swing 1.4-3.8 s); ALLOC=glibc uses glibc with the settings of the earlier
# sessions' figures instead.
# Env: SHAPES="4,128,4096 4,512,32000 2,1024,151936" ALLOC=jemalloc|glibc
# Needs jackpot-bench/target/benchmarks.jar (built if absent).
set -euo pipefail
cd "$(dirname "$0")"
SHAPES=${SHAPES:-"4,128,4096 4,512,32000 2,1024,151936"}
JAR=target/benchmarks.jar
if [ ! -f "$JAR" ]; then
  (cd .. && mvn -B -ntp -o -q package -DskipTests -pl jackpot-bench -am)
fi
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ "${ALLOC:-jemalloc}" = jemalloc ] && [ -f "$JEMALLOC" ]; then
  export LD_PRELOAD=$JEMALLOC MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1"
  echo "allocator: jemalloc ($JEMALLOC), no page purging"
else
  export MALLOC_TRIM_THRESHOLD_=1000000000 MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TOP_PAD_=536870912
  echo "allocator: glibc (mmap and trim thresholds 1e9, top pad 512 MiB)"
fi
for shape in $SHAPES; do
  case $shape in
    *,151936) args="5 5 2" ;;   # warm-up turns, turns, rounds: each call takes ~1-2 s here (with 2 warm-up turns, the first round still ran 0.1-0.2 higher)
    *,32000) args="10 21 3" ;;
    *) args="100 101 3" ;;
  esac
  java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
      -cp "$JAR" io.github.jackpot4j.bench.DjlLossMedian "$shape" $args 2>&1 | grep -v -E "WARN|INFO"
done
