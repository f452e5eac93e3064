package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The OBRS facts MATH.md §6 and the paper's Theorems 3.3/3.4 rest on, on explicit small vocabularies:
 * the reweighting identity E_{p'}[w·g] = E_{p_tgt}[g] (test-side and through the library's exact
 * full-vocabulary mode), KL(p‖q̃) ≤ KL(p‖q), and the budget optimality of the OBRS acceptance rule.
 */
class ObrsPropertiesTest {

    /** Two distributions over a small vocabulary, a λ and a test function g; all a function of the fields. */
    record Case(long seed, int vocab, double lambda, double noise, double maskedProb) {
        @Override
        public String toString() {
            return "Case(seed=" + seed + "L, V=" + vocab + ", lambda=" + lambda + ", noise=" + noise
                    + ", maskedProb=" + maskedProb + ")";
        }
    }

    /** q (rollout), p (target) as double probabilities, g arbitrary; p is absolutely continuous w.r.t. q when asked. */
    static final class Distributions {
        final double[] q;
        final double[] p;
        final double[] g;

        Distributions(Case c, boolean targetWithinRolloutSupport) {
            SplittableRandom random = new SplittableRandom(c.seed());
            double[] ql = new double[c.vocab()];
            double[] pl = new double[c.vocab()];
            g = new double[c.vocab()];
            int keep = random.nextInt(c.vocab());
            for (int x = 0; x < c.vocab(); x++) {
                ql[x] = 2 * random.nextGaussian();
                pl[x] = ql[x] + c.noise() * random.nextGaussian();
                g[x] = 10 * random.nextGaussian();
                if (x != keep && random.nextDouble() < c.maskedProb()) {
                    ql[x] = Double.NEGATIVE_INFINITY;
                }
                boolean outsideQ = targetWithinRolloutSupport && ql[x] == Double.NEGATIVE_INFINITY;
                if (x != keep && (outsideQ || random.nextDouble() < c.maskedProb())) {
                    pl[x] = Double.NEGATIVE_INFINITY;
                }
            }
            q = softmax(ql);
            p = softmax(pl);
        }
    }

    static Gen<Case> cases() {
        return longs().all().zip(integers().between(2, 40), doubles().between(-3, 3).map(Math::exp),
                doubles().between(0, 4), Generate.pick(Arrays.asList(0.0, 0.1, 0.4)), Case::new);
    }

    @Test
    void reweightingRecoversTheTargetExpectationExactly() {
        // MATH.md §6: p'(x) = min(q, p/λ)/Z, w = Z·max(λ, p/q), min(q, p/λ)·max(p/q, λ) = p, so
        // Σ p'·w·g = Σ p·g for every g once Z is exact. Needs p ≪ q (outside q's support p' = 0).
        Generators.qt(0x5EED_0001L, 1000).forAll(cases()).checkAssert(c -> {
            Distributions d = new Distributions(c, true);
            double z = 0;
            double zAsExpectedAcceptance = 0;
            for (int x = 0; x < c.vocab(); x++) {
                z += Math.min(d.q[x], d.p[x] / c.lambda());
                if (d.q[x] > 0) {
                    zAsExpectedAcceptance += d.q[x] * Math.min(1.0, d.p[x] / (c.lambda() * d.q[x]));
                }
            }
            double reweighted = 0;
            double target = 0;
            double scale = 0;
            for (int x = 0; x < c.vocab(); x++) {
                target += d.p[x] * d.g[x];
                scale += d.p[x] * Math.abs(d.g[x]);
                if (d.q[x] > 0) {
                    double accepted = Math.min(d.q[x], d.p[x] / c.lambda()) / z;
                    double w = z * Math.max(c.lambda(), d.p[x] / d.q[x]);
                    reweighted += accepted * w * d.g[x];
                }
            }
            // Double sums of ≤ 40 terms of magnitude ≤ scale: 1e-12·scale is ~1e4 ulps of headroom.
            assertEquals(target, reweighted, 1e-12 * scale + 1e-300, () -> c + ": E_p'[w g] != E_p[g]");
            assertEquals(z, zAsExpectedAcceptance, 1e-14, () -> c + ": Z != E_q[a] (eq. 4)");
        });
    }

