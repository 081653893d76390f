package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DpoTrainerSettingsTest {

    @Test
    void autoStepsMakeOnePassOverTheBatch() {
        DpoTrainerSettings s = DpoTrainerSettings.fromEnv(Map.of());
        assertEquals(0, s.stepsPerBatch(), "default is auto");
        assertEquals(8, s.steps(64));
        assertEquals(9, s.steps(65));
        assertEquals(1, s.steps(3));
        assertEquals(3e-4f, s.learningRate());
    }

    @Test
    void explicitStepsAreKeptAndBadOnesRefused() {
        assertEquals(20, DpoTrainerSettings.fromEnv(Map.of("PHYSMASTER_DPO_STEPS", "20")).steps(64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DpoTrainerSettings.fromEnv(Map.of("PHYSMASTER_DPO_STEPS", "-3")));
        assertTrue(e.getMessage().contains("PHYSMASTER_DPO_STEPS"), e.getMessage());
    }
}
