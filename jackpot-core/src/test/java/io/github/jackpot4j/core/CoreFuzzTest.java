package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the core with primitive generators (no shrinking): every case is a pure function
 * of one {@code long} drawn from a {@link SplittableRandom} with a fixed seed, and a failure prints
 * that long so {@link #validCase(long)} / {@link #corruptedCase(long)} rebuild the exact case.
 *
 * <ol>
 *   <li>{@link #validBatchesGiveFiniteOutputs()}: {@value #VALID_CASES} random valid batches (consistent
 *       distributions from {@link SyntheticRollouts}, then legal tails injected: log-probs at or just above
 *       0, −700..−1000 and deeper, −∞, subnormal probabilities, whole tokens shifted by −700..−1000,
 *       logits scaled by e^6, k = 1 and k = V, every option and aggregation mode, budget mode, renorm,
 *       bias correction on/off, LATEST/REFERENCE, split into micro-batches with merged statistics).
 *       Every output — loss, κ, every metric, the statistics and every per-token array — must be
 *       finite.</li>
 *   <li>{@link #oneFieldCorruptionsAreRefusedByName()}: {@value #CORRUPTIONS} valid batches with one
 *       field broken (NaN, +∞, a log-prob &gt; 1e-4, an id outside [0, V), a repeated id in one list,
 *       a wrong array length, a mask value other than 0/1, a uniform outside [0,1)); each must throw
 *       an {@link IllegalArgumentException} whose message starts with the field's name.</li>
 * </ol>
 * The counts are printed to stdout; docs/reliability.md quotes them.
 */
class CoreFuzzTest {
    static final int VALID_CASES = 80_000;
    static final int CORRUPTIONS = 12_000;
    private static final long VALID_SEED = 0x5EED_F0220001L;
    private static final long CORRUPT_SEED = 0x5EED_F0220002L;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /** Legal log-prob values from the tails: near 0 (up to the 1e-4 tolerance), deep, subnormal probabilities, −∞. */
    private static final float[] TAIL_LOG_PROBS = {0f, -0f, 5e-5f, 9.9e-5f, -1e-45f, -1e-30f, -1e-7f, -700f, -708.5f,
        -720f, -740f, -745f, -746f, -800f, -1000f, -1e10f, -Float.MAX_VALUE, NEG_INF, NEG_INF};

    // ------------------------------------------------------------------------------------------
    // The arrays of one case (plain copies, so tails and corruptions can be written into them)

    /** Every input of one batch, as plain arrays. */
    static final class Inputs {
        int batchSize;
        int length;
        int topK;
        int vocab;
        /** V of the generated distributions (the [B,T,V] arrays), whether or not the batch declares it. */
        int fullVocab;
        long step;
        SyntheticRollouts.Inputs mode;
        float[] mask;
        float[] rollout;
        float[] old;
        float[] current;
        float[] advantages;
        float[] uniforms;
        int[] rolloutIds;
        float[] rolloutTopk;
        int[] targetIds;
        float[] targetTopk;
        float[] targetAtRollout;
        float[] rolloutAtTarget;
        float[] rolloutFull;
        float[] targetFull;

        /** Rows [from, to) as a batch: plain-array setters for the whole batch, views at offsets for a part. */
        JackpotBatch build(int from, int to) {
            int rows = to - from;
            int[] tokens = {rows, length};
            int off = from * length;
            boolean full = mode == SyntheticRollouts.Inputs.FULL_VOCAB;
            JackpotBatch.Builder b = (full ? JackpotBatch.builder(rows, length) : JackpotBatch.builder(rows, length, topK))
                    .step(step).sequenceOffset(from);
            if (vocab > 0) {
                b.vocabSize(vocab);
            }
            if (from == 0 && to == batchSize) {
                b.responseMask(mask).rolloutLogProbs(rollout).oldLogProbs(old).logProbs(current).advantages(advantages);
                if (uniforms != null) {
                    b.uniforms(uniforms);
                }
            } else {
                b.responseMask(FloatView.at(mask, off, tokens)).rolloutLogProbs(FloatView.at(rollout, off, tokens))
                        .oldLogProbs(FloatView.at(old, off, tokens)).logProbs(FloatView.at(current, off, tokens))
                        .advantages(FloatView.at(advantages, off, tokens));
                if (uniforms != null) {
                    b.uniforms(FloatView.at(uniforms, off, tokens));
                }
            }
            if (full) {
                int[] shape = {rows, length, fullVocab};
                b.fullVocabLogProbs(FloatView.at(rolloutFull, off * fullVocab, shape),
                        FloatView.at(targetFull, off * fullVocab, shape));
            } else if (from == 0 && to == batchSize) {
                b.rolloutTopK(rolloutIds, rolloutTopk).targetTopK(targetIds, targetTopk)
                        .targetLogProbsAtRolloutTopK(targetAtRollout);
                if (mode == SyntheticRollouts.Inputs.TOP_K_CROSS) {
                    b.rolloutLogProbsAtTargetTopK(rolloutAtTarget);
                }
            } else {
                int[] lists = {rows, length, topK};
                int lo = off * topK;
                b.rolloutTopK(IdView.at(rolloutIds, lo, lists), FloatView.at(rolloutTopk, lo, lists))
                        .targetTopK(IdView.at(targetIds, lo, lists), FloatView.at(targetTopk, lo, lists))
                        .targetLogProbsAtRolloutTopK(FloatView.at(targetAtRollout, lo, lists));
                if (mode == SyntheticRollouts.Inputs.TOP_K_CROSS) {
                    b.rolloutLogProbsAtTargetTopK(FloatView.at(rolloutAtTarget, lo, lists));
                }
            }
            return b.build();
        }

        /** The log-prob arrays of this case with their batch keys (null entries are absent inputs). */
        Map<String, float[]> logProbArrays() {
            Map<String, float[]> m = new TreeMap<>();
            m.put("rollout_log_probs", rollout);
            m.put("old_log_probs", old);
            m.put("log_probs", current);
            if (mode == SyntheticRollouts.Inputs.FULL_VOCAB) {
                m.put("rollout_full_log_probs", rolloutFull);
                m.put("target_full_log_probs", targetFull);
            } else {
                m.put("rollout_topk_log_probs", rolloutTopk);
                m.put("target_topk_log_probs", targetTopk);
                m.put("target_log_probs_at_rollout_topk", targetAtRollout);
                if (mode == SyntheticRollouts.Inputs.TOP_K_CROSS) {
                    m.put("rollout_log_probs_at_target_topk", rolloutAtTarget);
                }
            }
            return m;
        }
    }

    /** A valid case: its inputs, its configuration and whether to run it split into two micro-batches. */
    record Case(long seed, Inputs inputs, JackpotConfig config, int splitAt, String features) {
    }

    private static <T> T pick(SplittableRandom r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    private static Inputs inputs(SplittableRandom r, Target target, boolean vocabKnown) {
        int b = 1 + r.nextInt(3);
        int t = 1 + r.nextInt(4);
        int v = 1 + r.nextInt(8);
        int kind = r.nextInt(3);
        int k = kind == 0 ? 1 : kind == 1 ? v : 1 + r.nextInt(v);
        double logitScale = pick(r, List.of(0.3, 1.0, 3.0, Math.exp(3), Math.exp(6)));
        double noise = pick(r, List.of(0.0, 0.5, 2.0, 6.0));
        double pad = pick(r, List.of(0.0, 0.3, 1.0));
        double masked = pick(r, List.of(0.0, 0.05, 0.3, 0.7));
        SyntheticRollouts g = SyntheticRollouts.builder().seed(r.nextLong()).batchSize(b).length(t).vocabSize(v).topK(k)
                .logitScale(logitScale).mismatch(noise).padFraction(pad).maskedProb(masked).spec().generate();
        Inputs in = new Inputs();
        in.batchSize = b;
        in.length = t;
        in.topK = k;
        in.vocab = vocabKnown ? v : 0;
        in.fullVocab = v;
        in.step = r.nextInt(1000);
        in.mode = pick(r, List.of(SyntheticRollouts.Inputs.values()));
        if (in.mode == SyntheticRollouts.Inputs.FULL_VOCAB) {
            in.vocab = v; // required in full-vocabulary mode
        }
        in.mask = g.responseMask.clone();
        in.rollout = g.rolloutLogProbs.clone();
        in.old = g.oldLogProbs.clone();
        in.current = g.logProbs.clone();
        in.advantages = g.advantages.clone();
        SyntheticRollouts.TopKLists top = g.topK(target);
        in.rolloutIds = top.rolloutIds.clone();
        in.rolloutTopk = top.rolloutLogProbs.clone();
        in.targetIds = top.targetIds.clone();
        in.targetTopk = top.targetLogProbs.clone();
        in.targetAtRollout = top.targetAtRollout.clone();
        in.rolloutAtTarget = top.rolloutAtTarget.clone();
        in.rolloutFull = g.rolloutVocabLogProbs.clone();
        in.targetFull = g.targetVocabLogProbs(target).clone();
        if (r.nextInt(3) == 0) {
            in.uniforms = new float[b * t];
            for (int i = 0; i < in.uniforms.length; i++) {
                int u = r.nextInt(10);
                in.uniforms[i] = u == 0 ? 0f : u == 1 ? Math.nextDown(1f) : (float) r.nextDouble();
                if (in.uniforms[i] >= 1f) {
                    in.uniforms[i] = Math.nextDown(1f);
                }
            }
        }
        return in;
    }

    /** Writes legal tail values into random log-prob positions, shifts whole tokens deep, scales advantages. */
    private static void injectTails(SplittableRandom r, Inputs in, StringBuilder features) {
        int injections = r.nextInt(6);
        List<Map.Entry<String, float[]>> arrays = new ArrayList<>(in.logProbArrays().entrySet());
        for (int i = 0; i < injections; i++) {
            float[] a = pick(r, arrays).getValue();
            float value = r.nextInt(4) == 0
                    ? (float) -(708 + 37 * r.nextDouble()) // exp(value) is a subnormal probability
                    : TAIL_LOG_PROBS[r.nextInt(TAIL_LOG_PROBS.length)];
            a[r.nextInt(a.length)] = value;
        }
        if (injections > 0) {
            features.append(" tails");
        }
        if (r.nextInt(4) == 0) {
            // One token's whole distribution pair moved to −700..−1000 (same relative shape, tiny mass).
            int t = r.nextInt(in.batchSize * in.length);
            float shift = (float) -(700 + 300 * r.nextDouble());
            in.rollout[t] += shift;
            in.old[t] += shift;
            in.current[t] += shift;
            for (int j = 0; j < in.topK; j++) {
                int e = t * in.topK + j;
                in.rolloutTopk[e] += shift;
                in.targetTopk[e] += shift;
                in.targetAtRollout[e] += shift;
                in.rolloutAtTarget[e] += shift;
            }
            for (int x = 0; x < in.fullVocab; x++) {
                in.rolloutFull[t * in.fullVocab + x] += shift;
                in.targetFull[t * in.fullVocab + x] += shift;
            }
            features.append(" shifted");
        }
        if (r.nextInt(8) == 0) {
            float[] scales = {0f, 1e4f, -1e4f, Float.MIN_VALUE, 1e-30f};
            in.advantages[r.nextInt(in.advantages.length)] = scales[r.nextInt(scales.length)];
            features.append(" advantages");
        }
    }

    private static JackpotConfig config(SplittableRandom r, Target target, int k, StringBuilder features) {
        JackpotConfig.Builder c = JackpotConfig.builder().topK(k).target(target)
                .useJackpot(r.nextInt(8) != 0)
                .lambda(pick(r, List.of(1.0, Math.exp(6 * r.nextDouble() - 3), 0.05, JackpotConfig.MIN_LAMBDA,
                        JackpotConfig.MAX_LAMBDA)))
                .weightClip(pick(r, List.of(3.0, 1.5, 10.0, 1e9)))
                .useLatestLogits(r.nextBoolean())
                .useTopkRenorm(r.nextInt(3) == 0)
                .maskOnly(r.nextInt(6) == 0)
                .biasCorrection(r.nextInt(3) != 0)
                .acceptanceEstimate(pick(r, List.of(AcceptanceEstimate.values())))
                .missingRolloutProb(pick(r, List.of(MissingRolloutProb.values())))
                .seed(r.nextLong());
        Batches.withF(c, pick(r, List.of(ResidualCorrection.truncate(2.0), ResidualCorrection.none(),
                        ResidualCorrection.truncate(Double.POSITIVE_INFINITY), ResidualCorrection.icepop(0.5, 5.0))))
                .clipRatioLow(pick(r, List.of(0.2, 0.1, 0.28)))
                .clipRatioHigh(pick(r, List.of(0.2, 0.28, 0.5, 1e6)))
                .dualClip(pick(r, List.of(3.0, 1.5, 10.0)))
                .ppoClip(r.nextInt(4) != 0)
                .lossAggMode(pick(r, List.of(LossAggMode.values())))
                .lossScaleFactor(pick(r, java.util.Arrays.asList(null, 7.0, JackpotConfig.MIN_LOSS_SCALE_FACTOR)));
        if (r.nextInt(4) == 0) {
            c.targetAcceptance(pick(r, List.of(1.0, 0.999, 0.5, 0.05, 1e-9, r.nextDouble() * 0.98 + 0.01)));
            features.append(" budget");
        }
        JackpotConfig config = c.build();
        features.append(' ').append(config.lossAggMode()).append(config.useJackpot() ? "" : " baseline")
                .append(config.useTopkRenorm() ? " renorm" : "").append(config.biasCorrection() ? "" : " noBias")
                .append(' ').append(target);
        return config;
    }

    /** The valid case of one seed. */
    static Case validCase(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Target target = r.nextBoolean() ? Target.LATEST : Target.REFERENCE;
        Inputs in = inputs(r, target, r.nextInt(4) != 0);
        StringBuilder features = new StringBuilder(in.mode.toString()).append(" k=").append(in.topK == 1 ? "1"
                : in.topK == in.vocab ? "V" : "mid");
        if (r.nextBoolean()) {
            injectTails(r, in, features);
        }
        JackpotConfig config = config(r, target, in.topK, features);
        int splitAt = in.batchSize > 1 && r.nextInt(4) == 0 ? 1 + r.nextInt(in.batchSize - 1) : -1;
        if (splitAt > 0) {
            features.append(" split");
        }
        return new Case(seed, in, config, splitAt, features.toString());
    }

    /** Runs a valid case; the first non-finite output, an unexpected exception, or null. */
    static String run(Case c) {
        try {
            Inputs in = c.inputs();
            if (c.splitAt() < 0) {
                JackpotBatch batch = in.build(0, in.batchSize);
                JackpotResult r = JackpotResult.allocate(in.batchSize, in.length);
                Jackpot.compute(c.config(), batch, null, r, Execution.sequential());
                return FiniteOutputs.firstNonFinite(r);
            }
            JackpotBatch first = in.build(0, c.splitAt());
            JackpotBatch second = in.build(c.splitAt(), in.batchSize);
            JackpotConfig config = c.config();
            if (config.budgetMode()) {
                double lambda = Jackpot.solveLambda(config, first, second);
                if (!(lambda >= JackpotConfig.MIN_LAMBDA && lambda <= JackpotConfig.MAX_LAMBDA)) {
                    return "solved lambda = " + lambda;
                }
                config = config.withLambda(lambda);
            }
            BatchStatistics global = Jackpot.statistics(config, first).merge(Jackpot.statistics(config, second));
            // through an all-reduce and back, as a data-parallel trainer would
            global = BatchStatistics.fromArray(global.toArray());
            for (JackpotBatch part : new JackpotBatch[] {first, second}) {
                JackpotResult r = JackpotResult.allocate(part.batchSize(), part.length());
                Jackpot.compute(config, part, global, r, Execution.sequential());
                String bad = FiniteOutputs.firstNonFinite(r);
                if (bad != null) {
                    return "micro-batch: " + bad;
                }
            }
            return null;
        } catch (RuntimeException e) {
            return "threw " + e;
        }
    }

    @Test
    void validBatchesGiveFiniteOutputs() {
        SplittableRandom seeds = new SplittableRandom(VALID_SEED);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> featureCounts = new TreeMap<>();
        int failed = 0;
        long tokens = 0;
        long start = System.nanoTime();
        for (int i = 0; i < VALID_CASES; i++) {
            long seed = seeds.nextLong();
            Case c = validCase(seed);
            tokens += (long) c.inputs().batchSize * c.inputs().length;
            for (String f : c.features().split(" ")) {
                featureCounts.merge(f, 1, Integer::sum);
            }
            String bad = run(c);
            if (bad != null) {
                failed++;
                if (failures.size() < 10) {
                    failures.add("validCase(" + seed + "L) [" + c.features() + "]: " + bad);
                }
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("CoreFuzzTest valid: " + VALID_CASES + " batches (" + tokens + " token positions), "
                + failed + " with a non-finite output, " + ms + " ms; seed " + Long.toHexString(VALID_SEED));
        System.out.println("CoreFuzzTest valid features: " + featureCounts);
        final int failedCases = failed;
        assertTrue(failures.isEmpty(), () -> failedCases + " failing cases, first: " + String.join("\n", failures));
    }

    // ------------------------------------------------------------------------------------------
    // One-field corruptions

    /** A corrupted case: the field that was broken, how, and the builder call that must throw. */
    record Corruption(long seed, String field, String kind, java.util.function.Supplier<JackpotBatch> build) {
    }

    private static final float[] NOT_A_LOG_PROB = {Float.NaN, Float.POSITIVE_INFINITY, 2e-4f, 0.01f, 0.5f, 3f, 1e30f,
        Float.MAX_VALUE};
    private static final float[] NOT_A_MASK = {0.5f, 2f, -1f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f, 0.999f};
    private static final float[] NOT_A_UNIFORM = {1f, 1.5f, -1e-7f, -1f, Float.NaN, Float.POSITIVE_INFINITY};

    static Corruption corruptedCase(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Target target = r.nextBoolean() ? Target.LATEST : Target.REFERENCE;
        Inputs in = inputs(r, target, true);
        if (in.uniforms == null) {
            in.uniforms = new float[in.batchSize * in.length];
        }
        boolean full = in.mode == SyntheticRollouts.Inputs.FULL_VOCAB;
        List<String> fields = new ArrayList<>(List.of("response_mask", "rollout_log_probs", "old_log_probs", "log_probs",
                "advantages", "uniforms"));
        if (full) {
            fields.addAll(List.of("rollout_full_log_probs", "target_full_log_probs"));
        } else {
            fields.addAll(List.of("rollout_topk_ids", "target_topk_ids", "rollout_topk_log_probs", "target_topk_log_probs",
                    "target_log_probs_at_rollout_topk"));
            if (in.mode == SyntheticRollouts.Inputs.TOP_K_CROSS) {
                fields.add("rollout_log_probs_at_target_topk");
            }
        }
        String field = pick(r, fields);
        // a wrong length, for every field given as a plain array (the full-vocabulary views: a wrong V)
        if (r.nextInt(6) == 0) {
            return wrongLength(seed, r, in, field);
        }
        String kind;
        switch (field) {
            case "response_mask": {
                float v = NOT_A_MASK[r.nextInt(NOT_A_MASK.length)];
                in.mask[r.nextInt(in.mask.length)] = v;
                kind = "mask " + v;
                break;
            }
            case "advantages": {
                float v = r.nextBoolean() ? Float.NaN : r.nextBoolean() ? Float.POSITIVE_INFINITY : NEG_INF;
                in.advantages[r.nextInt(in.advantages.length)] = v;
                kind = "advantage " + v;
                break;
            }
            case "uniforms": {
                float v = NOT_A_UNIFORM[r.nextInt(NOT_A_UNIFORM.length)];
                in.uniforms[r.nextInt(in.uniforms.length)] = v;
                kind = "uniform " + v;
                break;
            }
            case "rollout_topk_ids":
            case "target_topk_ids": {
                int[] ids = field.equals("rollout_topk_ids") ? in.rolloutIds : in.targetIds;
                int e = r.nextInt(ids.length);
                if (in.topK >= 2 && r.nextBoolean()) {
                    int list = e / in.topK;
                    int j = e % in.topK;
                    int other = (j + 1 + r.nextInt(in.topK - 1)) % in.topK;
                    ids[e] = ids[list * in.topK + other];
                    kind = "duplicate id";
                } else {
                    int[] bad = {in.vocab, in.vocab + 1000, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
                    ids[e] = bad[r.nextInt(bad.length)];
                    kind = "id out of range";
                }
                break;
            }
            default: {
                float[] a = in.logProbArrays().get(field);
                float v = NOT_A_LOG_PROB[r.nextInt(NOT_A_LOG_PROB.length)];
                a[r.nextInt(a.length)] = v;
                kind = Float.isNaN(v) ? "log-prob NaN" : Float.isInfinite(v) ? "log-prob +inf" : "log-prob > 1e-4";
            }
        }
        return new Corruption(seed, field, kind, () -> in.build(0, in.batchSize));
    }

    private static Corruption wrongLength(long seed, SplittableRandom r, Inputs in, String field) {
        int delta = (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(3));
        if (field.endsWith("_full_log_probs")) {
            int[] shape = {in.batchSize, in.length, in.vocab + Math.abs(delta)};
            float[] bigger = new float[in.batchSize * in.length * shape[2]];
            FloatView bad = FloatView.of(bigger, shape);
            int[] good = {in.batchSize, in.length, in.vocab};
            return new Corruption(seed, field, "wrong length", () -> {
                JackpotBatch.Builder b = JackpotBatch.builder(in.batchSize, in.length).step(in.step).vocabSize(in.vocab)
                        .rolloutLogProbs(in.rollout).oldLogProbs(in.old).logProbs(in.current).advantages(in.advantages);
                return (field.startsWith("rollout") ? b.fullVocabLogProbs(bad, FloatView.of(in.targetFull, good))
                        : b.fullVocabLogProbs(FloatView.of(in.rolloutFull, good), bad)).build();
            });
        }
        float[] floats = null;
        int[] ints = null;
        switch (field) {
            case "response_mask": floats = in.mask; break;
            case "rollout_log_probs": floats = in.rollout; break;
            case "old_log_probs": floats = in.old; break;
            case "log_probs": floats = in.current; break;
            case "advantages": floats = in.advantages; break;
            case "uniforms": floats = in.uniforms; break;
            case "rollout_topk_ids": ints = in.rolloutIds; break;
            case "target_topk_ids": ints = in.targetIds; break;
            case "rollout_topk_log_probs": floats = in.rolloutTopk; break;
            case "target_topk_log_probs": floats = in.targetTopk; break;
            case "target_log_probs_at_rollout_topk": floats = in.targetAtRollout; break;
            case "rollout_log_probs_at_target_topk": floats = in.rolloutAtTarget; break;
            default: throw new AssertionError(field);
        }
        int length = Math.max(0, (floats != null ? floats.length : ints.length) + delta);
        float[] f = floats != null ? java.util.Arrays.copyOf(floats, length) : null;
        int[] n = ints != null ? java.util.Arrays.copyOf(ints, length) : null;
        switch (field) {
            case "response_mask": in.mask = f; break;
            case "rollout_log_probs": in.rollout = f; break;
            case "old_log_probs": in.old = f; break;
            case "log_probs": in.current = f; break;
            case "advantages": in.advantages = f; break;
            case "uniforms": in.uniforms = f; break;
            case "rollout_topk_ids": in.rolloutIds = n; break;
            case "target_topk_ids": in.targetIds = n; break;
            case "rollout_topk_log_probs": in.rolloutTopk = f; break;
            case "target_topk_log_probs": in.targetTopk = f; break;
            case "target_log_probs_at_rollout_topk": in.targetAtRollout = f; break;
            case "rollout_log_probs_at_target_topk": in.rolloutAtTarget = f; break;
            default: throw new AssertionError(field);
        }
        return new Corruption(seed, field, "wrong length", () -> in.build(0, in.batchSize));
    }

    @Test
    void oneFieldCorruptionsAreRefusedByName() {
        SplittableRandom seeds = new SplittableRandom(CORRUPT_SEED);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> kinds = new TreeMap<>();
        Map<String, Integer> fields = new TreeMap<>();
        int failed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < CORRUPTIONS; i++) {
            long seed = seeds.nextLong();
            Corruption c = corruptedCase(seed);
            kinds.merge(c.kind().startsWith("mask") ? "mask not 0/1" : c.kind().startsWith("uniform")
                    ? "uniform outside [0,1)" : c.kind().startsWith("advantage") ? "advantage not finite" : c.kind(), 1, Integer::sum);
            fields.merge(c.field(), 1, Integer::sum);
            String problem;
            try {
                c.build().get();
                problem = "was accepted";
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                problem = m != null && (m.startsWith(c.field() + "[") || m.startsWith(c.field() + " ")) ? null
                        : "message does not start with the field: " + m;
            } catch (RuntimeException e) {
                problem = "threw " + e;
            }
            if (problem != null) {
                failed++;
                if (failures.size() < 10) {
                    failures.add("corruptedCase(" + seed + "L) " + c.field() + " / " + c.kind() + ": " + problem);
                }
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("CoreFuzzTest corruptions: " + CORRUPTIONS + " one-field corruptions, " + (CORRUPTIONS - failed)
                + " refused with an IllegalArgumentException naming the field, " + failed + " not, " + ms + " ms; seed "
                + Long.toHexString(CORRUPT_SEED));
        System.out.println("CoreFuzzTest corruption kinds: " + kinds);
        System.out.println("CoreFuzzTest corrupted fields: " + fields);
        final int failedCases = failed;
        assertTrue(failures.isEmpty(), () -> failedCases + " failing corruptions, first: " + String.join("\n", failures));
    }
}
