package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * One batch of every input the adapter's entry points read, as plain Java arrays (so a test can
 * corrupt exactly one field), built into NDArrays on demand. {@link #random} draws a valid batch with
 * tails: huge, tiny and −∞ logits, −∞ log-probs, k = 1 and k = V, masked rows. The target side of the
 * log-prob entry point is the policy's own log-softmax, computed here in double.
 */
final class DjlCase {
    final int b;
    final int t;
    final int v;
    final int k;
    float[] policyLogits;
    float[] actorLogits;
    /** Non-null: "use latest logits" mode (the rollout model's logits); null: the cached top-k. */
    float[] rolloutLogits;
    int[] tokens;
    float[] oldLogProbs;
    float[] advantages;
    float[] mask;
    float[] uniforms;
    float[] actorOldLogProbs;
    float[] rolloutLogProbs;
    long[] rolloutTopIds;
    float[] rolloutTopLogProbs;
    float[] logProbs;
    long[] targetTopIds;
    float[] targetTopLogProbs;
    float[] targetAtRollout;
    float[] rolloutAtTarget;
    long step = 0;
    /** Replaces the named input by another array (wrong shape or type). */
    final Map<String, Function<NDManager, NDArray>> override = new HashMap<>();

    DjlCase(int b, int t, int v, int k) {
        this.b = b;
        this.t = t;
        this.v = v;
        this.k = k;
    }

    /** A valid random batch; {@code latest} chooses rollout logits over the cached top-k. */
    static DjlCase random(SplittableRandom rng, int b, int t, int v, int k, boolean latest) {
        return random(rng, b, t, v, k, latest, true);
    }

    /** As {@link #random(SplittableRandom, int, int, int, int, boolean)}; without {@code tails}, plain Gaussian logits. */
    static DjlCase random(SplittableRandom rng, int b, int t, int v, int k, boolean latest, boolean tails) {
        DjlCase c = new DjlCase(b, t, v, k);
        int n = b * t;
        c.policyLogits = logits(rng, n, v, tails);
        c.actorLogits = rng.nextInt(3) == 0 ? logits(rng, n, v, tails) : perturb(rng, c.policyLogits, v, tails);
        float[] rollout = rng.nextInt(4) == 0 ? logits(rng, n, v, tails) : perturb(rng, c.policyLogits, v, tails);
        double[] q = logSoftmax(rollout, n, v);
        double[] p = logSoftmax(c.policyLogits, n, v);
        c.tokens = new int[n];
        c.rolloutLogProbs = new float[n];
        c.logProbs = new float[n];
        c.oldLogProbs = new float[n];
        c.advantages = new float[n];
        c.mask = new float[n];
        double advScale = new double[] {1, 10, 1000}[rng.nextInt(3)];
        for (int row = 0; row < b; row++) {
            int maskMode = rng.nextInt(10);
            double rowAdv = rng.nextGaussian() * advScale;
            for (int i = 0; i < t; i++) {
                int tok = row * t + i;
                int sampled = rng.nextInt(10) == 0 ? rng.nextInt(v) : sample(rng, q, tok * v, v);
                c.tokens[tok] = sampled;
                c.rolloutLogProbs[tok] = (float) q[tok * v + sampled];
                c.logProbs[tok] = (float) p[tok * v + sampled];
                int old = rng.nextInt(20);
                c.oldLogProbs[tok] = old == 0 ? Float.NEGATIVE_INFINITY : old == 1 ? c.logProbs[tok]
                        : (float) Math.min(0.0, c.rolloutLogProbs[tok] + 0.5 * rng.nextGaussian());
                c.advantages[tok] = rng.nextInt(15) == 0 ? 0f : rng.nextBoolean() ? (float) rowAdv
                        : (float) (rng.nextGaussian() * advScale);
                c.mask[tok] = maskMode == 0 ? 0f : maskMode == 1 ? (rng.nextBoolean() ? 1f : 0f) : (i < t - rng.nextInt(2) ? 1f : 0f);
            }
        }
        if (rng.nextInt(20) == 0) {
            Arrays.fill(c.mask, 0f);
        }
        if (rng.nextInt(4) == 0) {
            c.uniforms = new float[n];
            for (int i = 0; i < n; i++) {
                int u = rng.nextInt(10);
                c.uniforms[i] = u == 0 ? 0f : u == 1 ? Math.nextDown(1f) : (float) rng.nextDouble();
                if (c.uniforms[i] >= 1f) {
                    c.uniforms[i] = Math.nextDown(1f);
                }
            }
        }
        // rollout top-k (cached) and the target side, from the double log-softmaxes
        c.rolloutTopIds = new long[n * k];
        c.rolloutTopLogProbs = new float[n * k];
        c.targetTopIds = new long[n * k];
        c.targetTopLogProbs = new float[n * k];
        c.targetAtRollout = new float[n * k];
        c.rolloutAtTarget = new float[n * k];
        for (int tok = 0; tok < n; tok++) {
            int[] rTop = topK(q, tok * v, v, k);
            int[] pTop = topK(p, tok * v, v, k);
            for (int j = 0; j < k; j++) {
                c.rolloutTopIds[tok * k + j] = rTop[j];
                c.rolloutTopLogProbs[tok * k + j] = (float) q[tok * v + rTop[j]];
                c.targetAtRollout[tok * k + j] = (float) p[tok * v + rTop[j]];
                c.targetTopIds[tok * k + j] = pTop[j];
                c.targetTopLogProbs[tok * k + j] = (float) p[tok * v + pTop[j]];
                c.rolloutAtTarget[tok * k + j] = (float) q[tok * v + pTop[j]];
            }
        }
        if (rng.nextBoolean()) {
            c.rolloutAtTarget = null;
        }
        if (latest) {
            c.rolloutLogits = rollout;
        }
        if (latest || rng.nextBoolean()) {
            c.actorOldLogProbs = new float[n];
            double[] a = logSoftmax(c.actorLogits, n, v);
            for (int tok = 0; tok < n; tok++) {
                c.actorOldLogProbs[tok] = (float) Math.min(0.0, a[tok * v + c.tokens[tok]] + 0.1 * rng.nextGaussian());
            }
        }
        return c;
    }

    /** Logits [n,V] with tails; every row keeps at least one finite logit. */
    static float[] logits(SplittableRandom rng, int n, int v, boolean tails) {
        float[] x = new float[n * v];
        int regime = tails ? rng.nextInt(6) : 0;
        for (int i = 0; i < x.length; i++) {
            int r = regime == 5 ? rng.nextInt(5) : regime;
            switch (r) {
                case 0: x[i] = (float) (1.5 * rng.nextGaussian()); break;
                case 1: x[i] = (float) (40 * rng.nextGaussian()); break;                  // peaked: log-probs of -100s
                case 2: x[i] = (float) ((2 * rng.nextDouble() - 1) * 3.0e38); break;      // near the float32 limit
                case 3: x[i] = (float) (1e-30 * rng.nextGaussian()); break;              // flat
                default: x[i] = (float) rng.nextInt(3); break;                          // ties
            }
        }
        if (tails && rng.nextInt(3) == 0) {
            double share = rng.nextDouble();
            for (int i = 0; i < x.length; i++) {
                if (rng.nextDouble() < share) {
                    x[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        keepOneFinite(rng, x, n, v);
        return x;
    }

    private static float[] perturb(SplittableRandom rng, float[] base, int v, boolean tails) {
        float[] x = base.clone();
        double s = new double[] {0.0, 0.3, 3.0}[rng.nextInt(3)];
        for (int i = 0; i < x.length; i++) {
            if (Float.isFinite(x[i])) {
                x[i] = (float) (x[i] + s * rng.nextGaussian());
            } else if (rng.nextInt(4) == 0) {
                x[i] = (float) rng.nextGaussian();
            }
        }
        if (tails && rng.nextInt(4) == 0) {
            for (int i = 0; i < x.length; i++) {
                if (rng.nextInt(5) == 0) {
                    x[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        keepOneFinite(rng, x, x.length / v, v);
        return x;
    }

    private static void keepOneFinite(SplittableRandom rng, float[] x, int n, int v) {
        for (int row = 0; row < n; row++) {
            boolean any = false;
            for (int j = 0; j < v; j++) {
                any |= x[row * v + j] != Float.NEGATIVE_INFINITY;
            }
            if (!any) {
                x[row * v + rng.nextInt(v)] = (float) rng.nextGaussian();
            }
        }
    }

    static double[] logSoftmax(float[] x, int n, int v) {
        double[] out = new double[n * v];
        for (int row = 0; row < n; row++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, x[row * v + j]);
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(x[row * v + j] - max);
            }
            double log = max + Math.log(s);
            for (int j = 0; j < v; j++) {
                out[row * v + j] = Math.min(0.0, x[row * v + j] - log);
            }
        }
        return out;
    }

    private static int sample(SplittableRandom rng, double[] lp, int from, int v) {
        double u = rng.nextDouble();
        double c = 0;
        int last = -1;
        for (int j = 0; j < v; j++) {
            double pj = Math.exp(lp[from + j]);
            if (pj > 0) {
                last = j;
            }
            c += pj;
            if (u < c) {
                return j;
            }
        }
        return last >= 0 ? last : 0;
    }

    private static int[] topK(double[] lp, int from, int v, int k) {
        boolean[] used = new boolean[v];
        int[] top = new int[k];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int x = 0; x < v; x++) {
                if (!used[x] && (best < 0 || lp[from + x] > lp[from + best])) {
                    best = x;
                }
            }
            used[best] = true;
            top[j] = best;
        }
        return top;
    }

    // ---- NDArrays ----

    private NDArray get(NDManager m, String name, Function<NDManager, NDArray> make) {
        Function<NDManager, NDArray> o = override.get(name);
        return o != null ? o.apply(m) : make.apply(m);
    }

    Shape tokenShape() {
        return new Shape(b, t);
    }

    Shape listShape() {
        return new Shape(b, t, k);
    }

    Shape logitShape() {
        return new Shape(b, t, v);
    }

    NDArray policyLogits(NDManager m) {
        return get(m, "policy_logits", x -> x.create(policyLogits, logitShape()));
    }

    NDArray actorLogits(NDManager m) {
        return get(m, "actor_logits", x -> x.create(actorLogits, logitShape()));
    }

    RolloutBatch rollout(NDManager m) {
        RolloutBatch.Builder r = RolloutBatch.builder().step(step)
                .tokenIds(get(m, "token_ids", x -> x.create(tokens, tokenShape())))
                .oldLogProbs(get(m, "old_log_probs", x -> x.create(oldLogProbs, tokenShape())))
                .advantages(get(m, "advantages", x -> x.create(advantages, tokenShape())));
        if (mask != null || override.containsKey("response_mask")) {
            r.responseMask(get(m, "response_mask", x -> x.create(mask, tokenShape())));
        }
        if (uniforms != null || override.containsKey("uniforms")) {
            r.uniforms(get(m, "uniforms", x -> x.create(uniforms, tokenShape())));
        }
        if (actorOldLogProbs != null || override.containsKey("actor_old_log_probs")) {
            r.actorOldLogProbs(get(m, "actor_old_log_probs", x -> x.create(actorOldLogProbs, tokenShape())));
        }
        if (rolloutLogits != null || override.containsKey("rollout_logits")) {
            r.rolloutLogits(get(m, "rollout_logits", x -> x.create(rolloutLogits, logitShape())));
        } else {
            r.cachedRollout(get(m, "rollout_log_probs", x -> x.create(rolloutLogProbs, tokenShape())),
                    get(m, "rollout_topk_ids", x -> x.create(rolloutTopIds, listShape())),
                    get(m, "rollout_topk_log_probs", x -> x.create(rolloutTopLogProbs, listShape())));
        }
        return r.build();
    }

    /** log_probs [B,T] (no gradient; see the fuzz test for the gradient-carrying variant). */
    NDArray logProbs(NDManager m) {
        return get(m, "log_probs", x -> x.create(logProbs, tokenShape()));
    }

    TargetTopK target(NDManager m) {
        return new TargetTopK(get(m, "target_topk_ids", x -> x.create(targetTopIds, listShape())),
                get(m, "target_topk_log_probs", x -> x.create(targetTopLogProbs, listShape())),
                get(m, "target_log_probs_at_rollout_topk", x -> x.create(targetAtRollout, listShape())),
                rolloutAtTarget == null && !override.containsKey("rollout_log_probs_at_target_topk") ? null
                        : get(m, "rollout_log_probs_at_target_topk", x -> x.create(rolloutAtTarget, listShape())));
    }

    /** A deep copy (the overrides are shared functions, copied as a map). */
    DjlCase copy() {
        DjlCase c = new DjlCase(b, t, v, k);
        c.policyLogits = clone(policyLogits);
        c.actorLogits = clone(actorLogits);
        c.rolloutLogits = clone(rolloutLogits);
        c.tokens = tokens == null ? null : tokens.clone();
        c.oldLogProbs = clone(oldLogProbs);
        c.advantages = clone(advantages);
        c.mask = clone(mask);
        c.uniforms = clone(uniforms);
        c.actorOldLogProbs = clone(actorOldLogProbs);
        c.rolloutLogProbs = clone(rolloutLogProbs);
        c.rolloutTopIds = rolloutTopIds == null ? null : rolloutTopIds.clone();
        c.rolloutTopLogProbs = clone(rolloutTopLogProbs);
        c.logProbs = clone(logProbs);
        c.targetTopIds = targetTopIds == null ? null : targetTopIds.clone();
        c.targetTopLogProbs = clone(targetTopLogProbs);
        c.targetAtRollout = clone(targetAtRollout);
        c.rolloutAtTarget = clone(rolloutAtTarget);
        c.step = step;
        c.override.putAll(override);
        return c;
    }

    private static float[] clone(float[] a) {
        return a == null ? null : a.clone();
    }
}
