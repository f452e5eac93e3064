package io.github.jackpot4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.djl.JackpotDjl;
import io.github.jackpot4j.djl.RolloutBatch;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward + backward of the adapter's Jackpot loss versus the plain PPO loss written directly with
 * NDArray ops, from the same policy logits [B,T,V] on DJL's PyTorch CPU engine (issue: Jackpot should
 * cost at most 1.5× plain PPO).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx8g"})
public class DjlLossBenchmark {
    /** "B,T,V" (the last: a Qwen-size vocabulary, 1.2 GB per [B,T,V] float32 array). */
    @Param({"4,128,4096", "4,512,32000", "2,1024,151936"})
    public String shape;

    private NDManager manager;
    private NDArray logits;
    private RolloutBatch rollout;
    private NDArray tokenIds;
    private NDArray oldLogProbs;
    private NDArray advantages;
    private NDArray mask;
    private JackpotConfig config;
    private JackpotDjl.Options trusted;
    private JackpotDjl.Options trustedEngineOps;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split(",");
        int b = Integer.parseInt(p[0]);
        int t = Integer.parseInt(p[1]);
        int v = Integer.parseInt(p[2]);
        int k = 20;
        manager = NDManager.newBaseManager();
        SplittableRandom rng = new SplittableRandom(3);
        float[] l = new float[b * t * v];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) (2 * rng.nextGaussian());
        }
        logits = manager.create(l, new Shape(b, t, v));
        logits.setRequiresGradient(true);
        // the rollout model: the policy's logits plus noise, its sampled tokens and cached top-k
        // the [B,T,V] temporaries are closed at once (at V = 151,936 each is 1.2 GB)
        NDArray rolloutLp;
        NDList top;
        try (NDManager tmp = manager.newSubManager()) {
            NDArray sg = logits.stopGradient();
            sg.attach(tmp);
            NDArray rolloutLogp = sg.add(tmp.randomNormal(new Shape(b, t, v)).mul(0.5f)).logSoftmax(-1);
            tokenIds = rolloutLogp.argMax(-1).toType(DataType.INT64, false);
            rolloutLp = rolloutLogp.gather(tokenIds.expandDims(-1), -1).squeeze(-1);
            top = rolloutLogp.topK(k, -1);
            oldLogProbs = sg.logSoftmax(-1).gather(tokenIds.expandDims(-1), -1).squeeze(-1);
            for (NDArray a : new NDArray[] {tokenIds, rolloutLp, top.get(0), top.get(1), oldLogProbs}) {
                a.attach(manager);
            }
        }
        float[] adv = new float[b * t];
        for (int i = 0; i < adv.length; i++) {
            adv[i] = (float) rng.nextGaussian();
        }
        advantages = manager.create(adv, new Shape(b, t));
        mask = manager.ones(new Shape(b, t));
        rollout = RolloutBatch.builder().step(0).tokenIds(tokenIds).oldLogProbs(oldLogProbs).advantages(advantages)
                .responseMask(mask).cachedRollout(rolloutLp, top.get(1), top.get(0)).build();
        config = JackpotConfig.builder().topK(k).build();
        trusted = JackpotDjl.Options.defaults().validateInputs(false).metrics(false);
        trustedEngineOps = trusted.hostKernel(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** The adapter's Jackpot loss (MATH.md §3-§7 and §10 metrics), forward and backward. */
    @Benchmark
    public float jackpot() {
        return jackpot(JackpotDjl.Options.defaults());
    }

    /**
     * The same loss on the trusted path ({@code Options.validateInputs(false).metrics(false)}): no value
     * checks (among them the finiteness reduction over the [B,T,V] logits) and no §10 metrics.
     */
    @Benchmark
    public float jackpotTrusted() {
        return jackpot(trusted);
    }

    /**
     * The trusted path with {@code hostKernel(false)}: §3-§6 by libtorch's ops as on a GPU, not by the
     * core's kernel over the CPU arrays.
     */
    @Benchmark
    public float jackpotTrustedEngineOps() {
        return jackpot(trustedEngineOps);
    }

    private float jackpot(JackpotDjl.Options options) {
        try (NDManager scope = manager.newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            logits.tempAttach(scope);
            NDArray loss = JackpotDjl.policyLoss(config, logits, rollout, null, options).loss();
            gc.backward(loss);
            return loss.getFloat();
        }
    }

    /** Plain PPO (clipped ratio objective, token-mean) from the same logits, as a DJL user writes it. */
    @Benchmark
    public float plainPpo() {
        try (NDManager scope = manager.newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            logits.tempAttach(scope);
            NDArray logProbs = logits.logSoftmax(-1).gather(tokenIds.expandDims(-1), -1).squeeze(-1);
            NDArray ratio = logProbs.sub(oldLogProbs).exp();
            NDArray unclipped = advantages.neg().mul(ratio);
            NDArray clipped = advantages.neg().mul(ratio.clip(0.8f, 1.2f));
            NDArray loss = unclipped.maximum(clipped).mul(mask).sum().div(mask.sum());
            gc.backward(loss);
            return loss.getFloat();
        }
    }
}
