package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.core.DistillationController;
import io.github.jackpot4j.core.JackpotConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * {@code jackpot demo}: trains a policy on rollouts of a different, smaller model (or on stale
 * rollouts of itself) with each method and compares them (docs/demo.md).
 */
public final class DecoupledDemo {
    static final List<String> MISMATCH_METHODS = List.of("on-policy", "off-policy", "tis", "no-clip", "jackpot");
    static final List<String> STALE_METHODS = List.of("ppo", "no-clip", "jackpot", "jackpot-no-clip");

    /** The distillation controller's KL(actor ‖ policy) target and weight bounds (MATH.md §8, DistillationController). */
    static final double CONTROLLER_TARGET_KL = 0.05;
    static final double CONTROLLER_MIN = 0.01;
    static final double CONTROLLER_MAX = 10.0;
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    static final String HELP = String.join("\n",
            "usage: jackpot demo [--scenario mismatch|stale] [--steps N] [--seeds N | --seed S] [--methods a,b,...]",
            "                    [--out DIR] [--lambda-distill X | --distill-controller] [--prompts P] [--group G]",
            "                    [--lr X] [--staleness S] [--epochs E] [--jackpot-lambda X] [--actor-hidden H]",
            "                    [--policy-hidden H] [--warmup-actor N] [--warmup-policy N] [--joint-baselines]",
            "                    [--actor-temperature T]",
            "                    [--no-progress] [--markdown]",
            "Trains a small policy on the reverse-the-digits task. Scenario 'mismatch' (default): every rollout",
            "comes from a smaller actor model; methods on-policy (the policy samples its own rollouts: the",
            "ceiling), off-policy (plain PPO on actor rollouts), tis, no-clip, jackpot (OBRS weights + the joint",
            "objective that also trains the actor). Scenario 'stale': one large batch of the policy's rollouts",
            "reused over S small steps; methods ppo, no-clip, jackpot, jackpot-no-clip.",
            "  --steps N              updates per run (default 300; stale: rollout batches, each giving S steps)",
            "  --seeds N              runs per method with seeds 1..N (default 3)",
            "  --seed S               a single seed S",
            "  --methods a,b          subset of the scenario's methods",
            "  --out DIR              CSV per run and PNG charts (default demo-out)",
            "  --lambda-distill X     fixed distillation weight (default 0.5)",
            "  --distill-controller   adapt lambda_distill toward KL(actor||policy) = 0.05 (core DistillationController)",
            "  --prompts P --group G  P prompts x G samples per batch (default 16 x 4)",
            "  --lr X                 policy learning rate (default 0.003)",
            "  --staleness S          stale scenario: steps per rollout batch (default 8)",
            "  --epochs E             mismatch scenario: updates per rollout batch (default 2)",
            "  --jackpot-lambda X     the OBRS budget lambda of the jackpot methods (default 1.0)",
            "  --actor-hidden H       hidden units of the actor's single layer (default 12): the actor-policy gap",
            "  --policy-hidden H      hidden units of each of the policy's two layers (default 64)",
            "  --warmup-actor N       supervised warm-up steps of the actor (default 60)",
            "  --warmup-policy N      supervised warm-up steps of the policy (default 15)",
            "  --actor-temperature T  the actor samples from softmax(logits / T) and reports those log-probs, as an",
            "                         inference engine at temperature T would; its own training stays at T = 1",
            "                         (default 1; the knob of 'jackpot sweep')",
            "  --joint-baselines      off-policy, tis and no-clip also train the actor with the joint objective",
            "                         (actor PPO + lambda_distill * distillation), as jackpot does; default: frozen actor",
            "  --no-progress          no progress bar",
            "  --markdown             print the result table as a markdown table (docs/demo.md)",
            "PyTorch runs on 1 intra-op thread unless -Dai.djl.pytorch.num_threads=N is given (reproducible CSVs).");

