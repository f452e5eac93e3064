package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** GRPO outcome advantages Â = (R − mean_g)/(std_g + 1e-6) per prompt group (MATH.md §7). */
class GroupAdvantagesTest {
    @Test
    void oneGroupUsesTheUnbiasedStandardDeviation() {
        // R = {1, 0, 1, 0}: mean 0.5; squared deviations 4·0.25 = 1; unbiased variance 1/(4−1) = 1/3;
        // std = √(1/3) = 0.5773503; Â = ±0.5/(0.5773503 + 1e-6) = ±0.8660239
        double[] a = GroupAdvantages.perSequence(new double[] {1, 0, 1, 0}, new long[] {7, 7, 7, 7}, true);
        assertArrayEquals(new double[] {0.8660239, -0.8660239, 0.8660239, -0.8660239}, a, 1e-7);
    }

    @Test
    void groupsAreNormalizedSeparatelyInAnyOrder() {
        // group 0: R = {1, 2, 3}, mean 2, std √((1 + 0 + 1)/2) = 1: Â = {−1, 0, 1}/(1 + 1e-6)
        // group 1: R = {5, 5}, mean 5, std 0: Â = 0/(0 + 1e-6) = 0
        double[] a = GroupAdvantages.perSequence(new double[] {1, 5, 2, 5, 3}, new long[] {0, 1, 0, 1, 0}, true);
        double d = 1 / (1 + 1e-6);
        assertArrayEquals(new double[] {-d, 0, 0, 0, d}, a, 1e-12);
    }

    @Test
    void withoutStdScalingOnlyTheMeanIsSubtracted() {
        // {1, 2, 3} − 2 and {5, 5} − 5
        double[] a = GroupAdvantages.perSequence(new double[] {1, 5, 2, 5, 3}, new long[] {0, 1, 0, 1, 0}, false);
        assertArrayEquals(new double[] {-1, 0, 0, 0, 1}, a, 1e-12);
    }

    @Test
    void aGroupOfOneHasMeanZeroAndStdOne() {
        // R = 3 alone: Â = (3 − 0)/(1 + 1e-6) = 2.999997; without std scaling 3 − 0 = 3
        assertEquals(3 / (1 + 1e-6), GroupAdvantages.perSequence(new double[] {3}, new long[] {9}, true)[0], 1e-12);
        assertEquals(3.0, GroupAdvantages.perSequence(new double[] {3}, new long[] {9}, false)[0], 0.0);
    }

    @Test
    void mismatchedLengthsAreAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GroupAdvantages.perSequence(new double[] {1, 2, 3}, new long[] {0, 0}, true));
        assertEquals("rewards has 3 entries but group_ids has 2", e.getMessage());
    }

    @Test
    void aNonFiniteRewardIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GroupAdvantages.perSequence(new double[] {1, Double.NaN}, new long[] {0, 0}, true));
        assertEquals("rewards[1] = NaN is not finite", e.getMessage());
    }

    @Test
    void perTokenBroadcastsOverValidTokens() {
        // Â = {1.5, −2} over T = 3, with row 1's last token padding
        float[] a = GroupAdvantages.perToken(new double[] {1.5, -2}, 3, new float[] {1, 1, 1, 1, 1, 0});
        assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f, -2f, -2f, 0f}, a, 0f);
        assertArrayEquals(new float[] {1.5f, 1.5f, -2f, -2f}, GroupAdvantages.perToken(new double[] {1.5, -2}, 2, null),
                0f);
    }
}
