package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link JackpotConfig}: the keys and defaults of MATH.md §11, parsing, round trips and validation. */
class ConfigKeysTest {
    @Test
    void builderDefaultsAreTheDefaultsOfTheSpec() {
        JackpotConfig c = JackpotConfig.builder().build();
        assertTrue(c.useJackpot());
        assertEquals(20, c.topK());
        assertEquals(1.0, c.lambda(), 0.0);
        assertEquals(3.0, c.weightClip(), 0.0);
        assertTrue(c.useLatestLogits());
        assertFalse(c.useTopkRenorm());
        assertFalse(c.maskOnly());
        assertEquals(Target.LATEST, c.target());
        assertTrue(c.biasCorrection());
        assertEquals(AcceptanceEstimate.SAMPLED, c.acceptanceEstimate());
        assertEquals(MissingRolloutProb.ZERO, c.missingRolloutProb());
        assertFalse(c.budgetMode());
        assertTrue(Double.isNaN(c.targetAcceptance()));
        assertEquals(0L, c.seed());
        assertEquals(ResidualCorrection.truncate(2.0), c.residualCorrection());
        assertEquals(0.2, c.clipRatio(), 0.0);
        assertEquals(0.2, c.clipRatioLow(), 0.0);
        assertEquals(0.2, c.clipRatioHigh(), 0.0);
        assertEquals(3.0, c.dualClip(), 0.0);
        assertTrue(c.ppoClip());
        assertEquals(LossAggMode.TOKEN_MEAN, c.lossAggMode());
        assertTrue(Double.isNaN(c.lossScaleFactor()));
        assertEquals(c, JackpotConfig.defaults());
    }

