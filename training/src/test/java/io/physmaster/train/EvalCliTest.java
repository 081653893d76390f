package io.physmaster.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code physmaster eval} end to end on a tiny model: 2 scenes per split, 2 steps, a zero-phys variant. */
class EvalCliTest {

    /** The proxy task's clip (16 frames of 32 px) with the smallest DiT that fits it. */
    static final ModelConfig TINY_CLIP = new ModelConfig(16, 32, 8, 16, 2, 1, 4, 8);

    @TempDir
    static Path dir;
    static Path model;
    static Path ditOnly;

    @BeforeAll
    static void checkpoints() throws Exception {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            model = dir.resolve("tiny.pmck");
            Checkpoint.save(model, "model", TINY_CLIP, ZeroPhysTest.conditioned(TINY_CLIP, m, 3), 0, Map.of(),
                    Map.of());
            ditOnly = dir.resolve("dit-only.pmck");
            Checkpoint.save(ditOnly, "model", TINY_CLIP.withoutPhysEncoder(),
                    Models.create(TINY_CLIP.withoutPhysEncoder(), m), 0, Map.of(), Map.of());
        }
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new EvalCli());
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void smallEvalReportsEveryMetricWithIntervalsAndTheZeroPhysChange() throws Exception {
        Path out = dir.resolve("eval/tiny");
        StringWriter err = new StringWriter();
        int code = run(err, "--model", "tiny=" + model, "--model", "tiny-zero=" + model, "--zero-phys", "tiny-zero",
                "--scenes", "2", "--steps", "2", "--batch", "2", "--out", out.toString());
        assertEquals(0, code, err.toString());

        JsonNode rows = new ObjectMapper().readTree(Files.readString(Path.of(out + ".json")));
        int metrics = EvalMetric.values().length;
        assertEquals(3 * 3 * metrics, rows.size(), "static, tiny, tiny-zero x seen, unseen, avg x metrics");
        Set<String> seen = new HashSet<>();
        for (JsonNode r : rows) {
            seen.add(r.get("variant").asText() + "/" + r.get("split").asText() + "/" + r.get("metric").asText());
            String variant = r.get("variant").asText();
            assertEquals(variant.equals("tiny"), r.get("vs").isNull(), "the first --model is the reference: " + r);
            if (r.get("metric").asText().equals("l2")) {
                double v = r.get("value").asDouble();
                assertTrue(r.get("lo").asDouble() <= v && v <= r.get("hi").asDouble(), r.toString());
                if (!variant.equals("tiny")) {
                    assertEquals("relative", r.get("diff_kind").asText());
                    assertTrue(r.get("diff_lo").asDouble() <= r.get("diff").asDouble()
                            && r.get("diff").asDouble() <= r.get("diff_hi").asDouble(), r.toString());
                }
            }
        }
        assertEquals(rows.size(), seen.size(), "one object per variant x split x metric");
        for (EvalMetric m : EvalMetric.values()) {
            assertTrue(seen.contains("tiny-zero/unseen/" + m.key), m.key);
        }

        String md = Files.readString(Path.of(out + ".md"));
        for (String column : new String[] {"one piece", "area change", "ghost", "colour shift", "gravity within 10 %"}) {
            assertTrue(md.contains(" | " + column + " |"), column);
        }
        assertTrue(md.contains("Against tiny (paired"), md);
        assertTrue(md.contains("| tiny-zero | "), md);
        assertTrue(md.contains("--zero-phys tiny-zero"), "the reproduce command names the zero-phys variant");
        assertTrue(Files.size(Path.of(out + "-seen.png")) > 0 && Files.size(Path.of(out + "-unseen.png")) > 0);
        assertTrue(Files.size(Path.of(out + "-plot.png")) > 0, "the figure is drawn from the JSON");
    }

    @Test
    void zeroPhysNeedsAKnownVariantWithAPhysEncoder() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "--model", "tiny=" + model, "--zero-phys", "stage9", "--out",
                dir.resolve("x").toString()));
        assertTrue(err.toString().contains("--zero-phys stage9: no --model of that name"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(err2, "--model", "dit=" + ditOnly, "--zero-phys", "dit", "--out",
                dir.resolve("y").toString()));
        assertTrue(err2.toString().contains("has no PhysEncoder"), err2.toString());
        assertFalse(Files.exists(dir.resolve("y.json")), "nothing evaluated");
    }
}
