package io.github.jackpot4j.core;

/**
 * A closed-loop controller for the distillation weight λ_distill of the joint objective (MATH.md §8,
 * L = L_policy + L_actor + λ_distill·L_distill), the next step the paper's Limitations section names:
 * instead of a fixed λ_distill, steer the measured KL(actor ‖ policy) toward a target.
 *
 * <p>Update rule, once per training step with the measured KL k_n ≥ 0:
 * <pre>
 *   s_n = β·s_{n−1} + (1 − β)·k_n                       (exponential smoothing; s_0 = k_1)
 *   e_n = (s_n − KL*) / KL*                              (relative error)
 *   log λ_{n+1} = log λ_n + η · tanh(e_n)                (bounded, smooth step: |Δ log λ| &lt; η)
 *   λ_{n+1} = clamp(λ_{n+1}, λ_min, λ_max)
 * </pre>
 * λ moves up when the smoothed KL is above the target, down when below, never by more than a factor
 * e^η per step, and always stays in [λ_min, λ_max]. Immutable; the state is a separate value.
 */
public final class DistillationController {
    private final double targetKl;
    private final double minWeight;
    private final double maxWeight;
    private final double gain;
    private final double smoothing;
    private final double initialWeight;

    /** The controller's state after some updates: the current λ_distill and the smoothed KL. */
    public static final class State {
        private final double weight;
        private final double smoothedKl;
        private final long updates;

        State(double weight, double smoothedKl, long updates) {
            this.weight = weight;
            this.smoothedKl = smoothedKl;
            this.updates = updates;
        }

        /** λ_distill to use for the next step. */
        public double weight() {
            return weight;
        }

        /** The smoothed KL s_n (NaN before the first update). */
        public double smoothedKl() {
            return smoothedKl;
        }

        /** How many measurements have been folded in. */
        public long updates() {
            return updates;
        }

        @Override
        public String toString() {
            return "State{weight=" + weight + ", smoothedKl=" + smoothedKl + ", updates=" + updates + "}";
        }
    }

    /**
     * @param targetKl      KL*, the KL(actor ‖ policy) to hold (&gt; 0)
     * @param initialWeight λ_distill before any measurement, in [minWeight, maxWeight]
     * @param minWeight     λ_min (&gt; 0)
     * @param maxWeight     λ_max (≥ λ_min, finite)
     * @param gain          η, the largest change of log λ per step (&gt; 0)
     * @param smoothing     β ∈ [0, 1): weight of the past in the smoothed KL
     */
    public DistillationController(double targetKl, double initialWeight, double minWeight, double maxWeight,
                                  double gain, double smoothing) {
        require(targetKl > 0 && Double.isFinite(targetKl), "targetKl", targetKl, "must be > 0 and finite");
        require(minWeight > 0 && Double.isFinite(minWeight), "minWeight", minWeight, "must be > 0 and finite");
        require(maxWeight >= minWeight && Double.isFinite(maxWeight), "maxWeight", maxWeight,
                "must be finite and >= minWeight = " + minWeight);
        require(initialWeight >= minWeight && initialWeight <= maxWeight, "initialWeight", initialWeight,
                "must lie in [" + minWeight + ", " + maxWeight + "]");
        require(gain > 0 && Double.isFinite(gain), "gain", gain, "must be > 0 and finite");
        require(smoothing >= 0 && smoothing < 1, "smoothing", smoothing, "must be in [0, 1)");
        this.targetKl = targetKl;
        this.initialWeight = initialWeight;
        this.minWeight = minWeight;
        this.maxWeight = maxWeight;
        this.gain = gain;
        this.smoothing = smoothing;
    }

    private static void require(boolean ok, String name, double value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(name + " = " + value + " " + rule);
        }
    }

    /** The state before any measurement: λ = initialWeight. */
    public State initial() {
        return new State(initialWeight, Double.NaN, 0);
    }

    /**
     * Folds in one measured KL(actor ‖ policy) and returns the next state.
     *
     * @throws IllegalArgumentException when {@code measuredKl} is negative, NaN or infinite
     */
    public State update(State state, double measuredKl) {
        require(measuredKl >= 0 && Double.isFinite(measuredKl), "measuredKl", measuredKl, "must be finite and >= 0");
        double smoothed = state.updates == 0 ? measuredKl
                : smoothing * state.smoothedKl + (1 - smoothing) * measuredKl;
        double error = (smoothed - targetKl) / targetKl;
        double next = state.weight * Math.exp(gain * Math.tanh(error));
        next = Math.min(maxWeight, Math.max(minWeight, next));
        return new State(next, smoothed, state.updates + 1);
    }

    /** KL*. */
    public double targetKl() {
        return targetKl;
    }

    /** λ_min. */
    public double minWeight() {
        return minWeight;
    }

    /** λ_max. */
    public double maxWeight() {
        return maxWeight;
    }

    @Override
    public String toString() {
        return "DistillationController{targetKl=" + targetKl + ", initialWeight=" + initialWeight + ", minWeight="
                + minWeight + ", maxWeight=" + maxWeight + ", gain=" + gain + ", smoothing=" + smoothing + "}";
    }
}
