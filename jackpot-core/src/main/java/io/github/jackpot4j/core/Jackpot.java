package io.github.jackpot4j.core;

import java.lang.ref.Reference;

/**
 * The entry points of the core: the Jackpot loss of a batch (MATH.md §3-§7, §10), its mergeable
 * statistics (§5) and the budget solver (§9). Stateless and thread-safe.
 *
 * <pre>{@code
 * JackpotResult r = Jackpot.compute(config, batch);
 * r.loss(); r.weights(); r.acceptMask(); r.gradLogProbs(); r.metrics().get("jackpot/kappa");
 * }</pre>
 *
 * <p>With micro-batches or data-parallel ranks, take the statistics of every part, merge them, and
 * pass the merged statistics to every part's {@code compute}: κ and the loss denominators are then
 * those of the whole batch and the parts' losses add up to the whole batch's loss.
 */
public final class Jackpot {
    private Jackpot() {
    }

    /** The loss, weights, gradient and metrics of one batch, with κ and denominators from the batch itself. */
    public static JackpotResult compute(JackpotConfig config, JackpotBatch batch) {
        JackpotResult out = JackpotResult.allocate(batch.batchSize, batch.length);
        compute(config, batch, null, out, Execution.auto());
        return out;
    }

    /** As {@link #compute(JackpotConfig, JackpotBatch)} with κ and denominators from {@code global}. */
    public static JackpotResult compute(JackpotConfig config, JackpotBatch batch, BatchStatistics global) {
        JackpotResult out = JackpotResult.allocate(batch.batchSize, batch.length);
        compute(config, batch, global, out, Execution.auto());
        return out;
    }

    /** Fills {@code out} in place; {@code global} may be null (use the batch's own statistics). */
    public static void compute(JackpotConfig config, JackpotBatch batch, BatchStatistics global, JackpotResult out) {
        compute(config, batch, global, out, Execution.auto());
    }

    /**
     * The full form: fills {@code out} in place, with κ and the loss denominators from {@code global}
     * (or from this batch when null), running rows as {@code execution} says.
     *
     * @throws IllegalArgumentException when the batch does not fit the configuration or {@code out}
     */
    public static void compute(JackpotConfig config, JackpotBatch batch, BatchStatistics global, JackpotResult out,
                               Execution execution) {
        checkFits(config, batch);
        if (out.batchSize != batch.batchSize || out.length != batch.length) {
            throw new IllegalArgumentException("result was allocated for [" + out.batchSize + "," + out.length
                    + "] but the batch is [" + batch.batchSize + "," + batch.length + "]");
        }
        if (global != null) {
            global.checkApplies(config, batch.hasUniforms() ? -1 : batch.step, batch.sequenceOffset, batch.batchSize);
        } else if (batch.isPart()) {
            throw new IllegalArgumentException("this batch is a micro-batch (rows [" + batch.sequenceOffset + ", "
                    + (batch.sequenceOffset + batch.batchSize) + ") of a split batch): κ and the loss denominators must"
                    + " be those of the whole batch — pass the merged statistics of every part, or use"
                    + " Jackpot.computeParts(config, parts)");
        }
        double lambda = lambdaFor(config, global, batch);
        JackpotKernel kernel = new JackpotKernel(config, batch, out, lambda);
        runAcceptance(kernel, execution, out);
        BatchStatistics local = kernel.localStatistics();
        JackpotKernel.Scope scope = kernel.scope(global != null ? global : local);
        execution.forRows(batch.batchSize, batch.length, new Execution.RowWork<PolicyObjective>() {
            @Override
            public PolicyObjective newWorker() {
                return new PolicyObjective(config);
            }

            @Override
            public void run(int from, int to, PolicyObjective worker) {
                kernel.weightsAndLoss(from, to, worker, scope);
            }
        }, new PolicyObjective(config));
        kernel.finish(scope);
        out.batchStatistics = local;
        Reference.reachabilityFence(batch); // its views keep their memory's owners alive (FloatView#keepingAlive)
    }

