package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * The Jackpot policy loss as a DJL {@link Loss}, for {@code DefaultTrainingConfig} and DJL's
 * {@code Trainer} (MATH.md §3-§7). Predictions: {@code [policyLogits [B,T,V]]}. Labels, in this
 * order: {@code token_ids, old_log_probs, advantages, response_mask, rollout_log_probs,
 * rollout_topk_ids, rollout_topk_log_probs} (the inference engine's cached rollout), optionally
 * followed by {@code uniforms}.
 *
 * <p>{@code evaluate} returns the aggregated scalar loss; the weights and metrics of the last call
 * are kept in {@link #lastOutput()} for logging.
 */
public class JackpotDjlLoss extends Loss {
    private final JackpotConfig config;
    private JackpotLossOutput last;

    /** A loss named "jackpot" with the given configuration. */
    public JackpotDjlLoss(JackpotConfig config) {
        this("jackpot", config);
    }

    /** A named loss with the given configuration. */
    public JackpotDjlLoss(String name, JackpotConfig config) {
        super(name);
        this.config = config;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (labels.size() < 7) {
            throw new IllegalArgumentException("labels must be [token_ids, old_log_probs, advantages, response_mask,"
                    + " rollout_log_probs, rollout_topk_ids, rollout_topk_log_probs(, uniforms)] but has "
                    + labels.size() + " arrays");
        }
        RolloutBatch.Builder b = RolloutBatch.builder()
                .tokenIds(labels.get(0)).oldLogProbs(labels.get(1)).advantages(labels.get(2))
                .responseMask(labels.get(3)).cachedRollout(labels.get(4), labels.get(5), labels.get(6));
        if (labels.size() > 7) {
            b.uniforms(labels.get(7));
        }
        JackpotLossOutput out = JackpotDjl.policyLoss(config, predictions.singletonOrThrow(), b.build());
        // keep only the scalar loss alive in the caller's manager; the per-token arrays of the previous call go
        if (last != null) {
            last.weights().close();
            last.acceptMask().close();
            last.zApprox().close();
            last.z().close();
        }
        last = out;
        return out.loss();
    }

    /** The full output of the last {@link #evaluate} call (weights, metrics), or null. */
    public JackpotLossOutput lastOutput() {
        return last;
    }
}
