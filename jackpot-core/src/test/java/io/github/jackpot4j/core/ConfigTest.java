package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** MATH.md §11: the verl keys in and out, and errors that name the key (the defaults: {@link ConfigKeysTest}). */
class ConfigTest {
    @Test
    void everyKeyIsReadFromAMapOfStringsNumbersAndBooleans() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_jackpot", "false");
        m.put("jackpot_log_probs_to_keep", 8);
        m.put("jackpot_lambda", "0.5");
        m.put("jackpot_clip_ratio", 2.5f);
        m.put("jackpot_use_latest_logits", false);
        m.put("jackpot_use_topk_renorm", "TRUE");
        m.put("jackpot_mask_only", true);
        m.put("jackpot_target", "reference");
        m.put("jackpot_bias_correction", false);
        m.put("jackpot_acceptance_estimate", "expected");
        m.put("jackpot_missing_rollout_prob", "bound");
        m.put("jackpot_target_acceptance", 0.9);
        m.put("jackpot_seed", "12345678901");
        m.put("rollout_is", "token");
        m.put("rollout_is_threshold", "0.5_5.0");
        m.put("clip_ratio", 0.3);
        m.put("clip_ratio_low", "0.1");
        m.put("clip_ratio_high", 0.28);
        m.put("clip_ratio_c", 10);
        m.put("ppo_clip", "false");
        m.put("loss_agg_mode", "seq-mean-token-sum-norm");
        m.put("loss_scale_factor", 4096);
        JackpotConfig c = JackpotConfig.fromMap(m);
        assertEquals(false, c.useJackpot());
        assertEquals(8, c.topK());
        assertEquals(0.5, c.lambda(), 0.0);
        assertEquals(2.5, c.weightClip(), 0.0);
        assertEquals(false, c.useLatestLogits());
        assertEquals(true, c.useTopkRenorm());
        assertEquals(true, c.maskOnly());
        assertEquals(Target.REFERENCE, c.target());
        assertEquals(false, c.biasCorrection());
        assertEquals(AcceptanceEstimate.EXPECTED, c.acceptanceEstimate());
        assertEquals(MissingRolloutProb.BOUND, c.missingRolloutProb());
        assertEquals(0.9, c.targetAcceptance(), 0.0);
        assertEquals(12345678901L, c.seed());
        assertEquals(ResidualCorrection.icepop(0.5, 5.0), c.residualCorrection());
        assertEquals(0.3, c.clipRatio(), 0.0);
        assertEquals(0.1, c.clipRatioLow(), 0.0);
        assertEquals(0.28, c.clipRatioHigh(), 0.0);
        assertEquals(10.0, c.dualClip(), 0.0);
        assertEquals(false, c.ppoClip());
        assertEquals(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM, c.lossAggMode());
        assertEquals(4096.0, c.lossScaleFactor(), 0.0);
        assertEquals(c, JackpotConfig.fromMap(c.toMap()));
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void propertiesCarryTheSameKeys() {
        Properties p = new Properties();
        p.setProperty("jackpot_lambda", "0.25");
        p.setProperty("rollout_is_threshold", "inf");
        p.setProperty("rollout_is", "none");
        JackpotConfig c = JackpotConfig.fromProperties(p);
        assertEquals(0.25, c.lambda(), 0.0);
        assertEquals(ResidualCorrection.none(), c.residualCorrection());
        assertEquals("inf", c.toMap().get("rollout_is_threshold"));
    }

    @Test
    void unknownKeySuggestsTheClosestOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.fromMap(Map.of("jackpot_lamda", 0.5)));
        assertTrue(e.getMessage().startsWith("unknown key `jackpot_lamda` (did you mean `jackpot_lambda`?)"),
                e.getMessage());
    }

    private static void assertRejected(String key, Object value, String messageStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JackpotConfig.fromMap(Map.of(key, value)), key + " = " + value);
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }

    @Test
    void outOfRangeValuesNameTheirKey() {
        assertRejected("jackpot_lambda", 0, "jackpot_lambda = 0.0 must be > 0");
        assertRejected("jackpot_lambda", "-1", "jackpot_lambda = -1.0 must be > 0");
        assertRejected("jackpot_lambda", "inf", "jackpot_lambda = Infinity must be > 0 and finite");
        assertRejected("jackpot_lambda", "abc", "jackpot_lambda = abc is not a number");
        assertRejected("jackpot_clip_ratio", 0.0, "jackpot_clip_ratio = 0.0 must be > 0");
        assertRejected("clip_ratio", 1.0, "clip_ratio = 1.0 must be in [0, 1)");
        assertRejected("clip_ratio_low", -0.1, "clip_ratio_low = -0.1 must be in [0, 1)");
        assertRejected("clip_ratio_high", -0.1, "clip_ratio_high = -0.1 must be >= 0");
        assertRejected("clip_ratio_c", 1.0, "clip_ratio_c = 1.0 must be > 1");
        assertRejected("jackpot_target_acceptance", 0.0, "jackpot_target_acceptance = 0.0 must be in (0, 1]");
        assertRejected("jackpot_target_acceptance", 1.5, "jackpot_target_acceptance = 1.5 must be in (0, 1]");
        assertRejected("jackpot_log_probs_to_keep", 0, "jackpot_log_probs_to_keep = 0 must be >= 1");
        assertRejected("jackpot_log_probs_to_keep", 2.5, "jackpot_log_probs_to_keep = 2.5 is not a whole number");
        assertRejected("loss_agg_mode", "mean", "loss_agg_mode = mean is not one of token-mean | token-sum");
        assertRejected("rollout_is_threshold", "5_1", "rollout_is_threshold = \"5.0_1.0\" must satisfy 0 <= LO < HI");
        assertRejected("rollout_is_threshold", "-2", "rollout_is_threshold = -2.0 must be > 0");
        assertRejected("rollout_is", "sequence", "rollout_is = sequence is not one of token | none");
        assertRejected("jackpot_target", "newest", "jackpot_target = newest is not one of latest | reference");
        assertRejected("use_jackpot", "yes", "use_jackpot = yes is not a boolean");
        assertRejected("loss_scale_factor", 0, "loss_scale_factor = 0.0 must be > 0");
    }

    @Test
    void batchTopKMustMatchTheConfiguredK() {
        JackpotBatch b = HandComputedTest.oneToken(0.5f).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(JackpotConfig.defaults(), b));
        assertEquals("the batch's top-k lists have k = 2 but jackpot_log_probs_to_keep = 20", e.getMessage());
    }
}
