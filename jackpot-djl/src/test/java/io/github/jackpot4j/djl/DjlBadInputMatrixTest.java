package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotMetric;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every bad input through every entry point that reads it: an {@link IllegalArgumentException} whose
 * message names the input (and, for a bad value, its first bad index) — never an engine exception, a
 * NaN loss or a NaN gradient. Plus the legal edges that must give finite numbers: −∞ logits, empty
 * batches, λ at the ends of the double range.
 */
class DjlBadInputMatrixTest {
    static final int B = 2;
    static final int T = 3;
    static final int V = 8;
    static final int K = 3;
    /** Token (1,2), list entry (1,2,1), logit (1,2,5). */
    static final int TOK = 1 * T + 2;
    static final int LIST = TOK * K + 1;
    static final int LOGIT = TOK * V + 5;

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

    enum Entry { POLICY_LOGITS, POLICY_LOG_PROBS, ACTOR, DISTILL_FORWARD, DISTILL_REVERSE, JOINT }

    static final Set<Entry> ROLLOUT = EnumSet.of(Entry.POLICY_LOGITS, Entry.POLICY_LOG_PROBS, Entry.ACTOR, Entry.JOINT);
    static final Set<Entry> ANCHOR = EnumSet.of(Entry.POLICY_LOGITS, Entry.POLICY_LOG_PROBS, Entry.JOINT);
    static final Set<Entry> KNOWN_V = EnumSet.of(Entry.POLICY_LOGITS, Entry.ACTOR, Entry.JOINT);
    static final Set<Entry> POLICY = EnumSet.of(Entry.POLICY_LOGITS, Entry.JOINT, Entry.DISTILL_FORWARD,
            Entry.DISTILL_REVERSE);
    static final Set<Entry> ACTOR = EnumSet.of(Entry.ACTOR, Entry.JOINT, Entry.DISTILL_FORWARD, Entry.DISTILL_REVERSE);
    static final Set<Entry> MASK = EnumSet.of(Entry.POLICY_LOGITS, Entry.POLICY_LOG_PROBS, Entry.ACTOR, Entry.JOINT,
            Entry.DISTILL_FORWARD, Entry.DISTILL_REVERSE);
    static final Set<Entry> LOG_PROBS = EnumSet.of(Entry.POLICY_LOG_PROBS);

    static JackpotConfig config(int k) {
        return JackpotConfig.builder().topK(k).build();
    }

    /** A valid base batch: cached top-k, or the rollout model's logits ("latest"). */
    static DjlCase base(boolean latest) {
        DjlCase c = DjlCase.random(new SplittableRandom(latest ? 7L : 5L), B, T, V, K, latest, false);
        c.uniforms = new float[B * T];
        for (int i = 0; i < c.uniforms.length; i++) {
            c.uniforms[i] = (i + 0.5f) / c.uniforms.length;
        }
        if (c.actorOldLogProbs == null) {
            c.actorOldLogProbs = c.rolloutLogProbs.clone();
        }
        return c;
    }

    /** Runs one entry point; the output is closed (a case that does not throw fails before that matters). */
    static void run(Entry e, JackpotConfig config, DjlCase c, NDManager m) {
        run(e, config, c, m, JackpotDjl.Options.defaults());
    }

    /** {@link #run(Entry, JackpotConfig, DjlCase, NDManager)} with the policy entry points' options. */
    static void run(Entry e, JackpotConfig config, DjlCase c, NDManager m, JackpotDjl.Options options) {
        switch (e) {
            case POLICY_LOGITS:
                JackpotDjl.policyLoss(config, c.policyLogits(m), c.rollout(m), null, options).close();
                break;
            case POLICY_LOG_PROBS:
                JackpotDjl.policyLoss(config, c.logProbs(m), c.target(m), c.rollout(m), null, options).close();
                break;
            case ACTOR:
                JackpotDjl.actorLoss(config, c.actorLogits(m), c.rollout(m)).close();
                break;
            case DISTILL_FORWARD:
                JackpotDjl.distillationLoss(config, c.policyLogits(m), c.actorLogits(m), c.rollout(m),
                        JackpotDjl.Divergence.FORWARD).close();
                break;
            case DISTILL_REVERSE:
                JackpotDjl.distillationLoss(config, c.policyLogits(m), c.actorLogits(m), c.rollout(m),
                        JackpotDjl.Divergence.REVERSE).close();
                break;
            default:
                JackpotDjl.jointLoss(config, c.policyLogits(m), c.actorLogits(m), c.rollout(m), 0.5).close();
                break;
        }
    }

