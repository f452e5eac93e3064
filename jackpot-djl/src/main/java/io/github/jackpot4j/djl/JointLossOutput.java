package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;

/**
 * The joint objective of MATH.md §8 and its parts: the policy's OBRS loss, the actor's PPO loss and
 * the distillation loss, all attached to the caller's managers. Closing it closes every part.
 */
public final class JointLossOutput implements AutoCloseable {
    private final NDArray loss;
    private final JackpotLossOutput policy;
    private final JackpotLossOutput actor;
    private final NDArray distillation;
    private final double lambdaDistill;

    JointLossOutput(NDArray loss, JackpotLossOutput policy, JackpotLossOutput actor, NDArray distillation,
                    double lambdaDistill) {
        this.loss = loss;
        this.policy = policy;
        this.actor = actor;
        this.distillation = distillation;
        this.lambdaDistill = lambdaDistill;
    }

    /** L = L_policy + L_actor + λ_distill·L_distill: backpropagate this. */
    public NDArray loss() {
        return loss;
    }

    /** The policy's Jackpot loss and its weights and metrics. */
    public JackpotLossOutput policy() {
        return policy;
    }

    /** The actor's PPO loss (MATH.md §8, eq. 6). */
    public JackpotLossOutput actor() {
        return actor;
    }

    /** The distillation loss D(SG(p_θ) ‖ p_ω) (eq. 7), before the weight. */
    public NDArray distillation() {
        return distillation;
    }

    /** λ_distill used. */
    public double lambdaDistill() {
        return lambdaDistill;
    }

    @Override
    public void close() {
        loss.close();
        policy.close();
        actor.close();
        distillation.close();
    }
}
