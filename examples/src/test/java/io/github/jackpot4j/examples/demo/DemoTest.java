package io.github.jackpot4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.djl.JackpotDjl;
import io.github.jackpot4j.djl.RolloutBatch;
import io.github.jackpot4j.examples.JackpotCommand;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @TempDir
    Path dir;

    @Test
    void rewardIsTheFractionOfReversedDigits() {
        assertEquals(1.0, ReverseTask.reward(new int[] {1, 2, 3, 4}, new int[] {4, 3, 2, 1}), 0.0);
        assertEquals(0.0, ReverseTask.reward(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 4}), 0.0);
        assertEquals(0.5, ReverseTask.reward(new int[] {5, 5, 0, 7}, new int[] {7, 0, 1, 1}), 0.0);
        assertEquals(0.25, ReverseTask.reward(new int[] {9, 8, 7, 6}, new int[] {0, 0, 0, 9}), 0.0);
    }

    @Test
    void withTheActorEqualToThePolicyAndTheWholeVocabularyJackpotIsPlainPpo() {
        // k = V: the top-k union is the whole vocabulary, so Zapprox is the exact Z = 1; a = 1 (λ = 1),
        // κ = 1, w = 1, and with ℓ_old = ℓ_new the residual ratio is 1: ρ = 1 on every token.
        TinyLm.seed(5);
        try (TinyLm policy = new TinyLm("policy", 16, 1, 0.01)) {
            SplittableRandom rng = new SplittableRandom(5);
            int[][] prompts = ReverseTask.prompts(8, rng);
            int[][] responses = policy.generate(prompts, rng);
            int k = ReverseTask.VOCAB;
            DemoStep.Batch b = DemoStep.batch(prompts, responses, 4, policy, policy, k, 1.0);
            try (NDManager m = policy.manager().newSubManager()) {
                RolloutBatch rollout = DemoStep.rollout(m, b, k, 0);
                NDArray logits = policy.logits(m, prompts, responses, false);
                JackpotConfig jackpot = Presets.config("jackpot", k, 1, 1.0);
                JackpotConfig ppo = Presets.config("on-policy", k, 1, 1.0);
                var j = JackpotDjl.policyLoss(jackpot, logits, rollout);
                var p = JackpotDjl.policyLoss(ppo, logits, rollout);
                assertEquals(1.0, j.metrics().get("jackpot/acceptance_rate"), 0.0);
                assertEquals(1.0, j.metrics().get("jackpot/z_approx_mean"), 1e-5);
                assertEquals(p.loss().getFloat(), j.loss().getFloat(), 1e-6);
                float[] w = j.weights().toFloatArray();
                for (float x : w) {
                    assertEquals(1f, x, 1e-5f);
                }
            }
        }
    }

    @Test
    void withTheActorEqualToThePolicyTheJackpotGradientIsTheHandWrittenPpoGradient() {
        // The same identity as above, checked on what training uses: the parameter gradients. The
        // reference is plain PPO written here with DJL ops, independently of the library and of
        // DemoStep: ρ = 1 and r = exp(ℓ_new − SG ℓ_new) = 1 (no clip active), seq-mean-token-mean,
        // so the loss is −(1/S)·Σ_s (1/T)·Σ_t Â_{s,t}·r_{s,t}. A wrong gather index, sign, mask or
        // aggregation in the wiring changes the gradient.
        TinyLm.seed(11);
        try (TinyLm policy = new TinyLm("policy", 16, 1, 0.01)) {
            SplittableRandom rng = new SplittableRandom(11);
            int[][] prompts = ReverseTask.prompts(8, rng);
            int[][] responses = policy.generate(prompts, rng);
            int k = ReverseTask.VOCAB;
            DemoStep.Batch b = DemoStep.batch(prompts, responses, 4, policy, policy, k, 1.0);
            float[] viaJackpot;
            float[] viaHand;
            try (NDManager m = policy.manager().newSubManager()) {
                RolloutBatch rollout = DemoStep.rollout(m, b, k, 0);
                try (var gc = policy.newGradientCollector()) {
                    gc.zeroGradients(); // PyTorch accumulates .grad; only the optimizer's step clears it
                    NDArray logits = policy.logits(m, prompts, responses, true);
                    gc.backward(JackpotDjl.policyLoss(Presets.config("jackpot", k, 1, 1.0), logits, rollout).loss());
                }
                viaJackpot = policy.gradients();
                try (var gc = policy.newGradientCollector()) {
                    gc.zeroGradients(); // PyTorch accumulates .grad; only the optimizer's step clears it
                    NDArray logits = policy.logits(m, prompts, responses, true);
                    NDArray logProbs = logits.logSoftmax(-1).gather(DemoStep.tokenIds(m, responses).expandDims(-1), -1)
                            .squeeze(-1);
                    NDArray ratio = logProbs.sub(logProbs.stopGradient()).exp();
                    // engine-owned factor and divisor (autograd saves both; see TinyLm's memory rule)
                    NDArray advantages = TinyLm.upload(m, b.advantages, logProbs.getShape());
                    NDArray loss = advantages.mul(ratio).sum().neg()
                            .div(TinyLm.constant(m, prompts.length * ReverseTask.LENGTH));
                    gc.backward(loss);
                }
                viaHand = policy.gradients();
            }
            assertEquals(viaHand.length, viaJackpot.length);
            double norm = 0;
            for (int i = 0; i < viaHand.length; i++) {
                norm = Math.max(norm, Math.abs(viaHand[i]));
            }
            assertTrue(norm > 1e-4, "the reference gradient must not vanish: " + norm);
            for (int i = 0; i < viaHand.length; i++) {
                assertEquals(viaHand[i], viaJackpot[i], 1e-6 + 1e-4 * norm, "parameter gradient " + i);
            }
        }
    }

    @Test
    void aTemperedBatchCachesTheTemperedDistributionAndAnchorsTheActorAtTemperatureOne() {
        // the actor samples from softmax(z / T): the cached rollout log-probs and top-k are of that distribution
        // (what the engine sampled from), the actor's own log-probs at T = 1 are the anchor of its PPO loss
        TinyLm.seed(9);
        try (TinyLm policy = new TinyLm("policy", 8, 1, 0.01); TinyLm actor = new TinyLm("actor", 6, 1, 0.01)) {
            SplittableRandom rng = new SplittableRandom(9);
            int[][] prompts = ReverseTask.prompts(4, rng);
            int[][] responses = actor.generate(prompts, rng, 2.0);
            int k = 3;
            DemoStep.Batch plain = DemoStep.batch(prompts, responses, 2, actor, policy, k, 1.0);
            DemoStep.Batch hot = DemoStep.batch(prompts, responses, 2, actor, policy, k, 2.0);
            assertEquals(null, plain.actorOldLogProbs);
            try (NDManager m = actor.manager().newSubManager()) {
                float[] z = actor.logits(m, prompts, responses, false).toFloatArray();
                int v = ReverseTask.VOCAB;
                for (int row = 0; row < prompts.length * ReverseTask.LENGTH; row++) {
                    int token = responses[row / ReverseTask.LENGTH][row % ReverseTask.LENGTH];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int x = 0; x < v; x++) {
                        max = Math.max(max, z[row * v + x]);
                    }
                    double sumHot = 0;
                    double sum = 0;
                    for (int x = 0; x < v; x++) {
                        sumHot += Math.exp((z[row * v + x] - max) / 2.0);
                        sum += Math.exp(z[row * v + x] - max);
                    }
                    double hotLogProb = (z[row * v + token] - max) / 2.0 - Math.log(sumHot);
                    double logProb = z[row * v + token] - max - Math.log(sum);
                    assertEquals(hotLogProb, hot.rolloutLogProbs[row], 1e-5, "tempered rollout log-prob " + row);
                    assertEquals(logProb, hot.actorOldLogProbs[row], 1e-5, "actor anchor " + row);
                    assertEquals(logProb, plain.rolloutLogProbs[row], 1e-5, "T = 1 rollout log-prob " + row);
                    assertTrue(hot.rolloutTopLogProbs[row * k] <= plain.rolloutTopLogProbs[row * k] + 1e-6,
                            "a hotter distribution has a lower top probability");
                }
            }
            assertArrayEquals(plain.oldLogProbs, hot.oldLogProbs, 0f); // the policy's anchor is untouched
            assertTrue(DemoStep.kl(actor, 2.0, policy, 1.0, hot) >= 0);
        }
    }

    @Test
    void everyMethodRunsTwoStepsAndWritesItsCsv() throws IOException {
        for (String scenario : new String[] {"mismatch", "stale"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = JackpotCommand.run(new String[] {"demo", "--scenario", scenario, "--steps", "2", "--seed", "7",
                    "--prompts", "2", "--group", "2", "--staleness", "2", "--no-progress", "--distill-controller",
                    "--out", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
            List<String> methods = scenario.equals("mismatch") ? Presets.MISMATCH_METHODS : Presets.STALE_METHODS;
            for (String method : methods) {
                Path csv = dir.resolve(scenario + "-" + method + "-seed7.csv");
                List<String> lines = Files.readAllLines(csv);
                assertEquals(1 + (scenario.equals("stale") ? 4 : 2), lines.size(), csv.toString());
                for (String line : lines.subList(1, lines.size())) {
                    for (String cell : line.split(",")) {
                        double v = Double.parseDouble(cell);
                        assertTrue(Double.isFinite(v) || Double.isNaN(v), method + ": " + line);
                    }
                    String[] cells = line.split(",");
                    assertTrue(Double.isFinite(Double.parseDouble(cells[10])), "policy loss finite: " + line);
                }
            }
            assertTrue(Files.exists(dir.resolve(scenario + "-reward.png")));
        }
    }

    @Test
    void fixedZeroDistillationWeightAndJointBaselinesRun() throws IOException {
        // λ_distill = 0 is a legal fixed weight (no distillation); --joint-baselines trains the actor in every
        // actor-rollout method, so the distillation KL (computed even at weight 0) is recorded for off-policy too
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JackpotCommand.run(new String[] {"demo", "--steps", "2", "--seed", "4", "--prompts", "2", "--group",
            "2", "--methods", "off-policy,jackpot", "--lambda-distill", "0", "--joint-baselines", "--actor-hidden", "4",
            "--no-progress", "--out", dir.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        for (String method : new String[] {"off-policy", "jackpot"}) {
            List<String> lines = Files.readAllLines(dir.resolve("mismatch-" + method + "-seed4.csv"));
            String[] header = lines.get(0).split(",");
            assertEquals("lambda_distill", header[13]);
            assertEquals(16, header.length);
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",");
                assertEquals(0.0, Double.parseDouble(cells[13]), 0.0, line);
                assertTrue(Double.parseDouble(cells[12]) > 0.0, "the distillation KL is measured: " + line);
            }
        }
    }

    @Test
    void sameSeedSameCsv() throws IOException {
        String[] args = {"demo", "--methods", "jackpot,tis", "--steps", "3", "--seed", "3", "--prompts", "2", "--group",
            "2", "--no-progress", "--out"};
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(0, JackpotCommand.run(concat(args, a.toString()), quiet, quiet));
        assertEquals(0, JackpotCommand.run(concat(args, b.toString()), quiet, quiet));
        for (String f : new String[] {"mismatch-jackpot-seed3.csv", "mismatch-tis-seed3.csv"}) {
            assertEquals(Files.readString(a.resolve(f)), Files.readString(b.resolve(f)), f);
        }
    }

    @Test
    void badFlagsGiveOneLineAndExitTwo() {
        for (String[] bad : new String[][] {{"demo", "--steps", "0"}, {"demo", "--methods", "magic"},
                {"demo", "--scenario", "weird"}, {"demo", "--frobnicate"}, {"demo", "--lr", "abc"},
                {"demo", "--jackpot-lambda", "0"}, {"demo", "--seed", "1.5"}, {"demo", "--actor-hidden", "0"},
                {"demo", "--distill-controller", "--lambda-distill", "0"}, {"demo", "--warmup-actor", "-1"},
                {"demo", "--actor-temperature", "0"}, {"demo", "--scenario", "stale", "--actor-temperature", "2"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = JackpotCommand.run(bad, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, status, String.join(" ", bad));
            assertEquals(1, err.toString(StandardCharsets.UTF_8).trim().split("\n").length);
        }
    }

    private static String[] concat(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
