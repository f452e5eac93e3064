package io.github.jackpot4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.djl.JackpotDjl;
import io.github.jackpot4j.djl.JackpotLossOutput;
import io.github.jackpot4j.djl.RolloutBatch;
import io.github.jackpot4j.djl.TargetTopK;

/**
 * The same computation op by op on DJL's PyTorch engine (CPU): the adapter's log-prob entry point,
 * which is exactly what a DJL user writes — element-wise NDArray ops and a broadcast [N,k,k]
 * equality test for the union — plus its input validation and metrics.
 */
public final class DjlOpByOp implements AutoCloseable {
    private final NDManager manager;
    private final NDArray logProbs;
    private final TargetTopK target;
    private final RolloutBatch rollout;

    /** Uploads the batch once (not part of the timed work). */
    public DjlOpByOp(BenchmarkBatch d, float[] uniforms) {
        manager = NDManager.newBaseManager();
        Shape tok = new Shape(d.batchSize, d.length);
        Shape lists = new Shape(d.batchSize, d.length, d.k);
        int n = d.batchSize * d.length;
        long[] tokens = new long[n];
        for (int t = 0; t < n; t++) {
            tokens[t] = d.rolloutIds[t * d.k]; // the sampled id is not read by the loss (log-probs are given)
        }
        logProbs = manager.create(d.logProbs, tok);
        target = new TargetTopK(manager.create(d.targetIds, lists), manager.create(d.targetTopLogProbs, lists),
                manager.create(d.targetAtRollout, lists), manager.create(d.rolloutAtTarget, lists));
        rollout = RolloutBatch.builder().step(0)
                .tokenIds(manager.create(tokens, tok))
                .oldLogProbs(manager.create(d.oldLogProbs, tok))
                .advantages(manager.create(d.advantages, tok))
                .responseMask(manager.create(d.responseMask, tok))
                .cachedRollout(manager.create(d.rolloutLogProbs, tok), manager.create(d.rolloutIds, lists),
                        manager.create(d.rolloutTopLogProbs, lists))
                .uniforms(manager.create(uniforms, tok))
                .build();
    }

    /** The scalar loss. */
    public double loss(JackpotConfig c) {
        try (JackpotLossOutput out = JackpotDjl.policyLoss(c, logProbs, target, rollout, null)) {
            return out.loss().getFloat();
        }
    }

    /**
     * The scalar loss on the trusted path: no input validation (device reductions and host reads),
     * no §10 metrics — what the PyTorch-eager peer does.
     */
    public double lossTrusted(JackpotConfig c) {
        try (JackpotLossOutput out = JackpotDjl.policyLoss(c, logProbs, target, rollout, null,
                JackpotDjl.Options.defaults().validateInputs(false).metrics(false))) {
            return out.loss().getFloat();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
