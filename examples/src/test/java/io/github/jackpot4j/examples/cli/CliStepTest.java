package io.github.jackpot4j.examples.cli;

import static io.github.jackpot4j.examples.cli.CommandLineTest.B;
import static io.github.jackpot4j.examples.cli.CommandLineTest.K;
import static io.github.jackpot4j.examples.cli.CommandLineTest.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training step (and sequence offset) key the CLI's rejection draws as MATH.md §3 says. */
class CliStepTest {
    @TempDir
    Path dir;


    Path file(String name, Map<String, byte[]> arrays) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, NpzBytes.npz(arrays, true));
        return p;
    }

    Map<String, float[]> weights(Path in, String... extra) throws IOException {
        Path out = dir.resolve("r-" + System.nanoTime() + ".npz");
        List<String> args = new ArrayList<>(List.of("weights", "--in", in.toString(), "--out", out.toString()));
        args.addAll(List.of(extra));
        CommandLineTest.Run r = CommandLineTest.jackpot(args.toArray(String[]::new));
        assertEquals(0, r.status, r.err);
        Map<String, float[]> result = new LinkedHashMap<>();
        NpzReader.read(out).forEach((name, a) -> result.put(name, a.floats()));
        return result;
    }

    @Test
    void theStepChangesTheAcceptMask() throws IOException {
        Path in = file("b.npz", NpzBytes.batch(CommandLineTest.arrays(), B, T, K));
        String[] half = {"--set", "jackpot_target_acceptance=0.5"};
        float[] one = weights(in, concat(half, "--step", "1")).get("accept_mask");
        float[] two = weights(in, concat(half, "--step", "2")).get("accept_mask");
        float[] oneAgain = weights(in, concat(half, "--step", "1")).get("accept_mask");
        assertFalse(Arrays.equals(one, two), "steps 1 and 2 draw different uniforms: " + Arrays.toString(one) + " vs "
                + Arrays.toString(two));
        assertArrayEquals(one, oneAgain, "the same step draws the same uniforms");
        double accepted = 0;
        for (float m : one) {
            accepted += m;
        }
        assertFalse(accepted == 0 || accepted == one.length, "acceptance near 0.5 accepts some and rejects some");
    }

    @Test
    void theFilesStepEqualsTheOptionAndTheCore() throws IOException {
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), B, T, K);
        Path without = file("b.npz", a);
        a.put("step", NpzBytes.npy("<i4", false, new long[0], NpzBytes.i4(new long[] {7})));
        Path with = file("s.npz", a);
        Map<String, float[]> byOption = weights(without, "--step", "7", "--set", "jackpot_lambda=0.5");
        Map<String, float[]> byFile = weights(with, "--set", "jackpot_lambda=0.5");
        Map<String, float[]> both = weights(with, "--step", "7", "--set", "jackpot_lambda=0.5");
        JackpotResult core = Jackpot.compute(JackpotConfig.builder().topK(K).lambda(0.5).build(), CommandLineTest.coreBatch(7));
        for (Map<String, float[]> r : List.of(byOption, byFile, both)) {
            assertArrayEquals(core.acceptMask(), r.get("accept_mask"));
            assertArrayEquals(core.weights(), r.get("weights"), 1e-6f);
            assertEquals(core.loss(), r.get("loss")[0], 1e-6);
        }
    }

    @Test
    void aMicroBatchWithItsSequenceOffsetDrawsAsTheWholeBatch() throws IOException {
        // a fixed lambda (the mask of a token depends only on its a_t and u_t) low enough to reject some
        String[] lambda = {"--set", "jackpot_lambda=3", "--step", "5"};
        Path whole = file("whole.npz", NpzBytes.batch(CommandLineTest.arrays(), B, T, K));
        float[] wholeMask = weights(whole, lambda).get("accept_mask");
        float valid = 0;
        float accepted = 0;
        for (int i = 0; i < wholeMask.length; i++) {
            valid += ((float[]) CommandLineTest.arrays().get("response_mask"))[i];
            accepted += wholeMask[i];
        }
        assertFalse(accepted == 0 || accepted == valid, "some accepted, some rejected: " + Arrays.toString(wholeMask));
        boolean offsetMatters = false;
        for (int row = 0; row < B; row++) {
            Path part = file("row" + row + ".npz", NpzBytes.batch(rows(row), 1, T, K));
            float[] expected = Arrays.copyOfRange(wholeMask, row * T, (row + 1) * T);
            float[] mask = weights(part, concat(lambda, "--sequence-offset", Integer.toString(row))).get("accept_mask");
            assertArrayEquals(expected, mask, "row " + row + " with its offset draws as in the whole batch");
            offsetMatters |= !Arrays.equals(expected, weights(part, lambda).get("accept_mask"));
        }
        assertTrue(offsetMatters, "without the offset some row draws differently");
    }

    @Test
    void noStepIsNeededWithUniformsOrWithoutTheJackpotPath() throws IOException {
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), B, T, K);
        Path plain = file("b.npz", a);
        weights(plain, "--set", "use_jackpot=false");
        float[] u = new float[B * T];
        Arrays.fill(u, 0.999f);
        a.put("uniforms", NpzBytes.npy("<f4", false, new long[] {B, T}, NpzBytes.f4(u)));
        weights(file("u.npz", a));
    }

    /** The sub-batch of one sequence. */
    static Map<String, Object> rows(int row) {
        Map<String, Object> out = new LinkedHashMap<>();
        CommandLineTest.arrays().forEach((name, v) -> {
            int per = name.contains("topk") ? T * K : T;
            if (v instanceof float[] f) {
                out.put(name, Arrays.copyOfRange(f, row * per, (row + 1) * per));
            } else if (v instanceof long[] l) {
                out.put(name, Arrays.copyOfRange(l, row * per, (row + 1) * per));
            } else {
                out.put(name, Arrays.copyOfRange((int[]) v, row * per, (row + 1) * per));
            }
        });
        return out;
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
