package io.github.jackpot4j.core;

/**
 * The fused computation behind {@link Jackpot#compute}. Two passes over rows, each a single loop
 * over tokens with no allocation:
 * <ol>
 *   <li>{@link #acceptance}: a_t, the rejection mask and Zapprox_t (the only pass that reads the
 *       [B,T,k] lists), plus the row sums that make the {@link BatchStatistics};</li>
 *   <li>{@link #weightsAndLoss}: Z_t, ρ_t, L_t, the per-token loss and gradient, with κ and the
 *       loss denominators known from pass 1 (or from the global statistics).</li>
 * </ol>
 * Both read only their own rows and write only their own rows' outputs and partial sums, so rows can
 * run in any order on any thread.
 */
final class JackpotKernel {
    final JackpotConfig config;
    final JackpotBatch batch;
    final JackpotResult out;
    final double lambda;
    final boolean useJackpot;
    final boolean targetIsLatest;
    final ResidualCorrection residual;
    private final UnionNormalizer normalizer;
    private final boolean computeNormalizer;
    /** Whether pass 2 reads exp(ℓ_tgt − ℓ_inf) from {@link JackpotResult#ratio} (w_t of MATH.md §6). */
    private final boolean keepRatios;
    /** {@link JackpotResult#ratio} when {@link #keepRatios}, taken here (one thread) before the workers start. */
    private final double[] ratios;

    /**
     * What pass 2 needs from pass 1 (or from the global statistics): κ (MATH.md §5) and the loss
     * denominators (§7). Only {@link #scope(BatchStatistics)} makes one, so pass 2 cannot run before them.
     */
    record Scope(BatchStatistics statistics, double kappa) {
    }

    JackpotKernel(JackpotConfig config, JackpotBatch batch, JackpotResult out, double lambda) {
        this(config, batch, out, lambda, true);
    }

    /** With {@code pass2 = false} (pass 1 only: {@link Jackpot#statistics}) no ratio is kept for pass 2. */
    JackpotKernel(JackpotConfig config, JackpotBatch batch, JackpotResult out, double lambda, boolean pass2) {
        this.config = config;
        this.batch = batch;
        this.out = out;
        this.lambda = lambda;
        this.useJackpot = config.useJackpot();
        this.targetIsLatest = config.target() == Target.LATEST;
        this.residual = config.residualCorrection();
        this.computeNormalizer = useJackpot && (batch.hasTopK() || batch.hasFullVocab());
        this.keepRatios = pass2 && useJackpot && !config.maskOnly();
        this.ratios = keepRatios ? out.ratio() : null;
        this.normalizer = computeNormalizer ? new UnionNormalizer(config, batch, lambda) : null;
    }

    /** Helper scratches handed out during this call (each helper thread asks once per call). */
    private int helpersServed;

    /**
     * A union scratch for a worker: new for the result's own scratch; for a helper thread, one kept on
     * the result's scratch from an earlier call when there is one (so a parallel call on a reused
     * result allocates no new block buffers and bit sets), each helper of a call getting its own.
     */
    UnionNormalizer.Scratch newScratch() {
        UnionNormalizer.Scratch home = out.scratch;
        if (home == null || home.topK != batch.topK) {
            return new UnionNormalizer.Scratch(batch.topK);
        }
        synchronized (home) {
            return home.spare(helpersServed++);
        }
    }

    /** Pass 1 over rows [from, to). */
    void acceptance(int from, int to, UnionNormalizer.Scratch scratch) {
        try {
            acceptanceRows(from, to, scratch);
        } catch (RuntimeException | Error e) {
            scratch.clearAfterFailure(); // e.g. an id outside [0, vocab) on a trusted path: no stale union bits
            throw e;
        }
    }