    @Test
    void toMapOfTheDefaultsSpellsOutEveryKeyInSpecOrder() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("use_jackpot", true);
        expected.put("jackpot_log_probs_to_keep", 20);
        expected.put("jackpot_lambda", 1.0);
        expected.put("jackpot_clip_ratio", 3.0);
        expected.put("jackpot_use_latest_logits", true);
        expected.put("jackpot_use_topk_renorm", false);
        expected.put("jackpot_mask_only", false);
        expected.put("jackpot_target", "latest");
        expected.put("jackpot_bias_correction", true);
        expected.put("jackpot_acceptance_estimate", "sampled");
        expected.put("jackpot_missing_rollout_prob", "zero");
        expected.put("jackpot_target_acceptance", null);
        expected.put("jackpot_seed", 0L);
        expected.put("rollout_is", "token");
        expected.put("rollout_is_threshold", "2.0");
        expected.put("clip_ratio", 0.2);
        expected.put("clip_ratio_low", null);
        expected.put("clip_ratio_high", null);
        expected.put("clip_ratio_c", 3.0);
        expected.put("ppo_clip", true);
        expected.put("loss_agg_mode", "token-mean");
        expected.put("loss_scale_factor", null);
        Map<String, Object> actual = JackpotConfig.defaults().toMap();
        assertEquals(expected, actual);
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
        assertEquals(JackpotConfig.KEYS, new ArrayList<>(actual.keySet()));
    }

    /** Every key with a non-default value, as a YAML loader hands them over: all strings. */
    private static Map<String, Object> everyKeyAsStrings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_jackpot", "true");
        m.put("jackpot_log_probs_to_keep", "5");
        m.put("jackpot_lambda", "0.5");
        m.put("jackpot_clip_ratio", "2.5");
        m.put("jackpot_use_latest_logits", "false");
        m.put("jackpot_use_topk_renorm", "true");
        m.put("jackpot_mask_only", "true");
        m.put("jackpot_target", "reference");
        m.put("jackpot_bias_correction", "false");
        m.put("jackpot_acceptance_estimate", "expected");
        m.put("jackpot_missing_rollout_prob", "bound");
        m.put("jackpot_target_acceptance", "0.8");
        m.put("jackpot_seed", "42");
        m.put("rollout_is", "token");
        m.put("rollout_is_threshold", "0.5_5.0");
        m.put("clip_ratio", "0.1");
        m.put("clip_ratio_low", "0.15");
        m.put("clip_ratio_high", "0.28");
        m.put("clip_ratio_c", "4");
        m.put("ppo_clip", "false");
        m.put("loss_agg_mode", "seq-mean-token-mean");
        m.put("loss_scale_factor", "1024");
        return m;
    }

    @Test
    void fromMapReadsEveryKeyFromStrings() {
        JackpotConfig c = JackpotConfig.fromMap(everyKeyAsStrings());
        assertTrue(c.useJackpot());
        assertEquals(5, c.topK());
        assertEquals(0.5, c.lambda(), 0.0);
        assertEquals(2.5, c.weightClip(), 0.0);
        assertFalse(c.useLatestLogits());
        assertTrue(c.useTopkRenorm());
        assertTrue(c.maskOnly());
        assertEquals(Target.REFERENCE, c.target());
        assertFalse(c.biasCorrection());
        assertEquals(AcceptanceEstimate.EXPECTED, c.acceptanceEstimate());
        assertEquals(MissingRolloutProb.BOUND, c.missingRolloutProb());
        assertTrue(c.budgetMode());
        assertEquals(0.8, c.targetAcceptance(), 0.0);
        assertEquals(42L, c.seed());
        assertEquals(ResidualCorrection.icepop(0.5, 5.0), c.residualCorrection());
        assertEquals(0.1, c.clipRatio(), 0.0);
        assertEquals(0.15, c.clipRatioLow(), 0.0);
        assertEquals(0.28, c.clipRatioHigh(), 0.0);
        assertEquals(4.0, c.dualClip(), 0.0);
        assertFalse(c.ppoClip());
        assertEquals(LossAggMode.SEQ_MEAN_TOKEN_MEAN, c.lossAggMode());
        assertEquals(1024.0, c.lossScaleFactor(), 0.0);
    }

    @Test
    void fromMapReadsTypedNumbersAndBooleansTheSameWay() {
        Map<String, Object> m = everyKeyAsStrings();
        m.put("use_jackpot", Boolean.TRUE);
        m.put("jackpot_log_probs_to_keep", 5);
        m.put("jackpot_lambda", 0.5);
        m.put("jackpot_clip_ratio", 2.5f);
        m.put("jackpot_use_latest_logits", false);
        m.put("jackpot_use_topk_renorm", true);
        m.put("jackpot_mask_only", true);
        m.put("jackpot_bias_correction", false);
        m.put("jackpot_target_acceptance", 0.8);
        m.put("jackpot_seed", 42L);
        m.put("clip_ratio", 0.1);
        m.put("clip_ratio_low", 0.15);
        m.put("clip_ratio_high", 0.28);
        m.put("clip_ratio_c", 4);
        m.put("ppo_clip", false);
        m.put("loss_scale_factor", 1024);
        assertEquals(JackpotConfig.fromMap(everyKeyAsStrings()), JackpotConfig.fromMap(m));
    }

    @Test
    void missingKeysTakeTheirDefaults() {
        assertEquals(JackpotConfig.defaults(), JackpotConfig.fromMap(Map.of()));
        assertEquals(JackpotConfig.builder().lambda(2.0).build(), JackpotConfig.fromMap(Map.of("jackpot_lambda", 2)));
    }

    @Test
    void toMapRoundTrips() {
        JackpotConfig custom = JackpotConfig.fromMap(everyKeyAsStrings());
        assertEquals(custom, JackpotConfig.fromMap(custom.toMap()));
        assertEquals(JackpotConfig.defaults(), JackpotConfig.fromMap(JackpotConfig.defaults().toMap()));
        assertNotEquals(JackpotConfig.defaults(), custom);
        // the special threshold values survive too
        JackpotConfig inf = JackpotConfig.builder().rolloutIsThreshold(ResidualCorrection.truncate(Double.POSITIVE_INFINITY))
                .build();
        assertEquals("inf", inf.toMap().get("rollout_is_threshold"));
        assertEquals(inf, JackpotConfig.fromMap(inf.toMap()));
        JackpotConfig none = JackpotConfig.builder().rolloutIs(RolloutIs.NONE).build();
        assertEquals("none", none.toMap().get("rollout_is"));
        assertEquals(ResidualCorrection.none(), JackpotConfig.fromMap(none.toMap()).residualCorrection());
    }

    @Test
    void fromPropertiesReadsTheSameKeys() {
        Properties props = new Properties();
        everyKeyAsStrings().forEach((k, v) -> props.setProperty(k, v.toString()));
        assertEquals(JackpotConfig.fromMap(everyKeyAsStrings()), JackpotConfig.fromProperties(props));
    }

    @Test
    void rolloutIsAndThresholdSpellings() {
        assertEquals(ResidualCorrection.none(), JackpotConfig.fromMap(Map.of("rollout_is", "none")).residualCorrection());
        assertEquals(ResidualCorrection.truncate(Double.POSITIVE_INFINITY),
                JackpotConfig.fromMap(Map.of("rollout_is_threshold", "inf")).residualCorrection());
        assertEquals(ResidualCorrection.truncate(3.0),
                JackpotConfig.fromMap(Map.of("rollout_is_threshold", 3)).residualCorrection());
    }

    @Test
    void anUnknownKeySuggestsTheClosestKnownKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.fromMap(Map.of("jackpot_lamda", 0.5)));
        assertTrue(e.getMessage().startsWith("unknown key `jackpot_lamda` (did you mean `jackpot_lambda`?)"),
                e.getMessage());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("jackpot_lambda", 0, "jackpot_lambda = 0.0 must be > 0 and finite"),
                Arguments.of("jackpot_lambda", -1.5, "jackpot_lambda = -1.5 must be > 0 and finite"),
                Arguments.of("jackpot_lambda", "inf", "jackpot_lambda = Infinity must be > 0 and finite"),
                Arguments.of("jackpot_lambda", "abc", "jackpot_lambda = abc is not a number"),
                Arguments.of("jackpot_clip_ratio", 0, "jackpot_clip_ratio = 0.0 must be > 0 and finite"),
                Arguments.of("jackpot_log_probs_to_keep", 0, "jackpot_log_probs_to_keep = 0 must be >= 1"),
                Arguments.of("clip_ratio", 1.0, "clip_ratio = 1.0 must be in [0, 1)"),
                Arguments.of("clip_ratio", -0.1, "clip_ratio = -0.1 must be in [0, 1)"),
                Arguments.of("clip_ratio_low", 1.2, "clip_ratio_low = 1.2 must be in [0, 1)"),
                Arguments.of("clip_ratio_high", -0.1, "clip_ratio_high = -0.1 must be >= 0 and finite"),
                Arguments.of("clip_ratio_c", 1.0, "clip_ratio_c = 1.0 must be > 1 and finite"),
                Arguments.of("jackpot_target_acceptance", 0, "jackpot_target_acceptance = 0.0 must be in (0, 1]"),
                Arguments.of("jackpot_target_acceptance", 1.5, "jackpot_target_acceptance = 1.5 must be in (0, 1]"),
                Arguments.of("loss_scale_factor", 0, "loss_scale_factor = 0.0 must be > 0 and finite"),
                Arguments.of("loss_agg_mode", "mean", "loss_agg_mode = mean is not one of token-mean | token-sum"
                        + " | seq-mean-token-sum | seq-mean-token-mean | seq-mean-token-sum-norm"),
                Arguments.of("rollout_is_threshold", "5_1", "rollout_is_threshold = \"5.0_1.0\" must satisfy"
                        + " 0 <= LO < HI < inf"),
                Arguments.of("rollout_is_threshold", "abc", "rollout_is_threshold = \"abc\" is neither a number C,"
                        + " \"inf\", nor \"LO_HI\" such as \"0.5_5.0\""),
                Arguments.of("rollout_is_threshold", "0", "rollout_is_threshold = 0.0 must be > 0 (or inf)"),
                Arguments.of("rollout_is", "sequence", "rollout_is = sequence is not one of token | none"
                        + " (sequence-level IS is not part of MATH.md)"),
                Arguments.of("use_jackpot", "yes", "use_jackpot = yes is not a boolean (true or false)"),
                Arguments.of("jackpot_target", "newest", "jackpot_target = newest is not one of latest | reference"),
                Arguments.of("jackpot_seed", 1.5, "jackpot_seed = 1.5 is not a whole number"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badValues")
    void everyBadValueNamesItsKey(String key, Object value, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JackpotConfig.fromMap(m));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aRequiredKeyCannotBeNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_jackpot", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JackpotConfig.fromMap(m));
        assertEquals("use_jackpot = null: this key has no unset state; leave it out to get the default true",
                e.getMessage());
    }

    @Test
    void theBuilderValidatesToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.builder().lambda(Double.NaN).build());
        assertEquals("jackpot_lambda = NaN must be > 0 and finite", e.getMessage());
    }

    @Test
    void aBatchWhoseKDiffersFromTheConfigIsAnError() {
        // The helper's lists have k = 1; the default config expects k = 20.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(JackpotConfig.defaults(), Batches.of(1, 2).build()));
        assertEquals("the batch's top-k lists have k = 1 but jackpot_log_probs_to_keep = 20", e.getMessage());
    }

    @Test
    void equalConfigsAreEqualWithEqualHashCodes() {
        JackpotConfig a = JackpotConfig.builder().lambda(0.5).seed(3).build();
        JackpotConfig b = JackpotConfig.fromMap(Map.of("jackpot_lambda", "0.5", "jackpot_seed", 3));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(List.copyOf(a.toMap().keySet()), JackpotConfig.KEYS);
    }
}
