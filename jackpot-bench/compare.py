"""Prints the ratio table of compare.sh from the peer's lines and JMH's JSON.
python3 compare.py peer.txt jmh.json"""
import json, sys

peer = {}
for line in open(sys.argv[1]):
    if not line.startswith("peer "):
        continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    peer[(int(f["N"]), int(f["k"]), int(f["threads"]))] = f
    torch_version = f["torch"]

cpu = {}
for line in open(sys.argv[1]):
    if line.startswith("cpu "):
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        cpu[(int(f["N"]), int(f["k"]))] = f

jmh = {}
for r in json.load(open(sys.argv[2])):
    name = r["benchmark"].rsplit(".", 1)[1]
    p = r["params"]
    ms = r["primaryMetric"]["score"] / 1e3  # CoreBenchmark reports microseconds
    jmh[(int(p["tokens"]), int(p["k"]), name)] = ms

def fmt(x):
    return "n/a" if x is None else f"{x:.2f}"

print(f"\nTimes (ms; JMH average for the Java side, median of 9 calls for torch {torch_version}):")
print(f"{'N':>8} {'k':>3} {'core 1t':>9} {'core 2t':>9} {'one-pass':>9} {'peer 1t':>9} {'peer 2t':>9} {'djl op-by-op':>12} {'djl trusted':>11} {'djl engine ops':>14}")
keys = sorted({(n, k) for (n, k, _) in jmh})
for n, k in keys:
    g = lambda m: jmh.get((n, k, m))
    pp = lambda t: float(peer[(n, k, t)]["med_ms"]) if (n, k, t) in peer else None
    print(f"{n:>8} {k:>3} {fmt(g('fusedSequential')):>9} {fmt(g('fusedParallel')):>9} {fmt(g('onePassRead')):>9} "
          f"{fmt(pp(1)):>9} {fmt(pp(2)):>9} {fmt(g('djlOpByOp')):>12} {fmt(g('djlOpByOpTrusted')):>11}"
          f" {fmt(g('djlOpByOpEngineOps')):>14}")

print("\nRatios (the claims; goals of issue 12 in brackets):")
print(f"{'N':>8} {'k':>3} {'peer/core 1t':>12} {'peer/core 2t':>12} {'core1t/read':>11} {'core2t/read':>11} "
      f"{'1t/2t':>6} {'djl/peer 2t':>11} {'djl trusted/peer 2t':>19} {'engine ops/peer 2t':>18} {'loss |core-peer|':>16}")
for n, k in keys:
    g = lambda m: jmh.get((n, k, m))
    pp = lambda t: float(peer[(n, k, t)]["med_ms"]) if (n, k, t) in peer else None
    div = lambda a, b: a / b if a is not None and b else None
    diff = None
    if (n, k, 2) in peer:
        diff = abs(float(peer[(n, k, 2)]["loss"]) - float(peer[(n, k, 2)]["core_loss"]))
    print(f"{n:>8} {k:>3} {fmt(div(pp(1), g('fusedSequential'))):>12} {fmt(div(pp(2), g('fusedParallel'))):>12} "
          f"{fmt(div(g('fusedSequential'), g('onePassRead'))):>11} {fmt(div(g('fusedParallel'), g('onePassRead'))):>11} "
          f"{fmt(div(g('fusedSequential'), g('fusedParallel'))):>6} {fmt(div(g('djlOpByOp'), pp(2))):>11} "
          f"{fmt(div(g('djlOpByOpTrusted'), pp(2))):>19} {fmt(div(g('djlOpByOpEngineOps'), pp(2))):>18} "
          f"{'n/a' if diff is None else f'{diff:.2e}':>16}")
print("\nSingle-thread CPU time (ms, median; thread CPU time is not inflated by other jobs' use of the cores):")
print(f"{'N':>8} {'k':>3} {'core 1t':>9} {'read':>9} {'peer 1t':>9} {'peer/core':>9} {'core/read':>9}")
for (n, k), f in sorted(cpu.items()):
    c, r = float(f["core_med_ms"]), float(f["read_med_ms"])
    p1 = float(peer[(n, k, 1)]["cpu_med_ms"]) if (n, k, 1) in peer else None
    print(f"{n:>8} {k:>3} {c:>9.2f} {r:>9.2f} {fmt(p1):>9} {fmt(p1 / c if p1 else None):>9} {c / r:>9.2f}")
par = []
for line in open(sys.argv[1]):
    if line.startswith("par "):
        par.append(dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv))
if par:
    print("\nExecution.parallel(): thread CPU time per call (ms) of the caller and of each busy common-pool worker;"
          " cpu_speedup = sequential CPU / busiest thread's CPU (the 2-thread speed-up with both cores free):")
    for f in par:
        workers = " ".join(f"{key}={v}" for key, v in f.items() if key.startswith("worker"))
        print(f"{f['N']:>8} {f['k']:>3} processors={f['processors']} pool_parallelism={f['pool_parallelism']}"
              f" busy_workers={f['busy_workers']} caller={f['caller_ms']} {workers} wall={f['wall_ms']}"
              f" cpu_speedup={f['cpu_speedup']}")
if len(sys.argv) > 3:
    dj1 = {}
    for r in json.load(open(sys.argv[3])):
        p = r["params"]
        dj1[(int(p["tokens"]), int(p["k"]), r["benchmark"].rsplit(".", 1)[1])] = r["primaryMetric"]["score"] / 1e3
    print("\nDJL adapter with 1 PyTorch thread vs the 1-thread peer (ms; ratio = DJL / peer):")
    print("(djl: the defaults, inputs validated and metrics computed; no metrics: validated, metrics(false);"
          " trusted: validateInputs(false).metrics(false); engine ops: the defaults with hostKernel(false),"
          " every step by libtorch's ops as on a GPU)")
    print(f"{'N':>8} {'k':>3} {'peer 1t':>9} {'djl':>9} {'no metrics':>10} {'djl trusted':>11} {'engine ops':>10} {'djl/peer':>9}"
          f" {'no-metrics/peer':>15} {'trusted/peer':>12} {'engine/peer':>11}")
    for n, k in sorted({(n, k) for (n, k, _) in dj1}):
        p1 = float(peer[(n, k, 1)]["med_ms"]) if (n, k, 1) in peer else None
        d, dn, dt, de = (dj1.get((n, k, b)) for b in ("djlOpByOp", "djlOpByOpNoMetrics", "djlOpByOpTrusted",
                                                       "djlOpByOpEngineOps"))
        ratio = lambda x: fmt(x / p1 if x and p1 else None)
        print(f"{n:>8} {k:>3} {fmt(p1):>9} {fmt(d):>9} {fmt(dn):>10} {fmt(dt):>11} {fmt(de):>10} {ratio(d):>9} "
              f"{ratio(dn):>15} {ratio(dt):>12} {ratio(de):>11}")
print("[goals at N=524288, k=20: peer/core >= 5 at both thread counts; core2t/read <= 4; core1t/read <= 8;"
      " 1t/2t >= 1.8; djl/peer <= 1.5]")
