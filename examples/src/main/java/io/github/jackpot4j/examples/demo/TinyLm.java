package io.github.jackpot4j.examples.demo;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import java.util.SplittableRandom;

/**
 * A small autoregressive model for {@link ReverseTask} built with DJL blocks: at response position i
 * it sees the prompt, the response so far and the position (one-hot features) and an MLP gives the
 * logits of the next digit. Sizes differ between the policy and the (smaller) actor.
 *
 * <p><b>Memory rule</b> (as in jackpot-djl's {@code DjlMath}). On the CPU, DJL's
 * {@code NDManager.create(<java array or Number>)} wraps a Java direct buffer with
 * {@code torch::from_blob}; libtorch does not own that memory, and every {@code NDArray} op taking a
 * {@code Number} ({@code div(n)}, {@code mul(2f)}, ...) creates such a scalar and closes it at once.
 * A tensor autograd saves for backward (a factor, a divisor, the input of a linear layer) or a view
 * that outlives its owner would read freed memory once the buffer is collected. So the demo copies
 * host data into engine-owned memory ({@link #upload}) and builds constants on the gradient path with
 * {@code NDManager.full} ({@link #constant}); Number ops remain only on arrays without gradient whose
 * results are read at once.
 */
public final class TinyLm implements AutoCloseable {
    static final int FEATURES = ReverseTask.LENGTH * ReverseTask.VOCAB
            + ReverseTask.LENGTH * (ReverseTask.VOCAB + 1) + ReverseTask.LENGTH;

    private final Model model;
    private final Trainer trainer;
    private final String name;

