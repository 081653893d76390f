package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard page in real headless Chromium: versions table, learning curve, videos, lag, dead letters. */
@ExtendWith(LocalStackExtension.class)
class DashboardPageIT {

    @TempDir
    Path dir;

    @Test
    void pageShowsVersionsCurveVideosLagAndDeadLettersAndRefusesCallsWithoutTheToken() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String run = UUID.randomUUID().toString().substring(0, 6);
        String token = AnnotatorTokens.newToken();
        // Four versions, each trained from the one before, with the gate's figures as the trainer records them.
        List<String> ids = new ArrayList<>();
        List<EncoderVersion> versions = new ArrayList<>();
        double[][] figures = {{-0.004, -0.019, 0.011}, {-0.012, -0.024, 0.001}, {-0.018, -0.031, -0.006},
                {-0.026, -0.040, -0.013}};
        for (int i = 0; i < figures.length; i++) {
            String id = String.format("online-%04d-page%s", i + 1, run);
            versions.add(DashboardRecords.version(id, i == 0 ? "stage1" : ids.get(i - 1), figures[i][0],
                    figures[i][1], figures[i][2], 0.52 + figures[i][0]));
            ids.add(id);
        }
        DashboardRecords.versions(stack, versions.toArray(EncoderVersion[]::new));
        String request = AnnotatorVideos.publishPair(stack, blobs);
        String group = "dash-page-worker-" + run;
        DashboardRecords.commit(stack, group, Topics.GENERATED_VIDEOS.name(), false);
        String component = "page-it-" + run;
        DashboardRecords.deadLetter(stack, component + "/w-1", "first frame not found in the blob store");
        DashboardRecords.deadLetter(stack, component + "/w-1", "gave up after 3 attempts: registry unavailable");

        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        DashboardSettings board = DashboardSettings.defaults().withGroup("worker", group)
                .withLagInterval(Duration.ofSeconds(1));
        try (AnnotatorServer server = new AnnotatorServer(settings, Map.of(token, "tester"),
                AnnotatorServer.DEFAULT_HOST, 0, board);
             HeadlessChromium chrome = new HeadlessChromium(server.dashboardUrl("tester"))) {
            ObjectMapper json = new ObjectMapper();
            chrome.call("Emulation.setDeviceMetricsOverride", json.createObjectNode().put("width", 1280)
                    .put("height", 1180).put("deviceScaleFactor", 1).put("mobile", false));
            String last = ids.get(ids.size() - 1);
            chrome.waitFor("document.querySelectorAll('#versions tbody tr[data-version$=\"page" + run + "\"]')"
                    + ".length === 4", Duration.ofSeconds(60));
            chrome.waitFor("document.querySelectorAll('#curve circle.point[data-version$=\"page" + run + "\"]')"
                    + ".length === 4", Duration.ofSeconds(30));

            // The table as a person reads it: each version with its parent and the gate's interval.
            String row = chrome.eval("document.querySelector('#versions tr[data-version=\"" + last + "\"]')"
                    + ".innerText").asText();
            assertTrue(row.contains(ids.get(2)), row);
            assertTrue(row.contains("change_vs_anchor -0.026 [-0.04, -0.013]"), row);
            // The curve: our points in publication order, at heights in the order of their values, with a band,
            // whiskers, ticks on both axes and the zero baseline of a change.
            JsonNode ys = chrome.eval("[...document.querySelectorAll('#curve circle.point[data-version$=\"page"
                    + run + "\"]')].map(c => [c.getAttribute('data-version'), +c.getAttribute('cx'),"
                    + " +c.getAttribute('cy')])");
            for (int i = 0; i < 4; i++) {
                assertEquals(ids.get(i), ys.get(i).get(0).asText());
                if (i > 0) {
                    assertTrue(ys.get(i).get(1).asDouble() > ys.get(i - 1).get(1).asDouble(), "x grows");
                    assertTrue(ys.get(i).get(2).asDouble() > ys.get(i - 1).get(2).asDouble(),
                            "a lower change is drawn lower");
                }
            }
            assertEquals(1, chrome.eval("document.querySelectorAll('#curve path.band').length").asInt());
            assertTrue(chrome.eval("document.querySelectorAll('#curve line.whisker').length").asInt() >= 4);
            assertTrue(chrome.eval("document.querySelectorAll('#curve text.ytick').length").asInt() >= 3);
            assertTrue(chrome.eval("document.querySelectorAll('#curve text.xtick').length").asInt() >= 2);
            assertEquals(1, chrome.eval("document.querySelectorAll('#curve line.baseline').length").asInt());
            assertEquals("change_vs_anchor", chrome.eval("document.getElementById('figure').value").asText());
            assertTrue(chrome.eval("document.getElementById('curveNote').textContent").asText().contains("95 %"));

            chrome.waitFor("[...document.querySelectorAll('#videos figure[data-request=\"" + request + "\"] img')]"
                    + ".filter(i => i.complete && i.naturalWidth > 0).length === 2", Duration.ofSeconds(60));
            chrome.waitFor("document.querySelector('#lag tr[data-role=\"worker\"]') && document.querySelector("
                    + "'#lag tr[data-role=\"worker\"]').innerText.includes('" + group + "')", Duration.ofSeconds(30));
            String reasons = chrome.waitFor("[...document.querySelectorAll('#reasons tbody tr')].map(r => r.innerText)"
                    + ".filter(t => t.includes('" + component + "')).join('\\n')", Duration.ofSeconds(30)).asText();
            assertTrue(reasons.contains("first frame not found in"), reasons);
            assertTrue(reasons.contains("gave up after # attempts"), reasons);
            assertTrue(chrome.eval("location.search").asText().isEmpty(), "the token leaves the address bar");

            // The page's own origin, without the token or with a wrong one: refused.
            assertEquals(401, chrome.eval("fetch('/api/dashboard/versions').then(r => r.status)").asInt());
            assertEquals(401, chrome.eval("fetch('/api/dashboard/curve', {headers: {Authorization: 'Bearer x'}})"
                    + ".then(r => r.status)").asInt());

            byte[] png = chrome.screenshotPng();
            assertTrue(png.length > 10_000, "screenshot");
            Path shot = Path.of(System.getProperty("physmaster.root", ".")).resolve("docs/dashboard.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
        }
    }
}
