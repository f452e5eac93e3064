package io.github.jackpot4j.core;

import java.util.Arrays;

/** Computing into a fresh result and comparing two results bit for bit: what the equivalence properties share. */
final class Results {
    private Results() {
    }

    /** {@link Jackpot#compute} into a fresh result, rows run as {@code execution} says. */
    static JackpotResult compute(JackpotConfig config, JackpotBatch batch, BatchStatistics global, Execution execution) {
        JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
        Jackpot.compute(config, batch, global, out, execution);
        return out;
    }

    /**
     * The first output where two results differ (every array, the loss, κ, the statistics, every
     * metric, compared bit for bit), or null when they are identical.
     */
    static String firstDifference(JackpotResult a, JackpotResult b) {
        String[] names = {"weights", "acceptMask", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] left = {a.weights(), a.acceptMask(), a.zApprox(), a.z(), a.perTokenLoss(), a.gradLogProbs()};
        float[][] right = {b.weights(), b.acceptMask(), b.zApprox(), b.z(), b.perTokenLoss(), b.gradLogProbs()};
        for (int i = 0; i < names.length; i++) {
            int d = Arrays.mismatch(left[i], right[i]);
            if (d >= 0) {
                return names[i] + "[" + d + "]: " + (d < left[i].length ? left[i][d] : "<end>") + " vs "
                        + (d < right[i].length ? right[i][d] : "<end>");
            }
        }
        if (Double.compare(a.loss(), b.loss()) != 0) {
            return "loss: " + a.loss() + " vs " + b.loss();
        }
        if (Double.compare(a.kappa(), b.kappa()) != 0) {
            return "kappa: " + a.kappa() + " vs " + b.kappa();
        }
        if (!Arrays.equals(a.statistics().toArray(), b.statistics().toArray())) {
            return "statistics: " + a.statistics() + " vs " + b.statistics();
        }
        for (JackpotMetric m : JackpotMetric.values()) {
            if (Double.compare(a.metric(m), b.metric(m)) != 0) {
                return m.key() + ": " + a.metric(m) + " vs " + b.metric(m);
            }
        }
        return null;
    }
}