    /** One corruption: the field the message must name, the entry points that read it, the change. */
    static final class Bad {
        final String field;
        final String what;
        final boolean latest;
        final Set<Entry> entries;
        final Consumer<DjlCase> change;
        final int k;
        final boolean value; // a bad value (the message gives an index) rather than a shape or type

        Bad(String field, String what, boolean latest, Set<Entry> entries, int k, boolean value, Consumer<DjlCase> change) {
            this.field = field;
            this.what = what;
            this.latest = latest;
            this.entries = entries;
            this.k = k;
            this.value = value;
            this.change = change;
        }
    }

    static List<Bad> corruptions() {
        List<Bad> all = new ArrayList<>();
        for (boolean latest : new boolean[] {false, true}) {
            String mode = latest ? " (latest)" : " (cached)";
            Set<Entry> knownV = latest ? ROLLOUT : KNOWN_V;
            // [B,T] log-probs
            tokenLogProbs(all, "old_log_probs", latest, ANCHOR, c -> c.oldLogProbs);
            tokenLogProbs(all, "actor_old_log_probs", latest, ROLLOUT, c -> c.actorOldLogProbs);
            // advantages: finite
            for (float x : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                all.add(new Bad("advantages", x + mode, latest, ROLLOUT, K, true, c -> c.advantages[TOK] = x));
            }
            all.add(new Bad("advantages", "shape" + mode, latest, ROLLOUT, K, false,
                    c -> c.override.put("advantages", m -> m.zeros(new Shape(B, T + 1)))));
            // response_mask: 0/1
            for (float x : new float[] {2f, 0.5f, -1f, Float.NaN}) {
                all.add(new Bad("response_mask", x + mode, latest, MASK, K, true, c -> c.mask[TOK] = x));
            }
            all.add(new Bad("response_mask", "shape" + mode, latest, MASK, K, false,
                    c -> c.override.put("response_mask", m -> m.ones(new Shape(B + 1, T)))));
            // uniforms: [0, 1)
            for (float x : new float[] {1f, -0.1f, Float.NaN, Float.POSITIVE_INFINITY}) {
                all.add(new Bad("uniforms", x + mode, latest, ROLLOUT, K, true, c -> c.uniforms[TOK] = x));
            }
            all.add(new Bad("uniforms", "shape" + mode, latest, ROLLOUT, K, false,
                    c -> c.override.put("uniforms", m -> m.zeros(new Shape(B, T, 1)))));
            // token_ids
            all.add(new Bad("token_ids", "-1" + mode, latest, ROLLOUT, K, true, c -> c.tokens[TOK] = -1));
            all.add(new Bad("token_ids", "V" + mode, latest, knownV, K, true, c -> c.tokens[TOK] = V));
            all.add(new Bad("token_ids", "float" + mode, latest, ROLLOUT, K, false,
                    c -> c.override.put("token_ids", m -> m.zeros(new Shape(B, T)))));
            all.add(new Bad("token_ids", "shape" + mode, latest, ROLLOUT, K, false,
                    c -> c.override.put("token_ids", m -> m.zeros(new Shape(B, T + 1), DataType.INT64))));
            // policy and actor logits
            logits(all, "policy_logits", latest, POLICY, c -> c.policyLogits);
            logits(all, "actor_logits", latest, ACTOR, c -> c.actorLogits);
            // the target side of the log-prob entry point
            tokenLogProbs(all, "log_probs", latest, LOG_PROBS, c -> c.logProbs);
            listLogProbs(all, "target_topk_log_probs", latest, LOG_PROBS, c -> c.targetTopLogProbs);
            listLogProbs(all, "target_log_probs_at_rollout_topk", latest, LOG_PROBS, c -> c.targetAtRollout);
            all.add(new Bad("target_topk_ids", "duplicate" + mode, latest, LOG_PROBS, K, true,
                    c -> c.targetTopIds[LIST] = c.targetTopIds[LIST - 1]));
            all.add(new Bad("target_topk_ids", "-1" + mode, latest, LOG_PROBS, K, true, c -> c.targetTopIds[LIST] = -1));
            all.add(new Bad("target_topk_ids", "shape" + mode, latest, LOG_PROBS, K, false,
                    c -> c.override.put("target_topk_ids", m -> m.zeros(new Shape(B, T, K + 1), DataType.INT64))));
            // k > V
            all.add(new Bad("jackpot_log_probs_to_keep", "k = V + 1" + mode, latest,
                    EnumSet.of(Entry.POLICY_LOGITS, Entry.ACTOR, Entry.JOINT), V + 1, false, c -> { }));
        }
        // cached rollout side
        tokenLogProbs(all, "rollout_log_probs", false, ROLLOUT, c -> c.rolloutLogProbs);
        listLogProbs(all, "rollout_topk_log_probs", false, ROLLOUT, c -> c.rolloutTopLogProbs);
        all.add(new Bad("rollout_topk_ids", "duplicate", false, ROLLOUT, K, true,
                c -> c.rolloutTopIds[LIST] = c.rolloutTopIds[LIST - 1]));
        all.add(new Bad("rollout_topk_ids", "-1", false, ROLLOUT, K, true, c -> c.rolloutTopIds[LIST] = -1));
        all.add(new Bad("rollout_topk_ids", "V", false, KNOWN_V, K, true, c -> c.rolloutTopIds[LIST] = V));
        all.add(new Bad("rollout_topk_ids", "float", false, ROLLOUT, K, false,
                c -> c.override.put("rollout_topk_ids", m -> m.zeros(new Shape(B, T, K)))));
        all.add(new Bad("rollout_topk_ids", "shape", false, ROLLOUT, K, false,
                c -> c.override.put("rollout_topk_ids", m -> m.zeros(new Shape(B, T, K - 1), DataType.INT64))));
        // the target's rollout-side list (optional input of the log-prob entry point)
        listLogProbs(all, "rollout_log_probs_at_target_topk", false, LOG_PROBS, c -> c.rolloutAtTarget);
        // latest: the rollout model's logits
        logits(all, "rollout_logits", true, ROLLOUT, c -> c.rolloutLogits);
        all.add(new Bad("target_topk_ids", "V (latest)", true, LOG_PROBS, K, true, c -> c.targetTopIds[LIST] = V));
        all.add(new Bad("jackpot_log_probs_to_keep", "k = V + 1, rollout_logits", true, LOG_PROBS, V + 1, false,
                c -> { }));
        return all;
    }

