package io.github.jackpot4j.core;

/** Checks that every output of a computation is finite (docs/reliability.md, "Guaranteed finite"). */
final class FiniteOutputs {
    private FiniteOutputs() {
    }

    /** The first non-finite output of {@code r} (name, index, value), or null when all are finite. */
    static String firstNonFinite(JackpotResult r) {
        if (!Double.isFinite(r.loss())) {
            return "loss = " + r.loss();
        }
        if (!Double.isFinite(r.kappa())) {
            return "kappa = " + r.kappa();
        }
        for (JackpotMetric m : JackpotMetric.values()) {
            if (!Double.isFinite(r.metric(m))) {
                return m.key() + " = " + r.metric(m);
            }
        }
        String[] names = {"weights", "acceptMask", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] arrays = {r.weights(), r.acceptMask(), r.zApprox(), r.z(), r.perTokenLoss(), r.gradLogProbs()};
        for (int a = 0; a < names.length; a++) {
            for (int i = 0; i < arrays[a].length; i++) {
                if (!Float.isFinite(arrays[a][i])) {
                    return names[a] + "[" + i + "] = " + arrays[a][i];
                }
            }
        }
        double[] stats = r.statistics().toArray();
        for (int i = 0; i < stats.length; i++) {
            if (!Double.isFinite(stats[i])) {
                return "statistics[" + i + "] = " + stats[i];
            }
        }
        return null;
    }
}
