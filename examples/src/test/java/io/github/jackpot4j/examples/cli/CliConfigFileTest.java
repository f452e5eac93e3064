package io.github.jackpot4j.examples.cli;

import static io.github.jackpot4j.examples.cli.CommandLineTest.B;
import static io.github.jackpot4j.examples.cli.CommandLineTest.K;
import static io.github.jackpot4j.examples.cli.CommandLineTest.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config actor.yaml}: a verl YAML file's Jackpot keys, read as YAML 1.2; metrics JSON written by Gson. */
class CliConfigFileTest {
    @TempDir
    Path dir;


    private CommandLineTest.Run weights(Path in, Path out, Path metrics, String... extra) {
        List<String> args = new ArrayList<>(List.of("weights", "--in", in.toString(), "--out", out.toString(),
                "--metrics", metrics.toString(), "--step", "4"));
        args.addAll(List.of(extra));
        return CommandLineTest.jackpot(args.toArray(String[]::new));
    }

    @Test
    void aVerlActorSectionConfiguresTheRunAndItsUnquotedThresholdStaysTwoSided() throws IOException {
        Path in = dir.resolve("b.npz");
        Files.write(in, NpzBytes.npz(NpzBytes.batch(CommandLineTest.arrays(), B, T, K), true));
        Path yaml = dir.resolve("ppo_trainer.yaml");
        Files.writeString(yaml, String.join("\n",
                "actor_rollout_ref:",
                "  actor:",
                "    strategy: fsdp",
                "    ppo_mini_batch_size: 256",
                "    jackpot_lambda: 0.5",
                "    rollout_is_threshold: 0.5_5",   // YAML 1.1 would read 0.55
                "    loss_agg_mode: seq-mean-token-mean",
                ""), StandardCharsets.UTF_8);
        Path viaYaml = dir.resolve("y.npz");
        Path viaSet = dir.resolve("s.npz");
        CommandLineTest.Run r = weights(in, viaYaml, dir.resolve("y.json"), "--config", yaml.toString());
        assertEquals(0, r.status, r.err);
        r = weights(in, viaSet, dir.resolve("s.json"), "--set", "jackpot_lambda=0.5", "--set", "rollout_is_threshold=0.5_5",
                "--set", "loss_agg_mode=seq-mean-token-mean");
        assertEquals(0, r.status, r.err);
        assertArrayEquals(NpzReader.read(viaSet).get("weights").floats(), NpzReader.read(viaYaml).get("weights").floats());
        JsonObject metrics = JsonParser.parseString(Files.readString(dir.resolve("y.json"))).getAsJsonObject();
        assertEquals(0.5, metrics.get("jackpot/lambda").getAsDouble(), 0.0);
        // --set overrides the file
        r = weights(in, dir.resolve("o.npz"), dir.resolve("o.json"), "--config", yaml.toString(), "--set", "jackpot_lambda=2");
        assertEquals(0, r.status, r.err);
        assertEquals(2.0, JsonParser.parseString(Files.readString(dir.resolve("o.json"))).getAsJsonObject()
                .get("jackpot/lambda").getAsDouble(), 0.0);
    }

    @Test
    void aMisspelledJackpotKeyOrAMissingSectionIsOneLineNamingIt() throws IOException {
        Path in = dir.resolve("b.npz");
        Files.write(in, NpzBytes.npz(NpzBytes.batch(CommandLineTest.arrays(), B, T, K), true));
        Path yaml = dir.resolve("a.yaml");
        Files.writeString(yaml, "actor:\n  jackpot_lamda: 0.5\n  jackpot_seed: 3\n", StandardCharsets.UTF_8);
        Path out = dir.resolve("r.npz");
        CommandLineTest.Run r = weights(in, out, dir.resolve("r.json"), "--config", yaml.toString());
        assertEquals(1, r.status, r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(r.err.contains("did you mean `jackpot_lambda`"), r.err);
        r = weights(in, out, dir.resolve("r.json"), "--config", yaml.toString(), "--config-section", "critic");
        assertEquals(1, r.status, r.err);
        assertTrue(r.err.contains("--config-section critic"), r.err);
        assertFalse(Files.exists(out));
    }
}