    TinyLm(String name, int hidden, int layers, double learningRate) {
        this.name = name;
        SequentialBlock net = new SequentialBlock();
        for (int l = 0; l < layers; l++) {
            net.add(Linear.builder().setUnits(hidden).build()).add(Activation::relu);
        }
        net.add(Linear.builder().setUnits(ReverseTask.VOCAB).build());
        model = Model.newInstance(name);
        model.setBlock(net);
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) learningRate)).build()));
        trainer.initialize(new Shape(1, FEATURES));
    }

    String name() {
        return name;
    }

    /** Number of trainable parameters. */
    long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }

    /** A copy of every parameter's current gradient, concatenated in block order (for tests). */
    float[] gradients() {
        java.util.List<float[]> parts = new java.util.ArrayList<>();
        int n = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            float[] g = p.getValue().getArray().getGradient().toFloatArray();
            parts.add(g);
            n += g.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] g : parts) {
            System.arraycopy(g, 0, all, at, g.length);
            at += g.length;
        }
        return all;
    }

    NDManager manager() {
        return trainer.getManager();
    }

    /** Teacher-forced features [B*T, F] of prompts and responses (the response so far at each position). */
    static float[] features(int[][] prompts, int[][] responses) {
        int b = prompts.length;
        int t = ReverseTask.LENGTH;
        float[] x = new float[b * t * FEATURES];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < t; i++) {
                int row = (s * t + i) * FEATURES;
                for (int j = 0; j < t; j++) {
                    x[row + j * ReverseTask.VOCAB + prompts[s][j]] = 1f;
                }
                int base = t * ReverseTask.VOCAB;
                for (int j = 0; j < t; j++) {
                    int token = j < i ? responses[s][j] : ReverseTask.VOCAB; // VOCAB = "not generated yet"
                    x[row + base + j * (ReverseTask.VOCAB + 1) + token] = 1f;
                }
                x[row + base + t * (ReverseTask.VOCAB + 1) + i] = 1f;
            }
        }
        return x;
    }

    /** Logits [B,T,V] of the responses under teacher forcing; with gradient when {@code training}. */
    NDArray logits(NDManager m, int[][] prompts, int[][] responses, boolean training) {
        int b = prompts.length;
        // engine-owned: the first linear layer saves its input for the weight gradient
        NDArray x = upload(m, features(prompts, responses), new Shape((long) b * ReverseTask.LENGTH, FEATURES));
        NDArray out = training ? trainer.forward(new NDList(x)).singletonOrThrow()
                : trainer.evaluate(new NDList(x)).singletonOrThrow();
        return out.reshape(b, ReverseTask.LENGTH, ReverseTask.VOCAB);
    }

    /** Samples a response per prompt, token by token, with host-side seeded draws. */
    int[][] generate(int[][] prompts, SplittableRandom rng) {
        return generate(prompts, rng, 1.0);
    }

    /**
     * Samples at a temperature: each token from softmax(logits / {@code temperature}), as an inference
     * engine configured with that temperature would (the sweep's knob of the actor-policy gap).
     */
    int[][] generate(int[][] prompts, SplittableRandom rng, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature = " + temperature + " must be finite and > 0");
        }
        int b = prompts.length;
        int[][] responses = new int[b][ReverseTask.LENGTH];
        try (NDManager m = manager().newSubManager()) {
            for (int i = 0; i < ReverseTask.LENGTH; i++) {
                float[] logits = logits(m, prompts, responses, false).get(":, " + i + ", :").toFloatArray();
                for (int s = 0; s < b; s++) {
                    responses[s][i] = sample(logits, s * ReverseTask.VOCAB, rng, temperature);
                }
            }
        }
        return responses;
    }

    private static int sample(float[] logits, int from, SplittableRandom rng, double temperature) {
        // at temperature 1 the same arithmetic as before the knob existed (x / 1.0 == x exactly)
        double max = Double.NEGATIVE_INFINITY;
        for (int x = 0; x < ReverseTask.VOCAB; x++) {
            max = Math.max(max, logits[from + x]);
        }
        double sum = 0;
        for (int x = 0; x < ReverseTask.VOCAB; x++) {
            sum += Math.exp((logits[from + x] - max) / temperature);
        }
        double u = rng.nextDouble() * sum;
        for (int x = 0; x < ReverseTask.VOCAB; x++) {
            u -= Math.exp((logits[from + x] - max) / temperature);
            if (u < 0) {
                return x;
            }
        }
        return ReverseTask.VOCAB - 1;
    }

    /** One supervised step toward the correct reversal (the warm-up). */
    void supervisedStep(int[][] prompts) {
        int b = prompts.length;
        int[][] answers = new int[b][ReverseTask.LENGTH];
        float[] target = new float[b * ReverseTask.LENGTH * ReverseTask.VOCAB];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < ReverseTask.LENGTH; i++) {
                answers[s][i] = prompts[s][ReverseTask.LENGTH - 1 - i];
                target[(s * ReverseTask.LENGTH + i) * ReverseTask.VOCAB + answers[s][i]] = 1f;
            }
        }
        try (NDManager m = manager().newSubManager();
             GradientCollector gc = trainer.newGradientCollector()) {
            NDArray logp = logits(m, prompts, answers, true).logSoftmax(-1);
            // the target (a factor) and the divisor are saved for backward: engine-owned, not from_blob
            NDArray loss = logp.mul(upload(m, target, logp.getShape())).sum().neg()
                    .div(constant(m, b * ReverseTask.LENGTH));
            pressure();
            gc.backward(loss);
        }
        trainer.step();
    }

    /** Host floats copied into engine-owned memory (no tensor can outlive the Java buffer it would read). */
    static NDArray upload(NDManager m, float[] data, Shape shape) {
        try (NDArray borrowed = m.create(data, shape)) {
            return borrowed.duplicate();
        }
    }

    /** Host longs copied into engine-owned memory. */
    static NDArray upload(NDManager m, long[] data, Shape shape) {
        try (NDArray borrowed = m.create(data, shape)) {
            return borrowed.duplicate();
        }
    }

    /** A 0-d float32 constant in engine-owned memory, safe for autograd to save (unlike {@code div(Number)}). */
    static NDArray constant(NDManager m, double value) {
        return m.full(new Shape(), (float) value, DataType.FLOAT32);
    }

    /** Backpropagates {@code loss} (already computed inside {@code gc}) and applies the optimizer. */
    GradientCollector newGradientCollector() {
        return trainer.newGradientCollector();
    }

    void step() {
        trainer.step();
    }

    /**
     * Hidden test hook ({@code --gc-pressure}): collect garbage right before every backward pass and
     * between steps, then fill the freed native memory with NaN bytes. A tensor that still read a
     * collected Java buffer (torch::from_blob memory, see DemoStep's class comment) would then see
     * NaN instead of the old values, so the CSV would change or the run would fail.
     */
    static volatile boolean gcPressure;
    private static java.util.List<java.nio.ByteBuffer> scribbles = java.util.List.of();

    static void pressure() {
        if (!gcPressure) {
            return;
        }
        scribbles = java.util.List.of(); // let the previous scribbles go too
        System.gc();
        try {
            Thread.sleep(2); // the reference handler frees collected direct buffers asynchronously
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        java.util.List<java.nio.ByteBuffer> fill = new java.util.ArrayList<>();
        for (int size : new int[] {4, 8, 16, 32, 64, 256, 1024, 4096, 16384}) {
            for (int i = 0; i < 16; i++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(size);
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF); // 0xFFFFFFFF is a float NaN
                }
                fill.add(b);
            }
        }
        scribbles = fill; // held until the next call, so the freed memory stays scribbled over
    }

    static void seed(long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
