package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;

/**
 * The joint objective of MATH.md §8 (eq. 8) and its parts, all attached to the caller's managers.
 * Closing it closes every part.
 *
 * @param loss          L = L_policy + L_actor + λ_distill·L_distill: backpropagate this
 * @param policy        the policy's Jackpot loss and its weights and metrics
 * @param actor         the actor's PPO loss (eq. 6)
 * @param distillation  the distillation loss D(SG(p_θ) ‖ p_ω) (eq. 7), before the weight
 * @param lambdaDistill λ_distill used
 */
public record JointLossOutput(NDArray loss, JackpotLossOutput policy, JackpotLossOutput actor, NDArray distillation,
                              double lambdaDistill) implements AutoCloseable {

    @Override
    public void close() {
        loss.close();
        policy.close();
        actor.close();
        distillation.close();
    }
}