    private void acceptanceRows(int from, int to, UnionNormalizer.Scratch scratch) {
        final int length = batch.length;
        final double invLambda = 1.0 / lambda;
        final FloatView responseMask = batch.responseMask;
        final FloatView rolloutLp = batch.rolloutLogProbs;
        final FloatView targetLp = targetIsLatest ? batch.logProbs : batch.oldLogProbs;
        final FloatView uniforms = batch.uniforms;
        final float[] acceptMask = out.acceptMask;
        final float[] zApprox = out.zApprox;
        final double[] zApproxExact = out.zApproxExact;
        final double[] ratios = this.ratios;
        final long stepKey = RejectionUniforms.stepKey(config.seed(), batch.step);
        scratch.resetBlock(); // the scratch outlives calls: nothing prepared for another batch is reused
        for (int b = from; b < to; b++) {
            final long rowKey = RejectionUniforms.rowKey(stepKey, batch.sequenceOffset + b);
            double valid = 0, accepted = 0, sumAcceptance = 0, sumZ = 0;
            double union = 0, rolloutMass = 0, targetMass = 0, klK1 = 0, klK3 = 0;
            for (int i = 0; i < length; i++) {
                final int t = b * length + i;
                if (responseMask.get(t) == 0f) {
                    acceptMask[t] = 0f;
                    zApprox[t] = 0f;
                    zApproxExact[t] = 0.0;
                    continue;
                }
                valid++;
                final double logRatio = LogRatio.of(targetLp.get(t), rolloutLp.get(t));
                final double ratio = Math.exp(logRatio);
                if (keepRatios) {
                    ratios[t] = ratio;
                }
                double a = Math.min(1.0, ratio * invLambda);
                sumAcceptance += a;
                boolean accept = true;
                if (useJackpot) {
                    float u = uniforms != null ? uniforms.get(t) : RejectionUniforms.uniformAt(rowKey, i);
                    accept = u < a;
                }
                if (accept) {
                    accepted++;
                }
                acceptMask[t] = accept ? 1f : 0f;
                if (computeNormalizer) {
                    double z = normalizer.zApprox(t, scratch);
                    zApprox[t] = (float) z;
                    zApproxExact[t] = z;
                    sumZ += z;
                    union += scratch.unionSize;
                    rolloutMass += scratch.rolloutMass;
                    targetMass += scratch.targetMass;
                } else {
                    zApprox[t] = 0f;
                    zApproxExact[t] = 0.0;
                }
                // LogRatio.clamped(target, rollout) from the same difference: the same bits
                double d = logRatio < -LogRatio.CLAMP ? -LogRatio.CLAMP : (logRatio > LogRatio.CLAMP ? LogRatio.CLAMP : logRatio);
                klK1 -= d;
                klK3 += FastExp.expm1(d) - d; // d in [-20, 20] (or NaN)
            }
            int r = b * RowStats.COUNT;
            double[] rows = out.rowStats;
            rows[r + RowStats.VALID] = valid;
            rows[r + RowStats.ACCEPTED] = accepted;
            rows[r + RowStats.SUM_ACCEPTANCE] = sumAcceptance;
            rows[r + RowStats.SUM_Z_APPROX] = sumZ;
            rows[r + RowStats.UNION_SIZE] = union;
            rows[r + RowStats.ROLLOUT_MASS] = rolloutMass;
            rows[r + RowStats.TARGET_MASS] = targetMass;
            rows[r + RowStats.KL_K1] = klK1;
            rows[r + RowStats.KL_K3] = klK3;
        }
    }

    /** The statistics of this batch from the row sums of pass 1, reduced in row order. */
    BatchStatistics localStatistics() {
        double valid = 0, accepted = 0, sumAcceptance = 0, sumZ = 0, sequences = 0;
        double[] rows = out.rowStats;
        for (int b = 0; b < batch.batchSize; b++) {
            int r = b * RowStats.COUNT;
            valid += rows[r + RowStats.VALID];
            accepted += rows[r + RowStats.ACCEPTED];
            sumAcceptance += rows[r + RowStats.SUM_ACCEPTANCE];
            sumZ += rows[r + RowStats.SUM_Z_APPROX];
            if (rows[r + RowStats.ACCEPTED] > 0) {
                sequences++;
            }
        }
        return new BatchStatistics(valid, accepted, sumAcceptance, sumZ, sequences, lambda)
                .tagged(config, batch.hasUniforms() ? -1 : batch.step, batch.sequenceOffset, batch.batchSize);
    }

