#!/usr/bin/env bash
# One command for the core-vs-peer comparison (docs/benchmarks.md, "Core vs the PyTorch-eager peer"):
#  (a) writes the benchmark batch (SyntheticRollouts.atScale, seed 42, the core's rejection uniforms) to .npz,
#  (b) runs the PyTorch-eager peer (peer_torch_npz.py) on it with 2 threads and with 1 thread,
#  (c) runs the JMH CoreBenchmark (fusedSequential, fusedParallel, onePassRead, djlOpByOp, djlOpByOpTrusted,
#      djlOpByOpEngineOps)
#      at the same N, k,
#  (d) prints the ratios (compare.py); also the thread CPU time of the 1-thread core and read (CpuTime)
#      and of the 1-thread peer, whose ratios hold even while other jobs share the machine, and how
#      Execution.parallel() splits its CPU time between the caller and the pool's workers (CpuTime).
# Env: NS="65536 524288" K=20 PYTHON=/usr/bin/python3 WI=2 I=5 SKIP_DJL=0 OUT=target/compare
# Needs jackpot-bench/target/benchmarks.jar (built if absent) and PyTorch for $PYTHON
# (Debian: apt-get install -y python3-torch).
set -euo pipefail
cd "$(dirname "$0")"
NS=${NS:-"65536 524288"}
K=${K:-20}
PY=${PYTHON:-/usr/bin/python3}
WI=${WI:-2}
I=${I:-5}
OUT=${OUT:-target/compare}
JAR=target/benchmarks.jar
if [ ! -f "$JAR" ]; then
  (cd .. && mvn -B -ntp -o -q package -DskipTests -pl jackpot-bench -am)
fi
mkdir -p "$OUT"
files=()
for n in $NS; do
  f="$OUT/batch-N$n-k$K.npz"
  java -Xmx4g -cp "$JAR" io.github.jackpot4j.bench.NpzExport "$f" "$n" "$K" 42
  files+=("$f")
done
"$PY" peer_torch_npz.py 2 "${files[@]}" | tee "$OUT/peer.txt"
for n in $NS; do  # single-thread CPU time (robust to other jobs on a shared machine)
  java -Xms3g -Xmx3g -cp "$JAR" io.github.jackpot4j.bench.CpuTime "$n" "$K" 15 | tee -a "$OUT/peer.txt"
done
"$PY" peer_torch_npz.py 1 "${files[@]}" | tee -a "$OUT/peer.txt"
rm -f "${files[@]}"
methods="fusedSequential|fusedParallel|onePassRead"
if [ "${SKIP_DJL:-0}" != 1 ]; then methods="$methods|djlOpByOp|djlOpByOpNoMetrics|djlOpByOpTrusted|djlOpByOpEngineOps"; fi
java -jar "$JAR" "CoreBenchmark.($methods)\$" -p tokens="$(echo $NS | tr ' ' ,)" -p k="$K" \
  -f 1 -wi "$WI" -i "$I" -w 1s -r 1s -rf json -rff "$OUT/jmh.json" | grep -E '^(Benchmark|CoreBenchmark)' || true
dj1=""
if [ "${SKIP_DJL:-0}" != 1 ]; then
  # the DJL adapter with one PyTorch thread, against the 1-thread peer: the ratio that holds on a shared
  # machine (2-thread PyTorch, in the peer and in DJL alike, slows down many-fold when a core is busy)
  java -jar "$JAR" "CoreBenchmark.(djlOpByOp|djlOpByOpNoMetrics|djlOpByOpTrusted|djlOpByOpEngineOps)\$" -p tokens="$(echo $NS | tr ' ' ,)" -p k="$K" \
    -f 1 -wi "$WI" -i "$I" -w 1s -r 1s -rf json -rff "$OUT/jmh-djl1.json" \
    -jvmArgsAppend "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1" \
    | grep -E '^(Benchmark|CoreBenchmark)' || true
  dj1="$OUT/jmh-djl1.json"
fi
"$PY" compare.py "$OUT/peer.txt" "$OUT/jmh.json" $dj1 | tee "$OUT/ratios.txt"
