"""Adapted from /work/shared/bench/peer_torch.py: the same PyTorch-eager Jackpot weights + PPO loss
(MATH.md sections 3-7), but on the benchmark batch the Java side wrote with NpzExport (same
generator, seed, rejection uniforms), so the peer and the core compute the same thing on the same
data. Differences from the original peer, both to compute what the core computes: the padding mask
enters every sum, and the dual-clip bound (c3 = 3, verl's default, the core's default) is applied.
Usage: python3 peer_torch_npz.py THREADS FILE.npz [FILE.npz ...]. Prints one line per file: wall
times of 9 calls (min/median/max) and the median CPU time of the calling thread (with 1 thread,
PyTorch computes on the calling thread, so that is the whole CPU cost; compared with CpuTime's)."""
import sys, time, resource
import numpy as np
import torch

threads = int(sys.argv[1])
torch.set_num_threads(threads)

def load(path):
    z = np.load(path)
    b = {name: torch.from_numpy(np.ascontiguousarray(z[name])) for name in z.files if name != "core_loss"}
    b["r_ids"] = b["r_ids"].long()  # int64 ids, as a PyTorch user holds them
    b["t_ids"] = b["t_ids"].long()
    return b, float(z["core_loss"])

def jackpot(b, lam=1.0, c1=3.0, c2=2.0, c3=3.0, eps=0.2):
    mask = b["mask"]
    l_inf, l_tgt, l_old, l_new = b["rollout_lp"], b["new_lp"], b["old_lp"], b["new_lp"]  # target = LATEST
    a = torch.clamp(torch.exp(l_tgt - l_inf) / lam, max=1.0)
    acc = (b["u"] < a).float() * mask
    dup = (b["t_ids"].unsqueeze(-1) == b["r_ids"].unsqueeze(-2)).any(-1)
    z = torch.minimum(b["r_lp"].exp(), b["t_at_r"].exp() / lam).sum(-1) \
        + (torch.minimum(b["r_at_t"].exp(), b["t_lp"].exp() / lam) * (~dup)).sum(-1)
    kappa = (acc.sum() / mask.sum()) / ((z * mask).sum() / mask.sum())
    w = kappa * z * torch.clamp(torch.exp(l_tgt - l_inf), min=lam)
    rho = torch.clamp(w, max=c1) * torch.clamp(torch.exp(torch.clamp(l_old - l_tgt, -20, 20)), max=c2)
    r = torch.exp(torch.clamp(l_new - l_old, -20, 20))
    adv = b["adv"]
    L = torch.maximum(-adv * r, -adv * torch.clamp(r, 1 - eps, 1 + eps))
    L = torch.where(adv < 0, torch.minimum(L, -adv * c3), L)
    return (acc * rho * L).sum() / acc.sum().clamp(min=1)

for path in sys.argv[2:]:
    b, core_loss = load(path)
    N, k = b["r_ids"].shape
    with torch.no_grad():
        for _ in range(2):
            loss = float(jackpot(b))
        ts, cs = [], []
        for _ in range(9):
            c0 = time.thread_time(); t0 = time.perf_counter()
            jackpot(b)
            ts.append(time.perf_counter() - t0); cs.append(time.thread_time() - c0)
    ts.sort(); cs.sort()
    print(f"peer torch={torch.__version__} threads={threads} N={N} k={k} min_ms={ts[0]*1e3:.3f} "
          f"med_ms={ts[len(ts)//2]*1e3:.3f} max_ms={ts[-1]*1e3:.3f} cpu_med_ms={cs[len(cs)//2]*1e3:.3f} loss={loss:.9g} core_loss={core_loss:.9g} "
          f"maxrss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1e3:.0f}", flush=True)
