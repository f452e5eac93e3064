package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.Execution;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.testing.SyntheticRollouts;
import io.github.jackpot4j.djl.JackpotDjl;

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
 * The same Jackpot computation (MATH.md §3-§7, default configuration) on one generated batch, four
 * ways: the fused core sequential and parallel, op by op with ND4J, op by op with DJL's PyTorch
 * engine on the CPU; plus input validation alone and a streaming read of every input once (the
 * one-pass bound that each result is compared with in docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dai.djl.offline=true",
    "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=16G"})
public class CoreBenchmark {
    /** The adapter's trusted path: no input validation, no §10 metrics (what the PyTorch-eager peer does). */
    private static final JackpotDjl.Options TRUSTED = JackpotDjl.Options.defaults().validateInputs(false).metrics(false);
    /** The adapter with its inputs validated (the default) but no §10 metrics. */
    private static final JackpotDjl.Options NO_METRICS = JackpotDjl.Options.defaults().metrics(false);
    /** The adapter's defaults with the engine's ops for every step (what runs on a GPU), not the core's kernel. */
    private static final JackpotDjl.Options ENGINE_OPS = JackpotDjl.Options.defaults().hostKernel(false);

    /** Tokens N = B·T. */
    @Param({"4096", "65536", "524288"})
    public int tokens;

    /** Length k of each top-k list. */
    @Param({"20"})
    public int k;

    private SyntheticRollouts data;
    private JackpotBatch batch;
    private JackpotConfig config;
    private JackpotResult out;
    private float[] uniforms;

    /** The ND4J copy of the batch, set up only for the benchmark that uses it. */
    @State(Scope.Benchmark)
    public static class Nd4jState {
        Nd4jOpByOp nd4j;

        @Setup(Level.Trial)
        public void setUp(CoreBenchmark b) {
            nd4j = new Nd4jOpByOp(b.data, b.uniforms);
        }
    }

    /** The DJL copy of the batch, set up (and its native memory held) only for the benchmark that uses it. */
    @State(Scope.Benchmark)
    public static class DjlState {
        DjlOpByOp djl;

        @Setup(Level.Trial)
        public void setUp(CoreBenchmark b) {
            djl = new DjlOpByOp(b.data, b.uniforms);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            djl.close();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        data = SyntheticRollouts.atScale(tokens, k, 42L);
        batch = data.batch();
        config = JackpotConfig.builder().topK(k).build();
        out = JackpotResult.allocate(batch.batchSize(), batch.length());
        uniforms = RejectionUniforms.fill(config.seed(), 0, 0, batch.batchSize(), batch.length(), new float[tokens]);
    }

    /** The same math op by op with ND4J (see {@link Nd4jOpByOp}). */
    @Benchmark
    public double nd4jOpByOp(Nd4jState s) {
        return s.nd4j.loss(config);
    }

    /** The same math op by op with DJL's PyTorch engine on the CPU (see {@link DjlOpByOp}). */
    @Benchmark
    public double djlOpByOp(DjlState s) {
        return s.djl.loss(config);
    }

    /** The same on the adapter's trusted path (no input validation, no metrics), as the PyTorch-eager peer. */
    @Benchmark
    public double djlOpByOpTrusted(DjlState s) {
        return s.djl.loss(config, TRUSTED);
    }

    /** The adapter with its inputs validated (the default) but no §10 metrics requested. */
    @Benchmark
    public double djlOpByOpNoMetrics(DjlState s) {
        return s.djl.loss(config, NO_METRICS);
    }

    /**
     * The adapter's defaults with {@code hostKernel(false)}: every step by libtorch's ops, the op sequence
     * of a GPU, on the CPU (the defaults compute §3-§6 with the core's kernel on CPU arrays).
     */
    @Benchmark
    public double djlOpByOpEngineOps(DjlState s) {
        return s.djl.loss(config, ENGINE_OPS);
    }

    /** The whole computation on the calling thread, into a preallocated result. */
    @Benchmark
    public double fusedSequential() {
        Jackpot.compute(config, batch, null, out, Execution.sequential());
        return out.loss();
    }

    /** The same on all cores (the calling thread and the common pool's workers); identical result. */
    @Benchmark
    public double fusedParallel() {
        Jackpot.compute(config, batch, null, out, Execution.parallel());
        return out.loss();
    }

    /** Building (validating) the batch views: done once per batch, at the edge. */
    @Benchmark
    public JackpotBatch validate() {
        return data.batch();
    }

    /** Reads every input element once: the floor any implementation has to pay. */
    @Benchmark
    public double onePassRead() {
        return OnePass.read(data);
    }
}
