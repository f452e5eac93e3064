package io.github.jackpot4j.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Runs every DJL entry point and a short training loop on fixed inputs, forward then backward, and
 * prints one line per entry point: a digest of the loss and gradient bits and the count of
 * non-finite values. With the argument {@code pressure} it runs a garbage collection and fills
 * freshly allocated native memory with NaN between each forward and its backward — so a gradient
 * that reads memory freed under it (a from_blob tensor saved by autograd) comes out different.
 * {@link GcPressureTest} runs it in forked JVMs and compares.
 */
public final class GcPressureProbe {
    private static final int ROUNDS = 12;
    private static final List<ByteBuffer> GARBAGE = new ArrayList<>();

    private GcPressureProbe() {
    }

    public static void main(String[] args) {
        boolean pressure = args.length > 0 && args[0].equals("pressure");
        DjlFixture f = new DjlFixture(5L, 3, 6, 16, 4, 1.0);
        DjlFixture wide = new DjlFixture(6L, 2, 3, 9000, 4, 1.0); // rows of three top-k chunks, the last one padded
        JackpotConfig config = JackpotConfig.builder().topK(4).lambda(0.8).build();
        try (NDManager root = NDManager.newBaseManager()) {
            Digest policy = new Digest("policyLoss(logits)");
            Digest actor = new Digest("actorLoss");
            Digest distill = new Digest("distillationLoss");
            Digest joint = new Digest("jointLoss");
            Digest djlLoss = new Digest("JackpotDjlLoss");
            Digest logProbs = new Digest("policyLoss(logProbs, TargetTopK)");
            Digest microBatches = new Digest("micro-batches with global statistics");
            Digest wideRows = new Digest("policyLoss(logits), V = 9,000");
            for (int round = 0; round < ROUNDS; round++) {
                long step = round;
                run(root, f, pressure, policy, (m, x) -> JackpotDjl.policyLoss(config, x.get(0), rollout(f, m, step)).loss());
                run(root, wide, pressure, wideRows, (m, x) -> JackpotDjl.policyLoss(config, x.get(0), rollout(wide, m, step)).loss());
                run(root, f, pressure, actor, (m, x) -> JackpotDjl.actorLoss(config, x.get(1), rollout(f, m, step)).loss());
                run(root, f, pressure, distill, (m, x) -> JackpotDjl.distillationLoss(config, x.get(0), x.get(1),
                        rollout(f, m, step), JackpotDjl.Divergence.FORWARD));
                run(root, f, pressure, joint, (m, x) -> JackpotDjl.jointLoss(config, x.get(0), x.get(1),
                        rollout(f, m, step), 0.3).loss());
                run(root, f, pressure, djlLoss, (m, x) -> {
                    JackpotDjlLoss loss = new JackpotDjlLoss(config).step(step);
                    return loss.evaluate(JackpotDjlLoss.labels(rollout(f, m, step)), new NDList(x.get(0)));
                });
                run(root, f, pressure, logProbs, (m, x) -> {
                    NDArray logp = x.get(0).logSoftmax(-1);
                    NDArray ids = m.create(f.tokens, new Shape(f.b, f.t)).toType(DataType.INT64, false);
                    NDArray sampled = logp.gather(ids.expandDims(-1), -1).squeeze(-1);
                    NDArray target = logp.stopGradient();
                    NDList top = target.topK(f.k, -1);
                    NDArray rolloutIds = m.create(f.rolloutTopIds, new Shape(f.b, f.t, f.k));
                    TargetTopK t = new TargetTopK(top.get(1), top.get(0), target.gather(rolloutIds, -1), null);
                    return JackpotDjl.policyLoss(config, sampled, t, rollout(f, m, step), null).loss();
                });
                run(root, f, pressure, microBatches, (m, x) -> {
                    // rows [0,1) and [1,3) of the step, statistics merged, losses added
                    NDArray logits = x.get(0);
                    RolloutBatch head = rows(f, m, step, 0, 1);
                    RolloutBatch tail = rows(f, m, step, 1, 3);
                    NDArray headLogits = logits.get("0:1");
                    NDArray tailLogits = logits.get("1:3");
                    BatchStatistics global = JackpotDjl.statistics(config, headLogits, head)
                            .merge(JackpotDjl.statistics(config, tailLogits, tail));
                    return JackpotDjl.policyLoss(config, headLogits, head, global).loss()
                            .add(JackpotDjl.policyLoss(config, tailLogits, tail, global).loss());
                });
            }
            Digest training = trainingLoop(root, f, config, pressure);
            for (Digest d : new Digest[] {policy, wideRows, actor, distill, joint, djlLoss, logProbs, microBatches, training}) {
                System.out.println(d);
            }
        }
    }

