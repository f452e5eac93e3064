package io.github.jackpot4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;
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
    public DjlOpByOp(SyntheticRollouts d, float[] uniforms) {
        SyntheticRollouts.TopKLists top = d.topK(Target.LATEST);
        manager = NDManager.newBaseManager();
        Shape tok = new Shape(d.batchSize, d.length);
        Shape lists = new Shape(d.batchSize, d.length, d.k);
        logProbs = manager.create(d.logProbs, tok);
        target = new TargetTopK(manager.create(top.targetIds, lists), manager.create(top.targetLogProbs, lists),
                manager.create(top.targetAtRollout, lists), manager.create(top.rolloutAtTarget, lists));
        rollout = RolloutBatch.builder().step(0)
                .tokenIds(manager.create(d.tokenIds, tok))
                .oldLogProbs(manager.create(d.oldLogProbs, tok))
                .advantages(manager.create(d.advantages, tok))
                .responseMask(manager.create(d.responseMask, tok))
                .cachedRollout(manager.create(d.rolloutLogProbs, tok), manager.create(top.rolloutIds, lists),
                        manager.create(top.rolloutLogProbs, lists))
                .uniforms(manager.create(uniforms, tok))
                .build();
    }

    /** The scalar loss with the adapter's defaults: inputs validated, §10 metrics computed. */
    public double loss(JackpotConfig c) {
        return loss(c, JackpotDjl.Options.defaults());
    }

    /**
     * The scalar loss with the given options: {@code validateInputs(false).metrics(false)} is the
     * trusted path — no input validation (device reductions and host reads), no §10 metrics — which
     * does what the PyTorch-eager peer does.
     */
    public double loss(JackpotConfig c, JackpotDjl.Options options) {
        try (JackpotLossOutput out = JackpotDjl.policyLoss(c, logProbs, target, rollout, null, options)) {
            return out.loss().getFloat();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
