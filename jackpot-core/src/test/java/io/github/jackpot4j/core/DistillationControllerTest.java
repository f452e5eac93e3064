package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import org.junit.jupiter.api.Test;

class DistillationControllerTest {
    private final DistillationController controller = new DistillationController(0.1, 1.0, 0.01, 10.0, 0.5, 0.0);

    @Test
    void klAboveTargetRaisesTheWeightByTanhOfTheRelativeError() {
        // e = (0.2 − 0.1)/0.1 = 1, λ = 1·exp(0.5·tanh 1) = exp(0.5·0.761594...) = 1.463...
        DistillationController.State s = controller.update(controller.initial(), 0.2);
        assertEquals(Math.exp(0.5 * 0.7615941559557649), s.weight(), 1e-12);
    }

    @Test
    void klBelowTargetLowersTheWeight() {
        // e = (0.05 − 0.1)/0.1 = −0.5, λ = exp(0.5·tanh(−0.5)) = exp(−0.5·0.462117...) = 0.7937...
        DistillationController.State s = controller.update(controller.initial(), 0.05);
        assertEquals(Math.exp(-0.5 * 0.46211715726000974), s.weight(), 1e-12);
    }

    @Test
    void klOnTargetKeepsTheWeight() {
        assertEquals(1.0, controller.update(controller.initial(), 0.1).weight(), 0.0);
    }

    @Test
    void smoothingAveragesThePastMeasurement() {
        DistillationController smooth = new DistillationController(0.1, 1.0, 0.01, 10.0, 0.5, 0.75);
        DistillationController.State s = smooth.update(smooth.initial(), 0.3); // s_1 = 0.3 (first measurement)
        s = smooth.update(s, 0.1);                                             // s_2 = 0.75·0.3 + 0.25·0.1 = 0.25
        assertEquals(0.25, s.smoothedKl(), 1e-15);
        assertEquals(2, s.updates());
    }

    @Test
    void weightSaturatesAtItsBounds() {
        DistillationController.State s = controller.initial();
        for (int i = 0; i < 100; i++) {
            s = controller.update(s, 5.0);
        }
        assertEquals(10.0, s.weight(), 0.0);
        for (int i = 0; i < 100; i++) {
            s = controller.update(s, 0.0);
        }
        assertEquals(0.01, s.weight(), 0.0);
    }

    @Test
    void badArgumentsNameTheParameter() {
        assertThrows(IllegalArgumentException.class, () -> controller.update(controller.initial(), Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DistillationController(0.1, 20.0, 0.01, 10.0, 0.5, 0.0));
        assertTrue(e.getMessage().startsWith("initialWeight = 20.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DistillationController(0.0, 1, 0.01, 10, 0.5, 0));
        assertTrue(e.getMessage().startsWith("targetKl"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DistillationController(0.1, 1, 0.01, 10, 0.5, 1.0));
        assertTrue(e.getMessage().startsWith("smoothing"), e.getMessage());
    }

    @Test
    void weightStaysInBoundsMovesTowardTheTargetAndStepsAtMostByEToTheGain() {
        qt().withFixedSeed(20261125L).withExamples(300)
                .forAll(lists().of(doubles().between(0.0, 2.0)).ofSizeBetween(1, 40))
                .checkAssert((List<Double> kls) -> {
                    DistillationController.State s = controller.initial();
                    for (double kl : kls) {
                        DistillationController.State next = controller.update(s, kl);
                        assertTrue(next.weight() >= 0.01 && next.weight() <= 10.0, "out of bounds: " + next);
                        double step = Math.log(next.weight() / s.weight());
                        assertTrue(Math.abs(step) < 0.5 + 1e-12, "step too large: " + step);
                        if (kl > 0.1) {
                            assertTrue(next.weight() >= s.weight(), "KL above target must not lower λ: " + kl);
                        } else if (kl < 0.1) {
                            assertTrue(next.weight() <= s.weight(), "KL below target must not raise λ: " + kl);
                        }
                        s = next;
                    }
                });
    }
}
