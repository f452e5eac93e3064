package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.LossAggMode;

import org.junit.jupiter.api.Test;

/**
 * {@link JackpotDjl.Options}: the trusted path (no value checks) and the metrics-free path compute the
 * very same loss, weights, mask and gradient as the default path on valid input; only the checks and
 * the metrics are left out.
 */
class TrustedPathTest {
    private static float[][] run(JackpotConfig config, DjlFixture f, JackpotDjl.Options options, int[] metricCount) {
        try (NDManager m = NDManager.newBaseManager()) {
            f.readTargetFromEngine(m);
            Shape tok = new Shape(f.b, f.t);
            Shape lists = new Shape(f.b, f.t, f.k);
            NDArray logProbs = m.create(f.logProbs, tok);
            logProbs.setRequiresGradient(true);
            TargetTopK target = new TargetTopK(m.create(f.targetTopIds, lists), m.create(f.targetTopLogProbs, lists),
                    m.create(f.targetAtRollout, lists), null);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                JackpotLossOutput out = JackpotDjl.policyLoss(config, logProbs, target, f.rollout(m).step(5).build(), null,
                        options);
                metricCount[0] = out.metrics().size();
                gc.backward(out.loss());
                return new float[][] {{out.loss().getFloat()}, out.weights().toFloatArray(), out.acceptMask().toFloatArray(),
                        logProbs.getGradient().toFloatArray()};
            }
        }
    }

    @Test
    void trustedAndMetricFreePathsComputeTheSameLossAndGradient() {
        for (LossAggMode mode : LossAggMode.values()) {
            JackpotConfig config = JackpotConfig.builder().topK(4).lambda(0.7).lossAggMode(mode).build();
            DjlFixture f = new DjlFixture(29L, 3, 7, 16, 4, 1.0);
            int[] count = new int[1];
            float[][] checked = run(config, f, JackpotDjl.Options.defaults(), count);
            assertEquals(19, count[0], "every §10 metric by default");
            float[][] trusted = run(config, f, JackpotDjl.Options.defaults().validateInputs(false).metrics(false), count);
            assertEquals(0, count[0], "metrics(false) computes none");
            for (int i = 0; i < checked.length; i++) {
                assertArrayEquals(checked[i], trusted[i], mode + " output " + i);
            }
        }
    }

    @Test
    void theDefaultPathStillRefusesWhatTheTrustedPathSkips() {
        DjlFixture f = new DjlFixture(31L, 2, 3, 10, 2, 1.0);
        f.oldLogProbs[1] = 0.5f; // a positive log-prob
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config, f, JackpotDjl.Options.defaults(), new int[1]));
        assertTrue(e.getMessage().startsWith("old_log_probs[0,1] = 0.5"), e.getMessage());
    }
}