    /**
     * The micro-batches of one step computed as one batch (MATH.md §3, §5, §7): checks that the parts
     * share a step and cover consecutive global sequences, solves λ over all of them in budget mode,
     * merges their statistics and computes each part with them — so κ, the masks and the denominators
     * are the whole batch's and the parts' losses and gradients add up to the whole's.
     * <pre>{@code
     * List<JackpotResult> parts = Jackpot.computeParts(config, batch.split(microBatchRows));
     * }</pre>
     * Parts built separately need {@code .sequenceOffset(firstGlobalRow)} and the same {@code .step(s)}.
     *
     * @throws IllegalArgumentException when the parts are empty, of different steps, overlap or leave gaps
     */
    public static java.util.List<JackpotResult> computeParts(JackpotConfig config, java.util.List<JackpotBatch> parts) {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("parts must hold at least one micro-batch");
        }
        JackpotBatch first = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            JackpotBatch prev = parts.get(i - 1);
            JackpotBatch part = parts.get(i);
            if (part.step != first.step) {
                throw new IllegalArgumentException("parts[" + i + "] is step " + part.step + " but parts[0] is step "
                        + first.step + ": the micro-batches of one call must be one step's");
            }
            long expected = prev.sequenceOffset + prev.batchSize;
            if (part.sequenceOffset != expected) {
                throw new IllegalArgumentException("parts[" + i + "] starts at global sequence " + part.sequenceOffset
                        + " but parts[" + (i - 1) + "] ends at " + expected + ": give each part its first global row"
                        + " with JackpotBatch.Builder.sequenceOffset, or carve the batch with JackpotBatch.split");
            }
        }
        JackpotConfig scoped = config;
        if (config.budgetMode() && config.useJackpot()) {
            scoped = config.withLambda(solveLambda(config, parts.toArray(new JackpotBatch[0])));
        }
        BatchStatistics global = BatchStatistics.EMPTY;
        for (JackpotBatch part : parts) {
            global = global.merge(statistics(scoped, part));
        }
        java.util.List<JackpotResult> results = new java.util.ArrayList<>(parts.size());
        for (JackpotBatch part : parts) {
            results.add(compute(scoped, part, global));
        }
        return java.util.Collections.unmodifiableList(results);
    }

    /**
     * The mergeable statistics of one batch (MATH.md §5): merge those of all micro-batches or ranks
     * and pass the result to {@link #compute(JackpotConfig, JackpotBatch, BatchStatistics)}.
     */
    public static BatchStatistics statistics(JackpotConfig config, JackpotBatch batch) {
        checkFits(config, batch);
        JackpotResult scratch = JackpotResult.allocate(batch.batchSize, batch.length);
        JackpotKernel kernel = new JackpotKernel(config, batch, scratch, lambdaFor(config, null, batch), false);
        runAcceptance(kernel, Execution.auto(), scratch);
        Reference.reachabilityFence(batch);
        return kernel.localStatistics();
    }

    /**
     * The λ at which the mean acceptance over the valid tokens of all {@code batches} equals
     * {@code config}'s {@code jackpot_target_acceptance} (MATH.md §9), to a relative tolerance of
     * 1e-6. Use it once over all micro-batches, then {@code config.withLambda(λ)}.
     *
     * @throws IllegalArgumentException when budget mode is off
     */
    public static double solveLambda(JackpotConfig config, JackpotBatch... batches) {
        if (!config.budgetMode()) {
            throw new IllegalArgumentException("jackpot_target_acceptance is not set: budget mode is off");
        }
        return BudgetSolver.solve(config.targetAcceptance(), config.target(), config.lambda(), batches);
    }

    /**
     * The λ of budget mode (MATH.md §9) for a backend that computes its own {@link BudgetCurve} (the
     * DJL adapter does, on the device): the same bracketing, closed form and bisection as
     * {@link #solveLambda(JackpotConfig, JackpotBatch...)}, the answer clamped to [1e-30, 1e30].
     *
     * @throws IllegalArgumentException when budget mode is off
     */
    public static double solveLambda(JackpotConfig config, BudgetCurve curve) {
        if (!config.budgetMode()) {
            throw new IllegalArgumentException("jackpot_target_acceptance is not set: budget mode is off");
        }
        return BudgetSolver.solve(config.targetAcceptance(), config.lambda(), curve);
    }

    private static double lambdaFor(JackpotConfig config, BatchStatistics global, JackpotBatch batch) {
        if (!config.budgetMode()) {
            if (global != null && !Double.isNaN(global.lambda()) && global.lambda() != config.lambda()) {
                throw new IllegalArgumentException("the statistics were taken with jackpot_lambda = " + global.lambda()
                        + " but the configuration has jackpot_lambda = " + config.lambda());
            }
            return config.lambda();
        }
        if (global != null) {
            if (Double.isNaN(global.lambda())) {
                throw new IllegalArgumentException("budget mode with global statistics: solve λ once over all"
                        + " micro-batches with Jackpot.solveLambda(config, batches) and pass config.withLambda(λ)");
            }
            return global.lambda();
        }
        return BudgetSolver.solve(config.targetAcceptance(), config.target(), config.lambda(), batch);
    }

    private static void runAcceptance(JackpotKernel kernel, Execution execution, JackpotResult out) {
        JackpotBatch batch = kernel.batch;
        if (out.scratch == null || out.scratch.topK != batch.topK) {
            out.scratch = kernel.newScratch();
        }
        long work = (long) batch.length * Math.max(1, batch.hasFullVocab() ? batch.rolloutFullLogProbs.dim(2) : batch.topK);
        execution.forRows(batch.batchSize, work, new Execution.RowWork<UnionNormalizer.Scratch>() {
            @Override
            public UnionNormalizer.Scratch newWorker() {
                return kernel.newScratch();
            }

            @Override
            public void run(int from, int to, UnionNormalizer.Scratch worker) {
                kernel.acceptance(from, to, worker);
            }
        }, out.scratch);
    }

    private static void checkFits(JackpotConfig config, JackpotBatch batch) {
        if (!config.useJackpot()) {
            return;
        }
        if (!batch.hasStep() && !batch.hasUniforms()) {
            throw new IllegalArgumentException("step is not set: call JackpotBatch.Builder.step(trainingStep) with the"
                    + " trainer's global step (or any counter that changes with every new batch of rollouts), so that"
                    + " every step draws fresh rejection uniforms (MATH.md §3; docs/math.md, \"Rejection draws\")");
        }
        if (batch.hasFullVocab()) {
            return;
        }
        if (!batch.hasTopK()) {
            throw new IllegalArgumentException("use_jackpot = true needs the top-k inputs (rollout_topk_ids,"
                    + " rollout_topk_log_probs, target_topk_ids, target_topk_log_probs,"
                    + " target_log_probs_at_rollout_topk) or full-vocabulary log-probs");
        }
        if (batch.topK != config.topK()) {
            throw new IllegalArgumentException("the batch's top-k lists have k = " + batch.topK
                    + " but jackpot_log_probs_to_keep = " + config.topK());
        }
    }
}