    /** κ and the loss denominators from the statistics in scope (MATH.md §5, §7). */
    Scope scope(BatchStatistics statistics) {
        return new Scope(statistics, computeNormalizer ? statistics.kappaFor(config) : 1.0);
    }

    /** d loss / d loss_t for a row with {@code rowAccepted} accepted tokens (MATH.md §7 aggregation). */
    double coefficient(Scope scope, double rowAccepted) {
        double acceptedTokens = scope.statistics().acceptedTokens();
        double sequences = scope.statistics().sequences();
        switch (config.lossAggMode()) {
            case TOKEN_MEAN:
                return acceptedTokens > 0 ? 1.0 / acceptedTokens : 0.0;
            case TOKEN_SUM:
                return 1.0;
            case SEQ_MEAN_TOKEN_SUM:
                return sequences > 0 ? 1.0 / sequences : 0.0;
            case SEQ_MEAN_TOKEN_MEAN:
                return sequences > 0 && rowAccepted > 0 ? 1.0 / (sequences * rowAccepted) : 0.0;
            case SEQ_MEAN_TOKEN_SUM_NORM:
                double scale = config.lossScaleFactor();
                return 1.0 / (Double.isNaN(scale) ? Math.max(batch.length, 1) : scale);
            default:
                throw new AssertionError(config.lossAggMode());
        }
    }