    private static RolloutBatch rollout(DjlFixture f, NDManager m, long step) {
        return f.rollout(m).step(step).build();
    }

    /** Rows [from, to) of the fixture's rollout, as a micro-batch at its global offset. */
    private static RolloutBatch rows(DjlFixture f, NDManager m, long step, int from, int to) {
        String range = from + ":" + to;
        RolloutBatch whole = f.rollout(m).build();
        return RolloutBatch.builder().step(step).sequenceOffset(from)
                .tokenIds(whole.tokenIds.get(range)).oldLogProbs(whole.oldLogProbs.get(range))
                .advantages(whole.advantages.get(range)).responseMask(whole.responseMask.get(range))
                .cachedRollout(whole.rolloutLogProbs.get(range), whole.rolloutTopkIds.get(range),
                        whole.rolloutTopkLogProbs.get(range))
                .build();
    }

    /** Forward with gradient into the policy's and the actor's logits, pressure, backward, digest. */
    private static void run(NDManager root, DjlFixture f, boolean pressure, Digest digest,
                            BiFunction<NDManager, NDList, NDArray> forward) {
        try (NDManager m = root.newSubManager()) {
            NDArray policyLogits = f.policyLogits(m);
            NDArray actorLogits = m.create(f.rolloutLogits, new Shape(f.b, f.t, f.v));
            policyLogits.setRequiresGradient(true);
            actorLogits.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = forward.apply(m, new NDList(policyLogits, actorLogits));
                float value = loss.getFloat();
                if (pressure) {
                    squeeze();
                }
                gc.backward(loss);
                digest.add(value);
                digest.add(policyLogits.getGradient().toFloatArray());
                digest.add(actorLogits.getGradient().toFloatArray());
            }
            GARBAGE.clear();
        }
    }

    /** A few steps of plain SGD on a linear policy W [F,V] (logits = X·W), forward, pressure, backward, update. */
    private static Digest trainingLoop(NDManager root, DjlFixture f, JackpotConfig config, boolean pressure) {
        Digest digest = new Digest("training loop (5 SGD steps)");
        int features = 8;
        float[] x = new float[f.b * f.t * features];
        float[] w = new float[features * f.v];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(0.37 * i);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.3 * Math.cos(1.3 * i));
        }
        for (int step = 0; step < 5; step++) {
            try (NDManager m = root.newSubManager()) {
                NDArray weights = m.create(w, new Shape(features, f.v));
                weights.setRequiresGradient(true);
                NDArray inputs = m.create(x, new Shape(f.b * f.t, features));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = inputs.matMul(weights).reshape(f.b, f.t, f.v);
                    NDArray loss = JackpotDjl.policyLoss(config, logits, f.rollout(m).step(step).build()).loss();
                    float value = loss.getFloat();
                    if (pressure) {
                        squeeze();
                    }
                    gc.backward(loss);
                    float[] g = weights.getGradient().toFloatArray();
                    digest.add(value);
                    digest.add(g);
                    for (int i = 0; i < w.length; i++) {
                        w[i] -= 0.5f * g[i];
                    }
                }
                GARBAGE.clear();
            }
        }
        return digest;
    }

    /** A collection, then fresh native allocations of many sizes filled with NaN, kept until after backward. */
    private static void squeeze() {
        System.gc();
        try {
            Thread.sleep(2); // let the cleaner thread free the collected direct buffers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int size = 4; size <= 4096; size *= 2) {
            for (int i = 0; i < 64; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                GARBAGE.add(b);
            }
        }
    }

    /** An order-sensitive digest of float bits and a count of non-finite values. */
    private static final class Digest {
        private final String name;
        private long hash = 1125899906842597L;
        private long count;
        private long nonFinite;

        Digest(String name) {
            this.name = name;
        }

        void add(float v) {
            hash = 31 * hash + Float.floatToRawIntBits(v);
            count++;
            if (!Float.isFinite(v)) {
                nonFinite++;
            }
        }

        void add(float[] values) {
            for (float v : values) {
                add(v);
            }
        }

        @Override
        public String toString() {
            return name + " values=" + count + " digest=" + Long.toHexString(hash) + " nonfinite=" + nonFinite;
        }
    }
}
