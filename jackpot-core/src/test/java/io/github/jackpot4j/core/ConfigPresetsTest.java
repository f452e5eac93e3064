package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Named presets, a whole verl actor section, and the YAML-safe forms of the two-sided threshold. */
class ConfigPresetsTest {
    @Test
    void presetsAreTheMethodsOfTheDemoAndThePaper() {
        JackpotConfig ppo = JackpotConfig.ppo().build();
        assertFalse(ppo.useJackpot());
        assertEquals(ResidualCorrection.none(), ppo.residualCorrection());
        JackpotConfig tis = JackpotConfig.tis().build();
        assertFalse(tis.useJackpot());
        assertEquals(ResidualCorrection.truncate(2.0), tis.residualCorrection());
        JackpotConfig noClip = JackpotConfig.noClip().build();
        assertFalse(noClip.ppoClip());
        assertEquals(ResidualCorrection.none(), noClip.residualCorrection());
        assertEquals(JackpotConfig.defaults(), JackpotConfig.jackpot().build());
        // presets are builders: a user changes what differs
        assertEquals(0.5, JackpotConfig.jackpot().lambda(0.5).build().lambda(), 0.0);
    }

    @Test
    void aWholeVerlActorSectionGivesItsJackpotKeysAndReportsTheRest() {
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("strategy", "fsdp");
        actor.put("ppo_mini_batch_size", 256);
        actor.put("clip_ratio", 0.28);
        actor.put("loss_agg_mode", "seq-mean-token-mean");
        actor.put("jackpot_lambda", 0.5);
        List<String> others = new ArrayList<>();
        JackpotConfig c = JackpotConfig.fromSection(actor, others::add);
        assertEquals(0.5, c.lambda(), 0.0);
        assertEquals(0.28, c.clipRatio(), 0.0);
        assertEquals(LossAggMode.SEQ_MEAN_TOKEN_MEAN, c.lossAggMode());
        assertEquals(List.of("strategy", "ppo_mini_batch_size"), others);
        // fromMap stays strict, and a misspelled Jackpot key is an error even in a section
        IllegalArgumentException strict = assertThrows(IllegalArgumentException.class, () -> JackpotConfig.fromMap(actor));
        assertTrue(strict.getMessage().startsWith("unknown key `strategy`"), strict.getMessage());
        actor.put("jackpot_lamda", 0.7);
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.fromSection(actor, k -> { }));
        assertTrue(typo.getMessage().contains("did you mean `jackpot_lambda`"), typo.getMessage());
    }

    @Test
    void theTwoSidedThresholdHasAYamlSafeFormAndTheMisreadOneIsRefused() {
        assertEquals(ResidualCorrection.icepop(0.5, 5.0),
                JackpotConfig.fromMap(Map.of("rollout_is_threshold", List.of(0.5, 5))).residualCorrection());
        assertEquals(ResidualCorrection.icepop(0.5, 5.0),
                JackpotConfig.fromMap(Map.of("rollout_is_threshold", "0.5_5")).residualCorrection());
        // YAML 1.1 reads an unquoted 0.5_5 as the float 0.55: refused, with the cure
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.fromMap(Map.of("rollout_is_threshold", 0.55)));
        assertTrue(e.getMessage().startsWith("rollout_is_threshold = 0.55 is not a truncation C >= 1"), e.getMessage());
        assertTrue(e.getMessage().contains("[0.5, 5]"), e.getMessage());
        // in code a truncation below 1 stays possible
        assertEquals(ResidualCorrection.truncate(0.5),
                JackpotConfig.builder().rolloutIsThreshold(ResidualCorrection.truncate(0.5)).build().residualCorrection());
        // F is switched off by rollout_is, not by a threshold
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.builder().rolloutIsThreshold(ResidualCorrection.none()).build());
        assertTrue(none.getMessage().contains("rollout_is = none"), none.getMessage());
        assertEquals(RolloutIs.NONE, JackpotConfig.fromMap(Map.of("rollout_is", "none")).rolloutIs());
    }
}