    /** Parsed options. */
    static final class Options {
        String scenario = "mismatch";
        int steps = 300;
        long[] seeds = {1, 2, 3};
        List<String> methods;
        Path out = Path.of("demo-out");
        double lambdaDistill = 0.5;
        boolean controller;
        int prompts = 16;
        int group = 4;
        double lr = 0.003;
        int staleness = 8;
        boolean progress = true;
        int warmupPolicy = 15;
        int warmupActor = 60;
        int k = 5;
        int epochs = 2;
        double jackpotLambda = 1.0;
        int actorHidden = 12;
        int policyHidden = 64;
        boolean jointBaselines;
        double actorTemperature = 1.0;
        /** No actor-rollout method trains the actor, jackpot included (set by 'jackpot sweep --frozen-actor'). */
        boolean frozenActor;
        boolean gcPressure;
        boolean markdown;
    }

    /** The CSV column of a {@link Record} component: the one place a column's name is written. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @interface Column {
        String value();
    }

    /** One step's record: a CSV row, whose header and cells {@link #writeCsv} derives from this declaration. */
    record Record(@Column("step") int step, @Column("policy_reward") double reward,
                  @Column("rollout_reward") double rolloutReward, @Column("kl_policy_actor") double klPolicyActor,
                  @Column("kl_actor_policy") double klActorPolicy, @Column("acceptance") double acceptance,
                  @Column("kappa") double kappa, @Column("weight_mean") double weightMean,
                  @Column("weight_max") double weightMax, @Column("pg_clipfrac") double clipFraction,
                  @Column("policy_loss") double policyLoss, @Column("actor_loss") double actorLoss,
                  @Column("distill_loss") double distillLoss, @Column("lambda_distill") double lambdaDistill,
                  @Column("obrs_clip_frac") double obrsClipFraction,
                  @Column("residual_clip_frac") double residualClipFraction) {
    }

