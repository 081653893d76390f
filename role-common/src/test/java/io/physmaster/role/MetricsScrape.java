package io.physmaster.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The roles' metrics tests: a scrape over HTTP, as Prometheus does it, and the samples' values. */
public final class MetricsScrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** GET http://127.0.0.1:port/metrics; checks the status and the Prometheus text content type. */
    public static String get(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + MetricsEndpoint.PATH)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
        return r.body();
    }

    /**
     * Scrapes until {@code name} sums to at least {@code atLeast} or 10 s have passed, and returns the last scrape:
     * a role's meters move just after the event a test waits for (a publish returns, then the counter counts).
     */
    public static String awaitAtLeast(int port, String name, double atLeast) throws IOException, InterruptedException {
        String text = get(port);
        for (long until = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < until; ) {
            List<Double> vs = values(text, name);
            if (!vs.isEmpty() && vs.stream().mapToDouble(Double::doubleValue).sum() >= atLeast) {
                break;
            }
            Thread.sleep(100);
            text = get(port);
        }
        return text;
    }

    /** The values of every sample of {@code name} (any labels) whose labels contain each of {@code labels}. */
    public static List<Double> values(String text, String name, String... labels) {
        List<Double> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labelText = close < 0 ? "" : line.substring(name.length(), close + 1);
            boolean match = true;
            for (String l : labels) {
                match &= labelText.contains(l);
            }
            if (match) {
                String rest = (close < 0 ? line.substring(name.length()) : line.substring(close + 1)).trim();
                out.add(number(rest.split("\\s+")[0]));
            }
        }
        return out;
    }

    /** The sum of those values; fails when there is no such sample. */
    public static double sum(String text, String name, String... labels) {
        List<Double> vs = values(text, name, labels);
        assertTrue(!vs.isEmpty(), "no sample " + name + " " + String.join(",", labels) + " in the scrape");
        return vs.stream().mapToDouble(Double::doubleValue).sum();
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private MetricsScrape() {
    }
}
