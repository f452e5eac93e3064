package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.AcceptanceEstimate;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.RolloutIs;
import io.github.jackpot4j.core.LossAggMode;
import io.github.jackpot4j.core.MissingRolloutProb;
import io.github.jackpot4j.core.ResidualCorrection;
import io.github.jackpot4j.core.Target;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the DJL path on the real engine: random valid small batches with tails (huge,
 * tiny and −∞ logits, −∞ log-probs, k = 1 and k = V, masked rows, λ beyond float32, budget mode)
 * through both {@code policyLoss} entry points must give finite losses, metrics and (for a subset,
 * backward through a {@link GradientCollector}) gradients; random one-field corruptions of valid
 * batches must give an {@link IllegalArgumentException} naming the field. Counts are printed.
 *
 * <p>{@code -Djackpot.fuzz.valid=N -Djackpot.fuzz.corrupt=M} change the counts (defaults 20,000 and
 * 2,000), {@code -Djackpot.fuzz.seed=S} the seed (default 20261128).
 */
class DjlFuzzTest {
    static final int VALID = Integer.getInteger("jackpot.fuzz.valid", 20_000);
    static final int CORRUPT = Integer.getInteger("jackpot.fuzz.corrupt", 2_000);
    /** The seeds of the two streams ({@code -Djackpot.fuzz.seed=S} to explore beyond the fixed ones). */
    static final long SEED = Long.getLong("jackpot.fuzz.seed", 20261128L);
    /** Cases per sub-manager: the arrays of many cases are freed together. */
    static final int PER_MANAGER = 64;

    static NDManager manager;