    interface Field<A> {
        A of(DjlCase c);
    }

    static void tokenLogProbs(List<Bad> all, String name, boolean latest, Set<Entry> entries, Field<float[]> f) {
        String mode = latest ? " (latest)" : " (cached)";
        for (float x : new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0.5f}) {
            all.add(new Bad(name, x + mode, latest, entries, K, true, c -> f.of(c)[TOK] = x));
        }
        all.add(new Bad(name, "shape" + mode, latest, entries, K, false,
                c -> c.override.put(name, m -> m.zeros(new Shape(B, T + 1)))));
    }

    static void listLogProbs(List<Bad> all, String name, boolean latest, Set<Entry> entries, Field<float[]> f) {
        String mode = latest ? " (latest)" : " (cached)";
        for (float x : new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0.5f}) {
            all.add(new Bad(name, x + mode, latest, entries, K, true, c -> f.of(c)[LIST] = x));
        }
        all.add(new Bad(name, "shape" + mode, latest, entries, K, false,
                c -> c.override.put(name, m -> m.zeros(new Shape(B, T, K + 2)))));
    }

    static void logits(List<Bad> all, String name, boolean latest, Set<Entry> entries, Field<float[]> f) {
        String mode = latest ? " (latest)" : " (cached)";
        for (float x : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            all.add(new Bad(name, x + mode, latest, entries, K, true, c -> f.of(c)[LOGIT] = x));
        }
        all.add(new Bad(name, "row of -inf" + mode, latest, entries, K, true, c -> {
            for (int j = 0; j < V; j++) {
                f.of(c)[TOK * V + j] = Float.NEGATIVE_INFINITY;
            }
        }));
        all.add(new Bad(name, "float16 overflow" + mode, latest, entries, K, true, c -> {
            float[] x = f.of(c).clone();
            x[LOGIT] = 70000f; // finite in float32, +inf in float16
            c.override.put(name, m -> m.create(x, new Shape(B, T, V)).toType(DataType.FLOAT16, false));
        }));
        // no bfloat16 case: DJL 0.36's PyTorch CPU engine aborts the JVM on NDArray.toType(BFLOAT16)
        all.add(new Bad(name, "float64 beyond float32" + mode, latest, entries, K, true, c -> {
            double[] x = new double[B * T * V];
            float[] src = f.of(c);
            for (int i = 0; i < x.length; i++) {
                x[i] = src[i];
            }
            x[LOGIT] = 1e39;
            c.override.put(name, m -> m.create(x, new Shape(B, T, V)));
        }));
        all.add(new Bad(name, "integer" + mode, latest, entries, K, false,
                c -> c.override.put(name, m -> m.zeros(new Shape(B, T, V), DataType.INT32))));
        all.add(new Bad(name, "shape" + mode, latest, entries, K, false,
                c -> c.override.put(name, m -> m.zeros(new Shape(B, T + 1, V)))));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsNamedByEveryEntryPoint() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Bad bad : corruptions()) {
            for (Entry e : bad.entries) {
                if (bad.field.equals("policy_logits") && bad.what.startsWith("shape") && e == Entry.DISTILL_FORWARD
                        || bad.field.equals("policy_logits") && bad.what.startsWith("shape") && e == Entry.DISTILL_REVERSE) {
                    // distillation takes its [B,T,V] from policy_logits: a different policy shape is named
                    // as the actor's mismatch, tested below
                    continue;
                }
                boolean policy = e == Entry.POLICY_LOGITS || e == Entry.POLICY_LOG_PROBS;
                // the policy entry points: with the CPU's Java checks and core kernel, and with the engine's ops
                for (JackpotDjl.Options options : policy ? JackpotDjlTest.PATHS : new JackpotDjl.Options[] {JackpotDjl.Options.defaults()})
                tests.add(dynamicTest(bad.field + " " + bad.what + " via " + e
                        + (policy ? " (" + JackpotDjlTest.path(options) + ")" : ""), () -> {
                    DjlCase c = base(bad.latest);
                    bad.change.accept(c);
                    try (NDManager m = manager.newSubManager()) {
                        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                                () -> run(e, config(bad.k), c, m, options), bad.field + " " + bad.what + " via " + e);
                        String msg = ex.getMessage();
                        assertTrue(msg.contains(bad.field), "message must name " + bad.field + ": " + msg);
                        if (bad.value) {
                            assertTrue(msg.contains(bad.field + "["), "message must give the index: " + msg);
                        }
                    }
                }));
            }
        }
        assertTrue(tests.size() >= 250, "matrix size " + tests.size());
        System.out.println("DjlBadInputMatrixTest: " + tests.size() + " (input, corruption, entry point) cases");
        return tests.stream();
    }

    @Test
    void distillationNamesAShapeMismatch() {
        DjlCase c = base(false);
        c.override.put("policy_logits", m -> m.zeros(new Shape(B, T + 1, V)));
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> run(Entry.DISTILL_FORWARD, config(K), c, m));
            assertTrue(ex.getMessage().startsWith("actor_logits has shape (2, 3, 8) but the batch needs (2, 4, 8)"),
                    ex.getMessage());
        }
    }

    /** The reported bug: a +∞ logit gave loss 0.1022 with NaN gradient entries instead of an error. */
    @Test
    void plusInfinityLogitIsNamedNotANaNGradient() {
        for (Entry e : new Entry[] {Entry.POLICY_LOGITS, Entry.ACTOR, Entry.JOINT}) {
            DjlCase c = base(false);
            (e == Entry.ACTOR ? c.actorLogits : c.policyLogits)[5] = Float.POSITIVE_INFINITY;
            try (NDManager m = manager.newSubManager()) {
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> run(e, config(K), c, m));
                String name = e == Entry.ACTOR ? "actor_logits" : "policy_logits";
                assertEquals(name + "[0,0,5] = Infinity is not a legal logit: logits must be finite or -inf in float32"
                        + " (NaN and +inf are not)", ex.getMessage());
            }
        }
    }

    @Test
    void rowOfMinusInfinityNamesTheLogitsNotTheStatistics() {
        DjlCase c = base(true);
        for (int j = 0; j < V; j++) {
            c.policyLogits[TOK * V + j] = Float.NEGATIVE_INFINITY;
        }
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> run(Entry.POLICY_LOGITS, config(K), c, m));
            assertEquals("policy_logits[1,2] has every logit = -inf: that row has no distribution (at least one logit"
                    + " must be finite)", ex.getMessage());
        }
    }

    @Test
    void kAboveTheVocabularyIsNamed() {
        DjlCase c = base(true);
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> run(Entry.POLICY_LOGITS, config(V + 1), c, m));
            assertEquals("jackpot_log_probs_to_keep = 9 exceeds the vocabulary V = 8 of policy_logits; k must be <= V"
                    + " (a top-k list holds k distinct ids)", ex.getMessage());
        }
    }

    @Test
    void logRatioMapsOnlyMinusInfinityMinusMinusInfinityToZero() {
        try (NDManager m = manager.newSubManager()) {
            float inf = Float.POSITIVE_INFINITY;
            NDArray x = m.create(new float[] {-inf, Float.NaN, inf, -inf, 0f, -1f});
            NDArray y = m.create(new float[] {-inf, 0f, inf, -2f, -inf, -3f});
            float[] d = DjlMath.logRatio(x, y).toFloatArray();
            assertEquals(0f, d[0]);
            assertTrue(Float.isNaN(d[1]), "NaN operand stays NaN");
            assertTrue(Float.isNaN(d[2]), "(+inf) - (+inf) stays NaN");
            assertEquals(Float.NEGATIVE_INFINITY, d[3]);
            assertEquals(inf, d[4]);
            assertEquals(2f, d[5]);
        }
    }

    // ---- legal edges: finite loss, gradient and metrics ----

    /** Runs an entry point with gradient into the logits (or log-probs); returns {loss, nonFiniteGradients}. */
    static double[] lossAndGradient(Entry e, JackpotConfig config, DjlCase c, NDManager m, Map<String, Double> metricsOut) {
        NDArray policy = c.policyLogits(m);
        NDArray actor = c.actorLogits(m);
        NDArray logProbs = c.logProbs(m);
        policy.setRequiresGradient(true);
        actor.setRequiresGradient(true);
        logProbs.setRequiresGradient(true);
        RolloutBatch rollout = c.rollout(m);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss;
            switch (e) {
                case POLICY_LOGITS: {
                    JackpotLossOutput out = JackpotDjl.policyLoss(config, policy, rollout);
                    metricsOut.putAll(out.metrics());
                    loss = out.loss();
                    break;
                }
                case POLICY_LOG_PROBS: {
                    JackpotLossOutput out = JackpotDjl.policyLoss(config, logProbs, c.target(m), rollout, null);
                    metricsOut.putAll(out.metrics());
                    loss = out.loss();
                    break;
                }
                case ACTOR: {
                    JackpotLossOutput out = JackpotDjl.actorLoss(config, actor, rollout);
                    metricsOut.putAll(out.metrics());
                    loss = out.loss();
                    break;
                }
                case DISTILL_FORWARD:
                    loss = JackpotDjl.distillationLoss(config, policy, actor, rollout, JackpotDjl.Divergence.FORWARD);
                    break;
                case DISTILL_REVERSE:
                    loss = JackpotDjl.distillationLoss(config, policy, actor, rollout, JackpotDjl.Divergence.REVERSE);
                    break;
                default: {
                    JointLossOutput out = JackpotDjl.jointLoss(config, policy, actor, rollout, 0.5);
                    metricsOut.putAll(out.policy().metrics());
                    loss = out.loss();
                    break;
                }
            }
            gc.backward(loss);
            int bad = 0;
            for (NDArray a : new NDArray[] {policy, actor, logProbs}) {
                for (float g : a.getGradient().toFloatArray()) {
                    bad += Float.isFinite(g) ? 0 : 1;
                }
            }
            return new double[] {loss.getFloat(), bad};
        }
    }

    static void assertFinite(Entry e, JackpotConfig config, DjlCase c, String what) {
        try (NDManager m = manager.newSubManager()) {
            Map<String, Double> metrics = new java.util.HashMap<>();
            double[] r = lossAndGradient(e, config, c, m, metrics);
            assertTrue(Double.isFinite(r[0]), what + " via " + e + ": loss " + r[0]);
            assertEquals(0.0, r[1], what + " via " + e + ": non-finite gradient entries");
            metrics.forEach((key, value) -> assertTrue(Double.isFinite(value), what + " via " + e + ": " + key + " = " + value));
        }
    }

    /**
     * Log-probs up to 1e-4 above 0 are rounding noise around log 1 and legal (docs/reliability.md), on
     * the CPU's Java checks and on the engine's ops alike; 2e-4 is refused by name and index.
     */
    @Test
    void logProbsUpToTheToleranceAboveZeroAreLegal() {
        Map<String, Field<float[]>> tokenInputs = Map.of("log_probs", c -> c.logProbs,
                "rollout_log_probs", c -> c.rolloutLogProbs, "old_log_probs", c -> c.oldLogProbs);
        Map<String, Field<float[]>> listInputs = Map.of("target_topk_log_probs", c -> c.targetTopLogProbs,
                "rollout_topk_log_probs", c -> c.rolloutTopLogProbs);
        for (JackpotDjl.Options options : JackpotDjlTest.PATHS) {
            for (Map<String, Field<float[]>> inputs : List.of(tokenInputs, listInputs)) {
                int at = inputs == tokenInputs ? TOK : LIST;
                inputs.forEach((name, field) -> {
                    String what = name + " (" + JackpotDjlTest.path(options) + ")";
                    DjlCase legal = base(false);
                    field.of(legal)[at] = 1e-4f;
                    try (NDManager m = manager.newSubManager()) {
                        run(Entry.POLICY_LOG_PROBS, config(K), legal, m, options);
                    }
                    DjlCase bad = base(false);
                    field.of(bad)[at] = 2e-4f;
                    try (NDManager m = manager.newSubManager()) {
                        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                                () -> run(Entry.POLICY_LOG_PROBS, config(K), bad, m, options), what);
                        assertTrue(ex.getMessage().startsWith(name + "["), what + ": " + ex.getMessage());
                    }
                });
            }
        }
    }

    @Test
    void minusInfinityLogitsAreLegalEverywhere() {
        for (boolean latest : new boolean[] {false, true}) {
            DjlCase c = base(latest);
            // the same tokens masked in both models (as a constrained decoder does), one only in the policy,
            // and the sampled token of (0,1) at probability 0 under the policy
            for (int tok = 0; tok < B * T; tok++) {
                int x = (c.tokens[tok] + 1) % V;
                c.policyLogits[tok * V + x] = Float.NEGATIVE_INFINITY;
                c.actorLogits[tok * V + x] = Float.NEGATIVE_INFINITY;
                if (c.rolloutLogits != null) {
                    c.rolloutLogits[tok * V + x] = Float.NEGATIVE_INFINITY;
                }
                c.policyLogits[tok * V + (c.tokens[tok] + 2) % V] = Float.NEGATIVE_INFINITY;
            }
            c.policyLogits[1 * V + c.tokens[1]] = Float.NEGATIVE_INFINITY;
            for (Entry e : Entry.values()) {
                if (e == Entry.POLICY_LOG_PROBS || e == Entry.DISTILL_REVERSE) {
                    continue; // log-probs: the fuzz test; reverse KL with p_θ = 0 < p_ω is infinite, below
                }
                assertFinite(e, config(K), c, "-inf logits" + (latest ? " (latest)" : " (cached)"));
            }
        }
    }

    @Test
    void distillationOfAZeroProbabilityTokenIsFinite() {
        // the old code computed 0 * (-inf - x) = NaN for the forward KL of a -inf policy logit
        DjlCase c = base(false);
        c.policyLogits[LOGIT] = Float.NEGATIVE_INFINITY;
        assertFinite(Entry.DISTILL_FORWARD, config(K), c, "forward KL, policy -inf");
        c = base(false);
        c.actorLogits[LOGIT] = Float.NEGATIVE_INFINITY;
        assertFinite(Entry.DISTILL_REVERSE, config(K), c, "reverse KL, actor -inf");
        c = base(false);
        c.actorLogits[LOGIT] = Float.NEGATIVE_INFINITY;
        c.policyLogits[LOGIT] = Float.NEGATIVE_INFINITY;
        assertFinite(Entry.DISTILL_FORWARD, config(K), c, "forward KL, both -inf");
        assertFinite(Entry.DISTILL_REVERSE, config(K), c, "reverse KL, both -inf");
    }

    /** A KL that is infinite at a valid token (the second model gives 0 where the first does not) is named. */
    @Test
    void infiniteDivergenceIsNamed() {
        DjlCase c = base(false);
        c.policyLogits[0 * V + 4] = Float.NEGATIVE_INFINITY; // token (0,0) is valid in the base batch
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> run(Entry.DISTILL_REVERSE, config(K), c, m));
            assertTrue(ex.getMessage().startsWith("policy_logits[0,0,4] gives probability 0 where actor_logits gives"
                    + " a probability > 0"), ex.getMessage());
        }
        DjlCase d = base(false);
        d.actorLogits[0 * V + 4] = Float.NEGATIVE_INFINITY;
        for (Entry e : new Entry[] {Entry.DISTILL_FORWARD, Entry.JOINT}) {
            try (NDManager m = manager.newSubManager()) {
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> run(e, config(K), d, m));
                assertTrue(ex.getMessage().startsWith("actor_logits[0,0,4] gives probability 0 where policy_logits"),
                        ex.getMessage());
            }
        }
        // on a padding token the same logits are ignored: finite loss and gradient
        DjlCase p = base(false);
        p.mask[0] = 0f;
        p.actorLogits[0 * V + 4] = Float.NEGATIVE_INFINITY;
        assertFinite(Entry.DISTILL_FORWARD, config(K), p, "padding token with an infinite KL");
    }

    /** A loss beyond float32 (legal advantages near its limit) is refused, not returned as ±∞ with a NaN gradient. */
    @Test
    void lossBeyondFloat32IsRefused() {
        DjlCase c = base(false);
        java.util.Arrays.fill(c.advantages, -3e38f);
        java.util.Arrays.fill(c.mask, 1f);
        for (Entry e : new Entry[] {Entry.POLICY_LOGITS, Entry.POLICY_LOG_PROBS, Entry.ACTOR, Entry.JOINT}) {
            try (NDManager m = manager.newSubManager()) {
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> run(e, config(K).toBuilder().lossAggMode(io.github.jackpot4j.core.LossAggMode.TOKEN_SUM)
                                .build(), c, m), "via " + e);
                assertTrue(ex.getMessage().startsWith("the policy loss = Infinity is beyond the float32 range"),
                        ex.getMessage());
                assertTrue(ex.getMessage().contains("advantages"), ex.getMessage());
            }
        }
        DjlCase d = base(false);
        for (int i = 0; i < d.policyLogits.length; i++) {
            d.policyLogits[i] = i % 2 == 0 ? 3e38f : -3e38f;
            d.actorLogits[i] = i % 2 == 0 ? -3e38f : 3e38f;
        }
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> run(Entry.DISTILL_FORWARD, config(K), d, m));
            assertTrue(ex.getMessage().contains("policy_logits"), ex.getMessage());
        }
    }

    /** B = 0 or T = 0: as the core, loss 0 (with a zero gradient), κ = 1, λ as configured, metrics 0. */
    @Test
    void emptyBatchesGiveZeroLoss() {
        for (int[] bt : new int[][] {{0, T}, {B, 0}, {0, 0}}) {
            for (boolean latest : new boolean[] {false, true}) {
                DjlCase c = DjlCase.random(new SplittableRandom(3L), bt[0], bt[1], V, K, latest, false);
                c.actorOldLogProbs = new float[0];
                for (JackpotConfig config : new JackpotConfig[] {config(K),
                        config(K).toBuilder().targetAcceptance(0.5).build()}) {
                    for (Entry e : Entry.values()) {
                        try (NDManager m = manager.newSubManager()) {
                            Map<String, Double> metrics = new java.util.HashMap<>();
                            double[] r = lossAndGradient(e, config, c, m, metrics);
                            String what = "B=" + bt[0] + ", T=" + bt[1] + " via " + e;
                            assertEquals(0.0, r[0], what);
                            assertEquals(0.0, r[1], what);
                            metrics.forEach((key, value) -> {
                                double expected = key.equals(JackpotMetric.KAPPA.key())
                                        || key.equals(JackpotMetric.LAMBDA.key()) ? 1.0 : 0.0;
                                assertEquals(expected, value, what + ": " + key);
                            });
                        }
                    }
                }
            }
        }
    }

    /**
     * λ at the ends of the configuration's range [1e-30, 1e30] (beyond float32's normal range at the
     * low end) is used as configured, never 0 or ∞ on the device; λ outside it is refused by the config.
     */
    @Test
    void lambdaAtTheEndsOfItsRangeStaysFinite() {
        for (double outside : new double[] {1e-300, 1e-31, 1e31, 1e300}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> config(K).toBuilder().lambda(outside).build());
            assertTrue(e.getMessage().startsWith("jackpot_lambda = "), e.getMessage());
        }
        for (double lambda : new double[] {1e-30, 1e-29, 1e-20, 1e20, 1e30}) {
            for (boolean latest : new boolean[] {false, true}) {
                DjlCase c = base(latest);
                JackpotConfig config = config(K).toBuilder().lambda(lambda).build();
                for (Entry e : new Entry[] {Entry.POLICY_LOGITS, Entry.POLICY_LOG_PROBS, Entry.JOINT}) {
                    try (NDManager m = manager.newSubManager()) {
                        Map<String, Double> metrics = new java.util.HashMap<>();
                        double[] r = lossAndGradient(e, config, c, m, metrics);
                        String what = "lambda " + lambda + " via " + e;
                        assertTrue(Double.isFinite(r[0]), what + ": loss " + r[0]);
                        assertEquals(0.0, r[1], what);
                        double used = metrics.get(JackpotMetric.LAMBDA.key());
                        assertEquals(Math.min(1e30, Math.max(1e-30, lambda)), used, what);
                        metrics.forEach((key, value) -> assertTrue(Double.isFinite(value), what + ": " + key));
                    }
                }
            }
        }
    }

    /**
     * Budget mode with |Δ| ~ 1e30 (legal log-probs of −1e30): the old bisection on [min Δ, max Δ] to an
     * absolute 1e-7 never ended there (adjacent doubles are ~1e14 apart); now it bisects inside the clamp range.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void budgetBisectionEndsForHugeLogRatios() {
        DjlCase c = base(false);
        java.util.Arrays.fill(c.mask, 1f);
        for (int tok = 0; tok < B * T; tok++) {
            c.logProbs[tok] = 0f;
            c.rolloutLogProbs[tok] = tok % 2 == 0 ? -1e30f : -2e30f;
        }
        for (double target : new double[] {0.5, 0.25, 0.75}) {
            JackpotConfig config = config(K).toBuilder().targetAcceptance(target).build();
            try (NDManager m = manager.newSubManager()) {
                Map<String, Double> metrics = new java.util.HashMap<>();
                double[] r = lossAndGradient(Entry.POLICY_LOG_PROBS, config, c, m, metrics);
                assertTrue(Double.isFinite(r[0]), "budget " + target + ": loss " + r[0]);
                assertEquals(0.0, r[1]);
                assertEquals(1e30, metrics.get(JackpotMetric.LAMBDA.key()), 1e24, "budget " + target);
            }
        }
    }

    /** Budget mode where the solver's answer would leave float32 (ratios of e^±200): clamped, finite. */
    @Test
    void budgetLambdaOfExtremeRatiosIsClamped() {
        for (double target : new double[] {1e-6, 0.3, 1.0}) {
            DjlCase c = base(false);
            for (int tok = 0; tok < B * T; tok++) {
                // Δ = ℓ_tgt − ℓ_inf of about ±200: the policy's log-prob is 0 or −400, the rollout's −200
                c.rolloutLogProbs[tok] = -200f;
                for (int j = 0; j < V; j++) {
                    c.policyLogits[tok * V + j] = j == c.tokens[tok] ? (tok % 2 == 0 ? 0f : -400f) : -1000f;
                }
            }
            JackpotConfig config = config(K).toBuilder().targetAcceptance(target).build();
            try (NDManager m = manager.newSubManager()) {
                Map<String, Double> metrics = new java.util.HashMap<>();
                double[] r = lossAndGradient(Entry.POLICY_LOGITS, config, c, m, metrics);
                assertTrue(Double.isFinite(r[0]), "budget " + target + ": loss " + r[0]);
                assertEquals(0.0, r[1]);
                double used = metrics.get(JackpotMetric.LAMBDA.key());
                assertTrue(used >= 1e-30 && used <= 1e30, "lambda " + used);
                metrics.forEach((key, value) -> assertTrue(Double.isFinite(value), key + " = " + value));
            }
        }
    }
}