    private DecoupledDemo() {
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("jackpot demo: " + e.getMessage() + " (try --help)");
            return 2;
        }
        if (o == null) {
            out.println(HELP);
            return 0;
        }
        // one intra-op thread unless the user chose otherwise: the models are tiny, and a fixed thread count
        // keeps PyTorch's reductions in one order, which "same seed, same CSV" needs (read at engine start)
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
        }
        TinyLm.gcPressure = o.gcPressure;
        try {
            long start = System.nanoTime();
            Files.createDirectories(o.out);
            Map<String, List<List<Record>>> runs = new LinkedHashMap<>();
            for (String method : o.methods) {
                for (long seed : o.seeds) {
                    List<Record> records = runOne(o, method, seed);
                    runs.computeIfAbsent(method, m -> new ArrayList<>()).add(records);
                    writeCsv(o.out.resolve(o.scenario + "-" + method + "-seed" + seed + ".csv"), records);
                }
            }
            writeCharts(o, runs);
            printTable(o, runs, out);
            out.printf(Locale.ROOT, "wrote CSVs and charts to %s in %.1f s%n", o.out, (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("jackpot demo: " + e);
            return 1;
        } finally {
            TinyLm.gcPressure = false;
        }
    }

    static Options parse(String[] argv) {
        Options o = new Options();
        String methods = null;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            switch (a) {
                case "--help": case "-h": return null;
                case "--scenario": o.scenario = value(argv, ++i, a); break;
                case "--steps": o.steps = positive(argv, ++i, a); break;
                case "--seeds": {
                    int n = positive(argv, ++i, a);
                    o.seeds = new long[n];
                    for (int s = 0; s < n; s++) {
                        o.seeds[s] = s + 1;
                    }
                    break;
                }
                case "--seed": o.seeds = new long[] {wholeNumber(argv, ++i, a)}; break;
                case "--methods": methods = value(argv, ++i, a); break;
                case "--out": o.out = Path.of(value(argv, ++i, a)); break;
                case "--lambda-distill": o.lambdaDistill = nonNegative(argv, ++i, a); break;
                case "--distill-controller": o.controller = true; break;
                case "--prompts": o.prompts = positive(argv, ++i, a); break;
                case "--group": o.group = positive(argv, ++i, a); break;
                case "--lr": o.lr = nonNegative(argv, ++i, a); break;
                case "--staleness": o.staleness = positive(argv, ++i, a); break;
                case "--no-progress": o.progress = false; break;
                case "--epochs": o.epochs = positive(argv, ++i, a); break;
                case "--jackpot-lambda": o.jackpotLambda = nonNegative(argv, ++i, a); break;
                case "--actor-hidden": o.actorHidden = positive(argv, ++i, a); break;
                case "--policy-hidden": o.policyHidden = positive(argv, ++i, a); break;
                case "--warmup-actor": o.warmupActor = count(argv, ++i, a); break;
                case "--warmup-policy": o.warmupPolicy = count(argv, ++i, a); break;
                case "--joint-baselines": o.jointBaselines = true; break;
                case "--actor-temperature": o.actorTemperature = nonNegative(argv, ++i, a); break;
                case "--gc-pressure": o.gcPressure = true; break; // hidden test hook, see TinyLm.pressure
                case "--markdown": o.markdown = true; break;
                default: throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        List<String> allowed;
        if (o.scenario.equals("mismatch")) {
            allowed = MISMATCH_METHODS;
        } else if (o.scenario.equals("stale")) {
            allowed = STALE_METHODS;
        } else {
            throw new IllegalArgumentException("--scenario '" + o.scenario + "' is not mismatch or stale");
        }
        o.methods = methods == null ? allowed : Arrays.asList(methods.split(","));
        for (String m : o.methods) {
            if (!allowed.contains(m)) {
                throw new IllegalArgumentException("method '" + m + "' is not one of " + allowed + " (scenario "
                        + o.scenario + ")");
            }
        }
        if (!(o.jackpotLambda > 0)) {
            throw new IllegalArgumentException("--jackpot-lambda = " + o.jackpotLambda + " must be > 0");
        }
        if (o.controller && (o.lambdaDistill < CONTROLLER_MIN || o.lambdaDistill > CONTROLLER_MAX)) {
            throw new IllegalArgumentException("--lambda-distill = " + o.lambdaDistill + " is the controller's starting"
                    + " weight with --distill-controller and must lie in [" + CONTROLLER_MIN + ", " + CONTROLLER_MAX + "]");
        }
        if (!(o.actorTemperature > 0)) {
            throw new IllegalArgumentException("--actor-temperature = " + o.actorTemperature + " must be > 0");
        }
        if (o.actorTemperature != 1.0 && !o.scenario.equals("mismatch")) {
            throw new IllegalArgumentException("--actor-temperature applies to the mismatch scenario only");
        }
        if (o.group < 2) {
            throw new IllegalArgumentException("--group must be >= 2 (GRPO compares samples of one prompt)");
        }
        return o;
    }

    private static String value(String[] argv, int i, String name) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return argv[i];
    }

    private static long wholeNumber(String[] argv, int i, String name) {
        String v = value(argv, i, name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " = '" + v + "' is not a whole number");
        }
    }

    private static Double number(String[] argv, int i, String name) {
        String v = value(argv, i, name);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " = '" + v + "' is not a number");
        }
    }

    private static int positive(String[] argv, int i, String name) {
        double d = number(argv, i, name);
        if (d < 1 || d != Math.rint(d) || d > 1_000_000) {
            throw new IllegalArgumentException(name + " = " + argv[i] + " must be a whole number >= 1");
        }
        return (int) d;
    }

    private static int count(String[] argv, int i, String name) {
        double d = number(argv, i, name);
        if (d < 0 || d != Math.rint(d) || d > 1_000_000) {
            throw new IllegalArgumentException(name + " = " + argv[i] + " must be a whole number >= 0");
        }
        return (int) d;
    }

    private static double nonNegative(String[] argv, int i, String name) {
        double d = number(argv, i, name);
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException(name + " = " + argv[i] + " must be finite and >= 0");
        }
        return d;
    }

    /** The loss configuration of a method (MATH.md §6 baselines, §7 no-clip, or Jackpot). */
    static JackpotConfig config(String method, int k, long seed) {
        return config(method, k, seed, 1.0);
    }

    static JackpotConfig config(String method, int k, long seed, double jackpotLambda) {
        if (!(jackpotLambda > 0)) {
            throw new IllegalArgumentException("--jackpot-lambda must be > 0");
        }
        JackpotConfig.Builder preset;
        switch (method) { // the named presets of JackpotConfig (docs/config.md)
            case "on-policy": case "off-policy": case "ppo": preset = JackpotConfig.ppo(); break;
            case "tis": preset = JackpotConfig.tis(); break;
            case "no-clip": preset = JackpotConfig.noClip(); break;
            case "jackpot": preset = JackpotConfig.jackpot(); break;
            case "jackpot-no-clip": preset = JackpotConfig.jackpot().ppoClip(false); break;
            default: throw new IllegalArgumentException(method);
        }
        return preset.topK(k).seed(seed).lambda(jackpotLambda)
                .lossAggMode(io.github.jackpot4j.core.LossAggMode.SEQ_MEAN_TOKEN_MEAN).build();
    }

    /** Held while a run seeds the engine and initializes its models: the engine's random state is global. */
    private static final Object INIT_LOCK = new Object();

    /** One run; safe to call from several threads at once (the sweep runs seeds in parallel). */
    static List<Record> runOne(Options o, String method, long seed) {
        TinyLm policyModel;
        TinyLm actorModel;
        synchronized (INIT_LOCK) { // seed and initialize together, so a parallel run cannot draw in between
            TinyLm.seed(seed);
            policyModel = new TinyLm("policy", o.policyHidden, 2, o.lr);
            try {
                actorModel = new TinyLm("actor", o.actorHidden, 1, o.lr);
            } catch (RuntimeException e) {
                policyModel.close();
                throw e;
            }
        }
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L);
        int batchSize = o.prompts * o.group;
        boolean stale = o.scenario.equals("stale");
        int totalSteps = stale ? o.steps * o.staleness : o.steps;
        List<Record> records = new ArrayList<>();
        JackpotConfig config = config(method, o.k, seed, o.jackpotLambda);
        // the controller exists only when asked for: a fixed λ_distill may be 0 (no distillation), below its bounds
        DistillationController controller = o.controller
                ? new DistillationController(CONTROLLER_TARGET_KL, o.lambdaDistill, CONTROLLER_MIN, CONTROLLER_MAX, 0.3, 0.5)
                : null;
        DistillationController.State control = controller != null ? controller.initial() : null;
        try (TinyLm policy = policyModel; TinyLm actor = actorModel) {
            // warm-up: both models learn a little of the task, the actor more than the policy, so the
            // actor's rollouts are useful but distributed differently (the paper's cheap rollout model)
            for (int i = 0; i < o.warmupActor; i++) {
                actor.supervisedStep(ReverseTask.prompts(batchSize, rng));
            }
            for (int i = 0; i < o.warmupPolicy; i++) {
                policy.supervisedStep(ReverseTask.prompts(batchSize, rng));
            }
            ProgressBar bar = o.progress ? new ProgressBarBuilder().setTaskName(o.scenario + " " + method + " s" + seed)
                    .setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .continuousUpdate().build() : null;
            try {
                int step = 0;
                while (step < totalSteps) {
                    if (stale) {
                        // one large batch from the policy as it is now, reused for `staleness` small steps
                        int[][] prompts = ReverseTask.prompts(batchSize * o.staleness, rng);
                        int[][] responses = policy.generate(prompts, rng);
                        DemoStep.Batch big = DemoStep.batch(prompts, responses, o.group, policy, policy, o.k);
                        for (int s = 0; s < o.staleness && step < totalSteps; s++, step++) {
                            DemoStep.Batch mb = slice(big, s * batchSize, batchSize);
                            DemoStep.Stats st = DemoStep.update(config, policy, null, 0, mb, o.k, step);
                            records.add(record(step, evaluate(policy, batchSize, rng), mb, st, Double.NaN, Double.NaN, 0));
                            tick(bar);
                            TinyLm.pressure();
                        }
                    } else {
                        int[][] prompts = ReverseTask.prompts(batchSize, rng);
                        TinyLm generator = method.equals("on-policy") ? policy : actor;
                        // the actor samples at its temperature; the policy (on-policy) always at 1
                        double temperature = generator == actor ? o.actorTemperature : 1.0;
                        int[][] responses = generator.generate(prompts, rng, temperature);
                        DemoStep.Batch b = DemoStep.batch(prompts, responses, o.group, generator, policy, o.k, temperature);
                        // the actor's side of the KL is its sampling distribution (tempered when T != 1)
                        double klPa = DemoStep.kl(policy, 1.0, actor, o.actorTemperature, b);
                        double klAp = DemoStep.kl(actor, o.actorTemperature, policy, 1.0, b);
                        // jackpot trains the actor with the joint objective (MATH.md §8); with --joint-baselines the
                        // other actor-rollout methods do too, so only the policy's correction differs between them
                        boolean joint = !o.frozenActor
                                && (method.equals("jackpot") || (o.jointBaselines && !method.equals("on-policy")));
                        double lambda = control != null ? control.weight() : o.lambdaDistill;
                        DemoStep.Stats st = null;
                        for (int e = 0; e < o.epochs; e++) { // the same rollouts and anchor, several updates (PPO epochs)
                            st = DemoStep.update(config, policy, joint ? actor : null, lambda, b, o.k, step);
                        }
                        if (joint && controller != null) {
                            control = controller.update(control, klAp);
                        }
                        records.add(record(step, evaluate(policy, batchSize, rng), b, st, klPa, klAp, joint ? lambda : 0));
                        step++;
                        TinyLm.pressure();
                        tick(bar);
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
        }
        return records;
    }

    private static void tick(ProgressBar bar) {
        if (bar != null) {
            bar.step();
        }
    }

    /** The policy's own mean reward on fresh prompts: what the training is for, whoever wrote the rollouts. */
    static double evaluate(TinyLm policy, int batchSize, SplittableRandom rng) {
        int[][] prompts = ReverseTask.prompts(batchSize, rng);
        int[][] responses = policy.generate(prompts, rng);
        double sum = 0;
        for (int s = 0; s < batchSize; s++) {
            sum += ReverseTask.reward(prompts[s], responses[s]);
        }
        return sum / batchSize;
    }

    private static Record record(int step, double policyReward, DemoStep.Batch b, DemoStep.Stats s, double klPa,
                                 double klAp, double lambda) {
        double reward = 0;
        for (double r : b.rewards) {
            reward += r;
        }
        return new Record(step, policyReward, reward / b.rewards.length, klPa, klAp, s.acceptance, s.kappa, s.weightMean, s.weightMax,
                s.clipFraction, s.policyLoss, s.actorLoss, s.distillLoss, lambda, s.obrsClipFraction,
                s.residualClipFraction);
    }

    static DemoStep.Batch slice(DemoStep.Batch big, int from, int size) {
        DemoStep.Batch b = new DemoStep.Batch();
        int t = ReverseTask.LENGTH;
        int k = big.rolloutTopIds.length / big.rolloutLogProbs.length;
        b.prompts = Arrays.copyOfRange(big.prompts, from, from + size);
        b.responses = Arrays.copyOfRange(big.responses, from, from + size);
        b.rewards = Arrays.copyOfRange(big.rewards, from, from + size);
        b.advantages = Arrays.copyOfRange(big.advantages, from * t, (from + size) * t);
        b.rolloutLogProbs = Arrays.copyOfRange(big.rolloutLogProbs, from * t, (from + size) * t);
        b.oldLogProbs = Arrays.copyOfRange(big.oldLogProbs, from * t, (from + size) * t);
        b.rolloutTopIds = Arrays.copyOfRange(big.rolloutTopIds, from * t * k, (from + size) * t * k);
        b.rolloutTopLogProbs = Arrays.copyOfRange(big.rolloutTopLogProbs, from * t * k, (from + size) * t * k);
        return b;
    }

    /** The CSV of a run: the header and every cell follow {@link Record}'s components and their {@link Column}s. */
    static void writeCsv(Path file, List<Record> records) throws IOException {
        java.lang.reflect.RecordComponent[] columns = Record.class.getRecordComponents();
        StringBuilder header = new StringBuilder();
        for (java.lang.reflect.RecordComponent c : columns) {
            header.append(header.length() == 0 ? "" : ",").append(c.getAnnotation(Column.class).value());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(header.append('\n').toString());
            StringBuilder row = new StringBuilder();
            for (Record r : records) {
                row.setLength(0);
                for (java.lang.reflect.RecordComponent c : columns) {
                    Object v;
                    try {
                        v = c.getAccessor().invoke(r);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                    row.append(row.length() == 0 ? "" : ",").append(v instanceof Double
                            ? String.format(Locale.ROOT, "%.6f", (Double) v) : v.toString());
                }
                w.write(row.append(String.format("%n")).toString());
            }
        }
    }

    /** Mean reward of the last fifth of a run. */
    static double finalReward(List<Record> records) {
        int from = records.size() - Math.max(1, records.size() / 5);
        double s = 0;
        for (int i = from; i < records.size(); i++) {
            s += records.get(i).reward();
        }
        return s / (records.size() - from);
    }

    static void printTable(Options o, Map<String, List<List<Record>>> runs, PrintStream out) {
        out.printf(Locale.ROOT, "%nscenario %s, %d steps, seeds %s: final reward = the policy's own mean reward over the"
                + " last 20%% of steps (mean ± std over seeds); max weight over all steps and seeds; acceptance = mean"
                + " over all steps and seeds; final KL(a||p) = mean over seeds at the last step%n",
                o.scenario, o.steps, Arrays.toString(o.seeds));
        if (o.markdown) {
            out.println("| method | final reward | max weight | acceptance | final KL(a‖p) |");
            out.println("|---|---:|---:|---:|---:|");
        } else {
            out.printf(Locale.ROOT, "%-16s %15s %12s %12s %12s%n", "method", "final reward", "max weight", "acceptance",
                    "final KL(a||p)");
        }
        for (Map.Entry<String, List<List<Record>>> e : runs.entrySet()) {
            double[] finals = e.getValue().stream().mapToDouble(DecoupledDemo::finalReward).toArray();
            double mean = Arrays.stream(finals).average().orElse(0);
            double spread = finals.length > 1 ? Math.sqrt(Arrays.stream(finals).map(f -> (f - mean) * (f - mean)).sum()
                    / (finals.length - 1)) : 0;
            double maxWeight = e.getValue().stream().flatMap(List::stream).mapToDouble(Record::weightMax)
                    .max().orElse(0);
            double acceptance = e.getValue().stream().flatMap(List::stream).mapToDouble(Record::acceptance).average()
                    .orElse(1);
            double kl = e.getValue().stream().mapToDouble(r -> r.get(r.size() - 1).klActorPolicy()).average()
                    .orElse(Double.NaN);
            String klText = Double.isNaN(kl) ? "-" : String.format(Locale.ROOT, "%.3f", kl);
            if (o.markdown) {
                out.printf(Locale.ROOT, "| %s | %.3f ± %.3f | %.2f | %.2f | %s |%n", e.getKey(), mean, spread, maxWeight,
                        acceptance, klText);
            } else {
                out.printf(Locale.ROOT, "%-16s %7.3f ± %.3f %12.3f %12.3f %12s%n", e.getKey(), mean, spread, maxWeight,
                        acceptance, klText);
            }
        }
    }

    static void writeCharts(Options o, Map<String, List<List<Record>>> runs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart reward = new XYChartBuilder().width(900).height(520).title("Mean reward per step (" + o.scenario + ")")
                .xAxisTitle("step").yAxisTitle("reward").build();
        XYChart kl = new XYChartBuilder().width(900).height(520).title("KL(actor || policy) per step (" + o.scenario + ")")
                .xAxisTitle("step").yAxisTitle("KL (nats)").build();
        boolean anyKl = false;
        for (Map.Entry<String, List<List<Record>>> e : runs.entrySet()) {
            List<List<Record>> seeds = e.getValue();
            int n = seeds.get(0).size();
            double[] x = new double[n];
            double[] r = new double[n];
            double[] k = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i;
                for (List<Record> s : seeds) {
                    r[i] += s.get(i).reward() / seeds.size();
                    k[i] += s.get(i).klActorPolicy() / seeds.size();
                }
            }
            reward.addSeries(e.getKey(), x, smooth(r)).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            if (!Double.isNaN(k[0])) {
                kl.addSeries(e.getKey(), x, k).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
                anyKl = true;
            }
        }
        BitmapEncoder.saveBitmap(reward, o.out.resolve(o.scenario + "-reward").toString(), BitmapEncoder.BitmapFormat.PNG);
        if (anyKl) {
            BitmapEncoder.saveBitmap(kl, o.out.resolve(o.scenario + "-kl").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static double[] smooth(double[] v) {
        double[] out = new double[v.length];
        double s = v.length > 0 ? v[0] : 0;
        for (int i = 0; i < v.length; i++) {
            s = 0.8 * s + 0.2 * v[i];
            out[i] = s;
        }
        return out;
    }
}