    /** Pass 2 over rows [from, to). */
    void weightsAndLoss(int from, int to, PolicyObjective objective, Scope scope) {
        final int length = batch.length;
        final FloatView responseMask = batch.responseMask;
        final FloatView rolloutLp = batch.rolloutLogProbs;
        final FloatView oldLp = batch.oldLogProbs;
        final FloatView newLp = batch.logProbs;
        final FloatView targetLp = targetIsLatest ? newLp : oldLp;
        final FloatView advantages = batch.advantages;
        final float[] acceptMask = out.acceptMask;
        final double[] zApproxExact = out.zApproxExact;
        final double[] ratios = this.ratios;
        final float[] z = out.z;
        final float[] weights = out.weights;
        final float[] perTokenLoss = out.perTokenLoss;
        final float[] grad = out.gradLogProbs;
        final float[] tokenGrad = out.perTokenGradient;
        final double[] rows = out.rowStats;
        final double weightClip = config.weightClip();
        final boolean maskOnly = config.maskOnly();
        final double correction = scope.kappa();
        for (int b = from; b < to; b++) {
            final int r = b * RowStats.COUNT;
            final double coefficient = coefficient(scope, rows[r + RowStats.ACCEPTED]);
            double rowLoss = 0, sumWeight = 0, obrsClipped = 0, residualClipped = 0;
            double maxWeight = Double.NEGATIVE_INFINITY, minWeight = Double.POSITIVE_INFINITY;
            double acceptedWeight = 0, acceptedWeightSq = 0, pgClipped = 0, pgClippedLower = 0, ppoKl = 0;
            for (int i = 0; i < length; i++) {
                final int t = b * length + i;
                if (responseMask.get(t) == 0f) {
                    z[t] = 0f;
                    weights[t] = 0f;
                    perTokenLoss[t] = 0f;
                    grad[t] = 0f;
                    tokenGrad[t] = 0f;
                    continue;
                }
                final double oldLogProb = oldLp.get(t);
                final double newLogProb = newLp.get(t);
                double rho;
                double residualRatio;
                if (useJackpot) {
                    // κ is applied to Zapprox in double: the float32 output rounds values below ~1e-45 to 0.
                    double normalizer = zApproxExact[t] * correction;
                    z[t] = (float) normalizer;
                    double w;
                    if (maskOnly) {
                        w = 1.0;
                    } else {
                        double ratio = ratios[t]; // exp(LogRatio.of(target, rollout)), kept by pass 1
                        // w = p/p' (MATH.md §6); with Z = 0 the convention 0·∞ = 0 keeps w finite-or-clipped.
                        w = normalizer == 0 ? 0.0 : normalizer * Math.max(lambda, ratio);
                    }
                    if (w > weightClip) {
                        obrsClipped++;
                    }
                    residualRatio = Math.exp(LogRatio.clamped(oldLogProb, targetLp.get(t)));
                    rho = Math.min(w, weightClip) * residual.apply(residualRatio);
                } else {
                    z[t] = 0f;
                    residualRatio = Math.exp(LogRatio.clamped(oldLogProb, rolloutLp.get(t)));
                    rho = residual.apply(residualRatio);
                }
                if (residual.clips(residualRatio)) {
                    residualClipped++;
                }
                objective.evaluate(advantages.get(t), newLogProb, oldLogProb);
                final double m = acceptMask[t];
                final double tokenLoss = m * rho * objective.value;
                weights[t] = (float) rho;
                perTokenLoss[t] = (float) tokenLoss;
                grad[t] = (float) (coefficient * m * rho * objective.derivative);
                tokenGrad[t] = (float) (m * rho * objective.derivative);
                rowLoss += tokenLoss;
                sumWeight += rho;
                if (m != 0) { // the weight metrics describe the weights that act: over accepted tokens (§10)
                    maxWeight = Math.max(maxWeight, rho);
                    minWeight = Math.min(minWeight, rho);
                    acceptedWeight += rho;
                    acceptedWeightSq += rho * rho;
                }
                if (objective.clipped) {
                    pgClipped++;
                }
                if (objective.dualClipped) {
                    pgClippedLower++;
                }
                ppoKl += LogRatio.clamped(oldLogProb, newLogProb);
            }
            rows[r + RowStats.LOSS] = rowLoss * coefficient;
            rows[r + RowStats.SUM_WEIGHT] = sumWeight;
            rows[r + RowStats.MAX_WEIGHT] = maxWeight;
            rows[r + RowStats.MIN_WEIGHT] = minWeight;
            rows[r + RowStats.OBRS_CLIPPED] = obrsClipped;
            rows[r + RowStats.RESIDUAL_CLIPPED] = residualClipped;
            rows[r + RowStats.ACCEPTED_WEIGHT] = acceptedWeight;
            rows[r + RowStats.ACCEPTED_WEIGHT_SQ] = acceptedWeightSq;
            rows[r + RowStats.PG_CLIPPED] = pgClipped;
            rows[r + RowStats.PG_CLIPPED_LOWER] = pgClippedLower;
            rows[r + RowStats.PPO_KL] = ppoKl;
        }
    }

    /** Reduces the row sums in row order into the loss and the metrics of MATH.md §10. */
    void finish(Scope scope) {
        double[] s = new double[RowStats.COUNT];
        double maxWeight = Double.NEGATIVE_INFINITY;
        double minWeight = Double.POSITIVE_INFINITY;
        double[] rows = out.rowStats;
        for (int b = 0; b < batch.batchSize; b++) {
            int r = b * RowStats.COUNT;
            for (int j = 0; j < RowStats.COUNT; j++) {
                s[j] += rows[r + j];
            }
            maxWeight = Math.max(maxWeight, rows[r + RowStats.MAX_WEIGHT]);
            minWeight = Math.min(minWeight, rows[r + RowStats.MIN_WEIGHT]);
        }
        out.loss = s[RowStats.LOSS];
        out.kappa = scope.kappa();
        out.statistics = scope.statistics();
        double[] sums = java.util.Arrays.copyOf(s, RowStats.METRIC_SLOTS); // RowStats starts with MetricSums' slots
        sums[MetricSums.Sum.MAX_ACCEPTED_WEIGHT.ordinal()] = maxWeight;
        sums[MetricSums.Sum.MIN_ACCEPTED_WEIGHT.ordinal()] = minWeight;
        MetricSums.assemble(sums, scope.kappa(), lambda, out.metrics);
    }

}