    @Test
    void libraryExactNormalizerAndWeightsSatisfyTheIdentity() {
        // One sequence whose T = V positions enumerate every id x of one shared distribution pair, in
        // full-vocabulary mode: z_t must be the exact Z, ρ_t = w(x) = p(x)/p'(x) (bias correction off,
        // residual F = 1, weight clip out of reach), and Σ_x p'(x)·ρ(x)·g(x) = Σ_x p(x)·g(x).
        Generators.qt(0x5EED_0002L, 500).forAll(cases()).checkAssert(c -> {
            Distributions d = new Distributions(c, true);
            int v = c.vocab();
            float[] logQ = new float[v];
            float[] logP = new float[v];
            for (int x = 0; x < v; x++) {
                logQ[x] = (float) Math.log(d.q[x]);
                logP[x] = (float) Math.min(0.0, Math.log(d.p[x]));
                logQ[x] = Math.min(0f, logQ[x]);
            }
            float[] rolloutFull = new float[v * v];
            float[] targetFull = new float[v * v];
            for (int i = 0; i < v; i++) {
                System.arraycopy(logQ, 0, rolloutFull, i * v, v);
                System.arraycopy(logP, 0, targetFull, i * v, v);
            }
            float[] ones = new float[v];
            Arrays.fill(ones, 1f);
            JackpotBatch batch = JackpotBatch.builder(1, v).step(0).vocabSize(v)
                    .rolloutLogProbs(logQ).oldLogProbs(logP).logProbs(logP).advantages(ones)
                    .fullVocabLogProbs(FloatView.of(rolloutFull, new int[] {1, v, v}), FloatView.of(targetFull, new int[] {1, v, v}))
                    .build();
            JackpotConfig config = JackpotConfig.builder().lambda(c.lambda()).biasCorrection(false)
                    .weightClip(JackpotConfig.MAX_CLIP_RATIO).rolloutIs(RolloutIs.NONE).build();
            JackpotResult r = Jackpot.compute(config, batch);

            // The same sums the library must do, from the same float log-probs, in double.
            double z = 0;
            double[] q = new double[v];
            double[] p = new double[v];
            for (int x = 0; x < v; x++) {
                q[x] = Math.exp(logQ[x]);
                p[x] = Math.exp(logP[x]);
                z += Math.min(q[x], p[x] / c.lambda());
            }
            // z_t and ρ_t are float32 outputs: one float ulp (2^-23 relative) bounds the rounding of z_t;
            // ρ_t = (float)(Z·max(λ, exp(Δ))) carries that plus exp's rounding: 3 ulps.
            double zTolerance = 0x1.0p-23 * z;
            double reweighted = 0;
            double target = 0;
            double scale = 0;
            for (int x = 0; x < v; x++) {
                final int token = x;
                assertEquals(z, r.z()[x], zTolerance, () -> c + ": z[" + token + "] is not the exact Z");
                assertEquals(r.z()[x], r.zApprox()[x], () -> c + ": bias correction off, yet z != zApprox");
                double accepted = Math.min(q[x], p[x] / c.lambda()) / z;
                double expectedWeight = p[x] > 0 ? p[x] / accepted : z * c.lambda(); // p = 0: Z·max(λ, 0)
                if (q[x] > 0) {
                    assertEquals(expectedWeight, r.weights()[x], 3 * 0x1.0p-23 * expectedWeight,
                            () -> c + ": weights[" + token + "] != p/p'");
                }
                reweighted += accepted * r.weights()[x] * d.g[x];
                target += p[x] * d.g[x];
                scale += p[x] * Math.abs(d.g[x]);
            }
            // Every term carries ≤ 4 float ulps of relative error from z and ρ: 1e-6 of Σ p|g| bounds them.
            assertEquals(target, reweighted, 1e-6 * scale + 1e-300,
                    () -> c + ": Σ p'·ρ·g != Σ p·g through the library (z=" + Arrays.toString(r.z()) + ")");
        });
    }

