package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Jackpot policy loss as a DJL {@link Loss}, for {@code DefaultTrainingConfig} and DJL's
 * {@code Trainer} / {@code EasyTrain} (MATH.md §3-§7). Predictions: {@code [policyLogits [B,T,V]]}.
 * Labels are taken <b>by name</b> ({@link NDArray#setName}), in any order: {@link #labels(RolloutBatch)}
 * names a {@link RolloutBatch}'s arrays for you.
 *
 * <table>
 *   <caption>label names</caption>
 *   <tr><td>{@code token_ids}, {@code old_log_probs}, {@code advantages}</td><td>required, [B,T]</td></tr>
 *   <tr><td>{@code rollout_log_probs} [B,T], {@code rollout_topk_ids}, {@code rollout_topk_log_probs} [B,T,k]</td>
 *       <td>the inference engine's cache; or {@code rollout_logits} [B,T,V]</td></tr>
 *   <tr><td>{@code response_mask}, {@code uniforms} [B,T]</td><td>optional</td></tr>
 * </table>
 *
 * <p><b>Step and micro-batches.</b> The rejection draws are keyed by the training step (MATH.md §3):
 * call {@link #step(long)} before each new batch of rollouts (an unset step is an error). For
 * gradient accumulation, {@link #microBatch(long, BatchStatistics)} gives the next computations a
 * sequence offset and the merged statistics of the whole step ({@link JackpotDjl#statistics}).
 *
 * <p><b>One computation per batch.</b> DJL's evaluator listener calls
 * {@code updateAccumulators} with the same labels and predictions after {@code EasyTrain.trainBatch}
 * has called {@link #evaluate}; this loss answers it from the value it already computed.
 * {@link #lastOutput()} keeps the weights and metrics of the last computation; the arrays of the one
 * before are closed, so a long loop does not accumulate arrays. Not thread-safe (one instance per trainer).
 */
public class JackpotDjlLoss extends Loss {
    /** Names of the label arrays, in the order {@link #labels(RolloutBatch)} lists them. */
    public static final List<String> LABEL_NAMES = List.of("token_ids", "old_log_probs", "advantages",
            "response_mask", "rollout_log_probs", "rollout_topk_ids", "rollout_topk_log_probs", "rollout_logits",
            "uniforms");

    private static final int CACHE = 8;

    private final JackpotConfig config;
    private long step = -1;
    private long sequenceOffset;
    private BatchStatistics global;
    private JackpotLossOutput last;
    private long computations;
    /** The last computations, so that DJL's second request for a batch's loss is answered without a new one. */
    private final List<Computed> computed = new ArrayList<>();
    private final Map<String, Long> instances = new ConcurrentHashMap<>();
    private final Map<String, Double> sums = new ConcurrentHashMap<>();

    /** A loss named "jackpot" with the given configuration. */
    public JackpotDjlLoss(JackpotConfig config) {
        this("jackpot", config);
    }

    /** A named loss with the given configuration. */
    public JackpotDjlLoss(String name, JackpotConfig config) {
        super(name);
        if (config == null) {
            throw new IllegalArgumentException("config is required");
        }
        this.config = config;
    }

    /**
     * Sets the training step of the batches that follow (≥ 0; the trainer's global step) and resets
     * the micro-batch context (offset 0, the batch's own statistics).
     */
    public JackpotDjlLoss step(long step) {
        this.step = RolloutBatch.nonNegative("step", step);
        this.sequenceOffset = 0;
        this.global = null;
        return this;
    }

    /**
     * For gradient accumulation within one step: the next computations see a micro-batch whose first
     * sequence is global sequence {@code sequenceOffset}, with κ and denominators from {@code global}
     * (the merged statistics of every micro-batch of the step; null for the micro-batch's own).
     */
    public JackpotDjlLoss microBatch(long sequenceOffset, BatchStatistics global) {
        this.sequenceOffset = RolloutBatch.nonNegative("sequence_offset", sequenceOffset);
        this.global = global;
        return this;
    }

    /** The step set by {@link #step(long)}, or −1. */
    public long currentStep() {
        return step;
    }

    /** How many times the loss was computed (not answered from the cache) since construction. */
    public long computations() {
        return computations;
    }

    /** The rollout's arrays as labels named for this loss (the arrays are named in place, not copied). */
    public static NDList labels(RolloutBatch rollout) {
        NDArray[] arrays = {rollout.tokenIds, rollout.oldLogProbs, rollout.advantages, rollout.responseMask,
                rollout.rolloutLogProbs, rollout.rolloutTopkIds, rollout.rolloutTopkLogProbs, rollout.rolloutLogits,
                rollout.uniforms};
        NDList out = new NDList();
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] != null) {
                arrays[i].setName(LABEL_NAMES.get(i));
                out.add(arrays[i]);
            }
        }
        return out;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        RolloutBatch rollout = rollout(labels);
        if (predictions == null || predictions.size() != 1) {
            throw new IllegalArgumentException("predictions must be [policy_logits [B,T,V]] but has "
                    + (predictions == null ? 0 : predictions.size()) + " arrays");
        }
        JackpotLossOutput out = JackpotDjl.policyLoss(config, predictions.get(0), rollout, global);
        computations++;
        if (last != null) {
            last.closeExceptLoss();
        }
        last = out;
        remember(labels, predictions, out.loss());
        return out.loss();
    }

    @Override
    public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
        for (int i = computed.size() - 1; i >= 0; i--) {
            Computed c = computed.get(i);
            if (c.labels == labels && c.predictions == predictions && !c.loss.isReleased()) {
                accumulate(keys, c.loss.getFloat()); // the value is read here, not on the training path
                return;
            }
        }
        try (NDArray value = evaluate(labels, predictions)) {
            accumulate(keys, value.getFloat());
        }
    }

    private void accumulate(String[] keys, float value) {
        for (String key : keys) {
            instances.merge(key, 1L, Long::sum);
            sums.merge(key, (double) value, Double::sum);
        }
    }

    @Override
    public void addAccumulator(String key) {
        instances.put(key, 0L);
        sums.put(key, 0.0);
    }

    @Override
    public void resetAccumulator(String key) {
        addAccumulator(key);
    }

    @Override
    public float getAccumulator(String key) {
        Long n = instances.get(key);
        if (n == null) {
            throw new IllegalArgumentException("No loss found at that path");
        }
        return n == 0 ? Float.NaN : (float) (sums.get(key) / n);
    }

    private void remember(NDList labels, NDList predictions, NDArray loss) {
        if (computed.size() == CACHE) {
            computed.remove(0);
        }
        computed.add(new Computed(labels, predictions, loss));
    }

    private record Computed(NDList labels, NDList predictions, NDArray loss) {
    }

    private RolloutBatch rollout(NDList labels) {
        if (labels == null) {
            throw new IllegalArgumentException("labels are required");
        }
        Map<String, NDArray> byName = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            NDArray a = labels.get(i);
            String name = a.getName();
            if (name == null || !LABEL_NAMES.contains(name)) {
                throw new IllegalArgumentException("labels[" + i + "] is named " + (name == null ? "nothing" : "`" + name + "`")
                        + " but every label must be named one of " + LABEL_NAMES
                        + " (NDArray.setName, or JackpotDjlLoss.labels(rolloutBatch))");
            }
            if (byName.put(name, a) != null) {
                throw new IllegalArgumentException("labels[" + i + "]: the label `" + name + "` is given twice");
            }
        }
        RolloutBatch.Builder b = RolloutBatch.builder()
                .tokenIds(byName.get("token_ids")).oldLogProbs(byName.get("old_log_probs"))
                .advantages(byName.get("advantages")).responseMask(byName.get("response_mask"))
                .uniforms(byName.get("uniforms")).sequenceOffset(sequenceOffset);
        if (byName.containsKey("rollout_logits")) {
            b.rolloutLogits(byName.get("rollout_logits"));
        } else {
            b.cachedRollout(byName.get("rollout_log_probs"), byName.get("rollout_topk_ids"),
                    byName.get("rollout_topk_log_probs"));
        }
        if (step >= 0) {
            b.step(step);
        } else if (config.useJackpot() && !byName.containsKey("uniforms")) {
            throw new IllegalArgumentException("step is not set: call JackpotDjlLoss.step(trainingStep) before each new"
                    + " batch of rollouts, so that every step draws fresh rejection uniforms (MATH.md §3)");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("labels " + labels.stream().map(NDArray::getName).toList() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The full output of the last computation (weights, metrics), or null. */
    public JackpotLossOutput lastOutput() {
        return last;
    }
}