    @BeforeAll
    static void engine() {
        assertEquals("PyTorch", Engine.getInstance().getEngineName());
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static JackpotConfig randomConfig(SplittableRandom rng, int k, boolean logitsEntry) {
        LossAggMode[] modes = LossAggMode.values();
        JackpotConfig.Builder c = JackpotConfig.builder().topK(k)
                .lambda(new double[] {0.5, 1.0, 2.0, JackpotConfig.MIN_LAMBDA, 1e-20, 1e20, JackpotConfig.MAX_LAMBDA}[rng.nextInt(rng.nextInt(4) == 0 ? 7 : 3)])
                .lossAggMode(modes[rng.nextInt(modes.length)])
                .acceptanceEstimate(rng.nextBoolean() ? AcceptanceEstimate.SAMPLED : AcceptanceEstimate.EXPECTED)
                .missingRolloutProb(rng.nextBoolean() ? MissingRolloutProb.ZERO : MissingRolloutProb.BOUND)
                .useTopkRenorm(rng.nextInt(4) == 0)
                .useLatestLogits(rng.nextInt(5) != 0)
                .biasCorrection(rng.nextInt(5) != 0)
                .maskOnly(rng.nextInt(6) == 0)
                .ppoClip(rng.nextInt(5) != 0)
                .weightClip(new double[] {3.0, 1e-3, 1e6}[rng.nextInt(rng.nextInt(4) == 0 ? 3 : 1)])
                .seed(rng.nextLong());
        if (rng.nextInt(5) == 0) {
            c.lossScaleFactor(new double[] {0.5, 7.0, 1e6}[rng.nextInt(3)]);
        }
        if (rng.nextInt(4) == 0) {
            c.targetAcceptance(new double[] {1e-6, 1.0, 0.05 + 0.9 * rng.nextDouble()}[rng.nextInt(3)]);
        }
        if (!logitsEntry && rng.nextInt(3) == 0) {
            c.target(Target.REFERENCE);
        }
        switch (rng.nextInt(6)) {
            case 0: c.rolloutIs(RolloutIs.NONE); break;
            case 1: c.rolloutIsThreshold(ResidualCorrection.icepop(0.5, 2.0)); break;
            case 2: c.rolloutIsThreshold(ResidualCorrection.truncate(Double.POSITIVE_INFINITY)); break;
            case 3: c.useJackpot(false); break;
            default: break;
        }
        return c.build();
    }

    static int pickK(SplittableRandom rng, int v) {
        switch (rng.nextInt(3)) {
            case 0: return 1;
            case 1: return v;
            default: return 1 + rng.nextInt(v);
        }
    }

    @Test
    void validBatchesGiveFiniteLossesGradientsAndMetrics() {
        SplittableRandom rng = new SplittableRandom(SEED);
        int[] entries = new int[2];
        int backward = 0;
        int gradientEntries = 0;
        int metricValues = 0;
        int nonFinite = 0;
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        int i = 0;
        while (i < VALID) {
            try (NDManager m = manager.newSubManager()) {
                for (int j = 0; j < PER_MANAGER && i < VALID; j++, i++) {
                    int b = 1 + rng.nextInt(3);
                    int t = 1 + rng.nextInt(4);
                    int v = 1 + rng.nextInt(12);
                    int k = pickK(rng, v);
                    boolean latest = rng.nextInt(3) == 0;
                    boolean logitsEntry = rng.nextBoolean();
                    boolean withGradient = i % 8 == 0;
                    long seed = rng.nextLong();
                    SplittableRandom caseRng = new SplittableRandom(seed);
                    DjlCase c = DjlCase.random(caseRng, b, t, v, k, latest);
                    JackpotConfig config = randomConfig(caseRng, k, logitsEntry);
                    JackpotDjl.Options path = JackpotDjlTest.PATHS[i % 2]; // the core's kernel and the engine's ops in turn
                    String what = "case " + i + " (seed " + seed + ", B=" + b + " T=" + t + " V=" + v + " k=" + k
                            + (latest ? ", latest" : ", cached") + (logitsEntry ? ", logits" : ", log-probs") + ", "
                            + JackpotDjlTest.path(path) + ")";
                    entries[logitsEntry ? 0 : 1]++;
                    try {
                        NDArray logits = c.policyLogits(m);
                        RolloutBatch rollout = c.rollout(m);
                        if (withGradient) {
                            backward++;
                            logits.setRequiresGradient(true);
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                JackpotLossOutput out = logitsEntry ? JackpotDjl.policyLoss(config, logits, rollout, null, path)
                                        : JackpotDjl.policyLoss(config, logProbs(logits, c, m), c.target(m), rollout, null, path);
                                nonFinite += check(out, what, failures);
                                metricValues += out.metrics().size();
                                gc.backward(out.loss());
                                for (float g : logits.getGradient().toFloatArray()) {
                                    gradientEntries++;
                                    if (!Float.isFinite(g)) {
                                        nonFinite++;
                                        failures.add(what + ": gradient " + g);
                                        break;
                                    }
                                }
                            }
                        } else {
                            JackpotLossOutput out = logitsEntry ? JackpotDjl.policyLoss(config, logits, rollout, null, path)
                                    : JackpotDjl.policyLoss(config, c.logProbs(m), c.target(m), rollout, null, path);
                            nonFinite += check(out, what, failures);
                            metricValues += out.metrics().size();
                        }
                    } catch (RuntimeException e) {
                        nonFinite++;
                        failures.add(what + ": " + e);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("DjlFuzzTest valid: %d batches (%d from logits, %d from log-probs), %d with backward"
                        + " (%d gradient entries), %d metric values; %d non-finite or refused; %.1f s%n",
                VALID, entries[0], entries[1], backward, gradientEntries, metricValues, nonFinite, seconds);
        if (!failures.isEmpty()) {
            fail(failures.size() + " failures, first: " + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
    }

    /**
     * The actor's PPO loss and the distillation loss (both directions) on random valid batches, with
     * backward into both logits. A batch whose KL is infinite at a valid token (one model gives 0 where
     * the other does not) or beyond float32 (logits near the float32 limit) must be refused with a message
 * naming it; every other one must be finite.
     */
    @Test
    void actorAndDistillationStayFinite() {
        SplittableRandom rng = new SplittableRandom(SEED + 2);
        int cases = Math.max(1, VALID / 10);
        int refusedInfiniteKl = 0;
        int refusedOverflow = 0;
        int gradientEntries = 0;
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        int i = 0;
        while (i < cases) {
            try (NDManager m = manager.newSubManager()) {
                for (int j = 0; j < PER_MANAGER && i < cases; j++, i++) {
                    int b = 1 + rng.nextInt(3);
                    int t = 1 + rng.nextInt(4);
                    int v = 1 + rng.nextInt(12);
                    int k = pickK(rng, v);
                    boolean latest = rng.nextInt(3) == 0;
                    long seed = rng.nextLong();
                    SplittableRandom caseRng = new SplittableRandom(seed);
                    DjlCase c = DjlCase.random(caseRng, b, t, v, k, latest);
                    JackpotConfig config = randomConfig(caseRng, k, true);
                    int which = caseRng.nextInt(3);
                    String what = "case " + i + " (seed " + seed + ", B=" + b + " T=" + t + " V=" + v + " k=" + k
                            + (latest ? ", latest" : ", cached") + ", " + new String[] {"actor", "forward KL", "reverse KL"}[which] + ")";
                    NDArray policy = c.policyLogits(m);
                    NDArray actor = c.actorLogits(m);
                    actor.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss;
                        if (which == 0) {
                            JackpotLossOutput out = JackpotDjl.actorLoss(config, actor, c.rollout(m));
                            check(out, what, failures);
                            loss = out.loss();
                        } else {
                            loss = JackpotDjl.distillationLoss(config, policy, actor, c.rollout(m),
                                    which == 1 ? JackpotDjl.Divergence.FORWARD : JackpotDjl.Divergence.REVERSE);
                        }
                        float value = loss.getFloat();
                        if (!Float.isFinite(value)) {
                            failures.add(what + ": loss " + value);
                            continue;
                        }
                        gc.backward(loss);
                        for (float g : actor.getGradient().toFloatArray()) {
                            gradientEntries++;
                            if (!Float.isFinite(g)) {
                                failures.add(what + ": gradient " + g);
                                break;
                            }
                        }
                    } catch (IllegalArgumentException e) {
                        if (which != 0 && e.getMessage().contains(") is infinite")) {
                            refusedInfiniteKl++;
                        } else if (which != 0 && e.getMessage().startsWith("the distillation loss = ")) {
                            refusedOverflow++;
                        } else {
                            failures.add(what + ": " + e);
                        }
                    } catch (RuntimeException e) {
                        failures.add(what + ": " + e);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("DjlFuzzTest actor/distillation: %d batches with backward (%d gradient entries), %d refused as"
                + " an infinite KL, %d as a KL beyond float32, %d failures; %.1f s%n", cases, gradientEntries,
                refusedInfiniteKl, refusedOverflow, failures.size(), seconds);
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: "
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }

    /** The gradient-carrying log_probs [B,T] of the log-prob entry: gathered from the logits' log-softmax. */
    static NDArray logProbs(NDArray logits, DjlCase c, NDManager m) {
        NDArray ids = m.create(c.tokens, c.tokenShape()).toType(DataType.INT64, false);
        return logits.logSoftmax(-1).gather(ids.expandDims(-1), -1).squeeze(-1);
    }

    static int check(JackpotLossOutput out, String what, List<String> failures) {
        float loss = out.loss().getFloat();
        if (!Float.isFinite(loss)) {
            failures.add(what + ": loss " + loss);
            return 1;
        }
        for (Map.Entry<String, Double> e : out.metrics().entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                failures.add(what + ": " + e.getKey() + " = " + e.getValue());
                return 1;
            }
        }
        return Double.isFinite(out.kappa()) ? 0 : 1;
    }

    // ---- corruptions ----

    /** One corruption of one field; {@code logitsEntry} null = either entry point reads it. */
    static final class Corruption {
        final String field;
        final String what;
        final Boolean logitsEntry;
        final Consumer<DjlCase> change;

        Corruption(String field, String what, Boolean logitsEntry, Consumer<DjlCase> change) {
            this.field = field;
            this.what = what;
            this.logitsEntry = logitsEntry;
            this.change = change;
        }
    }

    static final float[] BAD_LOG_PROBS = {Float.NaN, Float.POSITIVE_INFINITY, 0.5f, 3e38f};

    /** Every corruption that applies to case {@code c}, at random positions. */
    static List<Corruption> corruptions(SplittableRandom rng, DjlCase c) {
        List<Corruption> all = new ArrayList<>();
        int n = c.b * c.t;
        int tok = rng.nextInt(n);
        int list = tok * c.k + rng.nextInt(c.k);
        int logit = tok * c.v + rng.nextInt(c.v);
        boolean latest = c.rolloutLogits != null;
        float badLp = BAD_LOG_PROBS[rng.nextInt(BAD_LOG_PROBS.length)];
        // logits
        logitCorruptions(all, rng, "policy_logits", Boolean.TRUE, x -> x.policyLogits, tok, logit, c.v);
        if (latest) {
            logitCorruptions(all, rng, "rollout_logits", null, x -> x.rolloutLogits, tok, logit, c.v);
        }
        // [B,T] inputs
        all.add(new Corruption("old_log_probs", "" + badLp, null, x -> x.oldLogProbs[tok] = badLp));
        all.add(new Corruption("log_probs", "" + badLp, Boolean.FALSE, x -> x.logProbs[tok] = badLp));
        if (c.actorOldLogProbs != null) {
            all.add(new Corruption("actor_old_log_probs", "" + badLp, null, x -> x.actorOldLogProbs[tok] = badLp));
        }
        float badAdv = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[rng.nextInt(3)];
        all.add(new Corruption("advantages", "" + badAdv, null, x -> x.advantages[tok] = badAdv));
        float badMask = new float[] {2f, 0.5f, -1f, Float.NaN}[rng.nextInt(4)];
        all.add(new Corruption("response_mask", "" + badMask, null, x -> x.mask[tok] = badMask));
        float badU = new float[] {1f, -0.1f, Float.NaN, 1.5f}[rng.nextInt(4)];
        all.add(new Corruption("uniforms", "" + badU, null, x -> {
            if (x.uniforms == null) {
                x.uniforms = new float[n];
            }
            x.uniforms[tok] = badU;
        }));
        all.add(new Corruption("token_ids", "-1", null, x -> x.tokens[tok] = -1 - rng.nextInt(1000)));
        all.add(new Corruption("token_ids", "V", latest ? null : Boolean.TRUE, x -> x.tokens[tok] = x.v + rng.nextInt(3)));
        // [B,T] and [B,T,k] shapes
        String shaped = new String[] {"old_log_probs", "advantages", "response_mask", "token_ids"}[rng.nextInt(4)];
        all.add(new Corruption(shaped, "shape", null, x -> x.override.put(shaped, mm -> shaped.equals("token_ids")
                ? mm.zeros(new Shape(x.b, x.t + 1), DataType.INT64) : mm.zeros(new Shape(x.b + 1, x.t)))));
        String listShaped = latest ? new String[] {"target_topk_ids", "target_topk_log_probs"}[rng.nextInt(2)]
                : new String[] {"rollout_topk_ids", "rollout_topk_log_probs", "target_log_probs_at_rollout_topk"}[rng.nextInt(3)];
        all.add(new Corruption(listShaped, "shape", listShaped.startsWith("target") ? Boolean.FALSE : null,
                x -> x.override.put(listShaped, mm -> mm.zeros(new Shape(x.b, x.t, x.k + 1),
                        listShaped.endsWith("ids") ? DataType.INT64 : DataType.FLOAT32))));
        // the target's lists (log-prob entry)
        all.add(new Corruption("target_topk_log_probs", "" + badLp, Boolean.FALSE, x -> x.targetTopLogProbs[list] = badLp));
        all.add(new Corruption("target_log_probs_at_rollout_topk", "" + badLp, Boolean.FALSE,
                x -> x.targetAtRollout[list] = badLp));
        if (c.rolloutAtTarget != null) {
            all.add(new Corruption("rollout_log_probs_at_target_topk", "" + badLp, Boolean.FALSE,
                    x -> x.rolloutAtTarget[list] = badLp));
        }
        all.add(new Corruption("target_topk_ids", "-1", Boolean.FALSE, x -> x.targetTopIds[list] = -1));
        if (latest) {
            all.add(new Corruption("target_topk_ids", "V", Boolean.FALSE, x -> x.targetTopIds[list] = x.v));
        }
        if (c.k >= 2) {
            all.add(new Corruption("target_topk_ids", "duplicate", Boolean.FALSE,
                    x -> x.targetTopIds[list] = x.targetTopIds[list == tok * x.k ? list + 1 : list - 1]));
        }
        // the cached rollout side
        if (!latest) {
            all.add(new Corruption("rollout_log_probs", "" + badLp, null, x -> x.rolloutLogProbs[tok] = badLp));
            all.add(new Corruption("rollout_topk_log_probs", "" + badLp, null, x -> x.rolloutTopLogProbs[list] = badLp));
            all.add(new Corruption("rollout_topk_ids", "-1", null, x -> x.rolloutTopIds[list] = -1));
            all.add(new Corruption("rollout_topk_ids", "V", Boolean.TRUE, x -> x.rolloutTopIds[list] = x.v));
            if (c.k >= 2) {
                all.add(new Corruption("rollout_topk_ids", "duplicate", null,
                        x -> x.rolloutTopIds[list] = x.rolloutTopIds[list == tok * x.k ? list + 1 : list - 1]));
            }
        }
        return all;
    }

    interface Field {
        float[] of(DjlCase c);
    }

    static void logitCorruptions(List<Corruption> all, SplittableRandom rng, String name, Boolean entry, Field f,
                                 int tok, int logit, int v) {
        switch (rng.nextInt(4)) {
            case 0: all.add(new Corruption(name, "NaN", entry, x -> f.of(x)[logit] = Float.NaN)); break;
            case 1: all.add(new Corruption(name, "+inf", entry, x -> f.of(x)[logit] = Float.POSITIVE_INFINITY)); break;
            case 2:
                all.add(new Corruption(name, "row of -inf", entry, x -> {
                    for (int j = 0; j < v; j++) {
                        f.of(x)[tok * v + j] = Float.NEGATIVE_INFINITY;
                    }
                }));
                break;
            default:
                all.add(new Corruption(name, "float64 beyond float32", entry, x -> {
                    float[] src = f.of(x);
                    double[] d = new double[src.length];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = src[i];
                    }
                    d[logit] = 1e39;
                    x.override.put(name, mm -> mm.create(d, x.logitShape()));
                }));
                break;
        }
    }

    @Test
    void oneFieldCorruptionsAreNamed() {
        SplittableRandom rng = new SplittableRandom(SEED + 1);
        Map<String, Integer> perField = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        int i = 0;
        while (i < CORRUPT) {
            try (NDManager m = manager.newSubManager()) {
                for (int j = 0; j < PER_MANAGER && i < CORRUPT; j++, i++) {
                    int b = 1 + rng.nextInt(3);
                    int t = 1 + rng.nextInt(4);
                    int v = 1 + rng.nextInt(12);
                    int k = pickK(rng, v);
                    boolean latest = rng.nextInt(3) == 0;
                    long seed = rng.nextLong();
                    SplittableRandom caseRng = new SplittableRandom(seed);
                    DjlCase c = DjlCase.random(caseRng, b, t, v, k, latest);
                    List<Corruption> options = corruptions(caseRng, c);
                    Corruption bad = options.get(caseRng.nextInt(options.size()));
                    boolean logitsEntry = bad.logitsEntry != null ? bad.logitsEntry : caseRng.nextBoolean();
                    JackpotConfig config = randomConfig(caseRng, k, logitsEntry);
                    bad.change.accept(c);
                    String what = "corruption " + i + " (seed " + seed + "): " + bad.field + " " + bad.what + " via "
                            + (logitsEntry ? "logits" : "log-probs");
                    perField.merge(bad.field, 1, Integer::sum);
                    try {
                        JackpotLossOutput out = logitsEntry ? JackpotDjl.policyLoss(config, c.policyLogits(m), c.rollout(m))
                                : JackpotDjl.policyLoss(config, c.logProbs(m), c.target(m), c.rollout(m), null);
                        failures.add(what + ": not refused, loss " + out.loss().getFloat());
                    } catch (IllegalArgumentException e) {
                        if (!e.getMessage().contains(bad.field)) {
                            failures.add(what + ": message does not name it: " + e.getMessage());
                        }
                    } catch (RuntimeException e) {
                        failures.add(what + ": " + e);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("DjlFuzzTest corruptions: %d one-field corruptions, %d named by an"
                        + " IllegalArgumentException; %.1f s; per field %s%n",
                CORRUPT, CORRUPT - failures.size(), seconds, perField);
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: "
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }
}