    @Test
    void obrsNeverMovesTheProposalAwayFromTheTarget() {
        // Theorem 3.3: KL(p ‖ q̃) <= KL(p ‖ q) for q̃ = min(q, p/λ)/Z, any λ > 0 (equality for small λ,
        // q̃ = p for large λ). Infinite KL (p puts mass where q has none) satisfies it as ∞ <= ∞.
        Generators.qt(0x5EED_0003L, 1000).forAll(cases()).checkAssert(c -> {
            Distributions d = new Distributions(c, false);
            double[] tilde = obrs(d.q, d.p, c.lambda());
            double before = kl(d.p, d.q);
            double after = kl(d.p, tilde);
            assertTrue(after <= before + 1e-12 * (1 + Math.abs(before)) || before == Double.POSITIVE_INFINITY,
                    () -> c + ": KL(p||q~) = " + after + " > KL(p||q) = " + before);
        });
    }

    @Test
    void obrsIsTheBestAcceptanceRuleForItsBudget() {
        // Theorem 3.4: among acceptance rules a' ∈ [0,1] with the same budget Σ q·a' = Σ q·a = Z, the
        // OBRS rule minimises KL(p ‖ q̂), q̂ ∝ q·a'. Competitors: random feasible rules and mixtures.
        Generators.qt(0x5EED_0004L, 800).forAll(cases(), longs().all()).checkAssert((c, competitorSeed) -> {
            Distributions d = new Distributions(c, true);
            int v = c.vocab();
            double[] a = new double[v];
            double budget = 0;
            for (int x = 0; x < v; x++) {
                a[x] = d.q[x] > 0 ? Math.min(1.0, d.p[x] / (c.lambda() * d.q[x])) : 0.0;
                budget += d.q[x] * a[x];
            }
            double best = kl(d.p, proposal(d.q, a));
            SplittableRandom random = new SplittableRandom(competitorSeed);
            for (int trial = 0; trial < 5; trial++) {
                double[] other = feasibleRule(d.q, budget, random);
                double mix = random.nextDouble();
                for (int x = 0; x < v; x++) {
                    other[x] = trial % 2 == 0 ? other[x] : (1 - mix) * a[x] + mix * other[x];
                }
                final int t = trial;
                double competitor = kl(d.p, proposal(d.q, other));
                assertTrue(best <= competitor + 1e-12 * (1 + competitor), () -> c + " competitor seed "
                        + competitorSeed + " trial " + t + ": OBRS KL " + best + " > competitor KL " + competitor
                        + " with rule " + Arrays.toString(other));
            }
        });
    }

    /** A random rule a' ∈ [0,1]^V with Σ q·a' = budget exactly (up to rounding). */
    private static double[] feasibleRule(double[] q, double budget, SplittableRandom random) {
        double[] r = new double[q.length];
        double mass = 0;
        for (int x = 0; x < q.length; x++) {
            r[x] = random.nextDouble();
            mass += q[x] * r[x];
        }
        for (int x = 0; x < q.length; x++) {
            // Scale towards 0 when r has too much budget, towards 1 when too little: stays in [0,1].
            r[x] = mass >= budget ? r[x] * budget / mass : 1 - (1 - r[x]) * (1 - budget) / (1 - mass);
        }
        return r;
    }

    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int x = 0; x < logits.length; x++) {
            p[x] = Math.exp(logits[x] - max);
            sum += p[x];
        }
        for (int x = 0; x < logits.length; x++) {
            p[x] /= sum;
        }
        return p;
    }

    static double[] obrs(double[] q, double[] p, double lambda) {
        double[] t = new double[q.length];
        for (int x = 0; x < q.length; x++) {
            t[x] = Math.min(q[x], p[x] / lambda);
        }
        return normalize(t);
    }

    static double[] proposal(double[] q, double[] a) {
        double[] t = new double[q.length];
        for (int x = 0; x < q.length; x++) {
            t[x] = q[x] * a[x];
        }
        return normalize(t);
    }

    static double[] normalize(double[] t) {
        double sum = 0;
        for (double v : t) {
            sum += v;
        }
        double[] out = new double[t.length];
        for (int x = 0; x < t.length; x++) {
            out[x] = t[x] / sum;
        }
        return out;
    }

    /** KL(p ‖ r) = Σ_{p > 0} p log(p / r); +∞ when r = 0 somewhere p > 0. */
    static double kl(double[] p, double[] r) {
        double kl = 0;
        for (int x = 0; x < p.length; x++) {
            if (p[x] > 0) {
                if (r[x] == 0) {
                    return Double.POSITIVE_INFINITY;
                }
                kl += p[x] * Math.log(p[x] / r[x]);
            }
        }
        return kl;
    }
}
