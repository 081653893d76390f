package io.physmaster.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared metrics endpoint, on real sockets. */
class MetricsEndpointTest {

    @Test
    void servesPrometheusTextWithTheJvmAndProcessMetersOnLoopbackOnly() throws Exception {
        try (MetricsEndpoint m = new MetricsEndpoint("test", "instance", "t1")) {
            Counter c = Counter.builder("physmaster_test_things").register(m.registry());
            c.increment(3);
            int port = m.serve(MetricsEndpoint.DEFAULT_HOST, 0);
            assertTrue(port > 0, "an ephemeral port: " + port);
            assertEquals(port, m.port());
            assertTrue(m.address().getAddress().isLoopbackAddress(), m.address().toString());

            String text = MetricsScrape.get(port);
            assertEquals(3.0, MetricsScrape.sum(text, "physmaster_test_things_total", "role=\"test\"",
                    "instance=\"t1\""), text);
            assertTrue(MetricsScrape.sum(text, "jvm_memory_used_bytes", "area=\"heap\"") > 0, text);
            assertTrue(MetricsScrape.sum(text, "jvm_threads_live_threads") > 0, text);
            assertTrue(MetricsScrape.sum(text, "process_uptime_seconds") > 0, text);
            assertTrue(text.contains("jvm_gc_"), "GC meters are bound");
            double rss = MetricsScrape.sum(text, "process_resident_memory_bytes");
            double heap = MetricsScrape.sum(text, "jvm_memory_used_bytes", "area=\"heap\"");
            assertTrue(rss > heap / 4 && rss < 64e9, "resident memory " + rss + " vs heap in use " + heap);

            for (InetAddress other : nonLoopbackAddresses()) {
                assertThrows(IOException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(other, port), 2000);
                    }
                }, "nothing listens on " + other);
            }
        }
    }

    @Test
    void aNegativePortServesNothingButTheRegistryStillCounts() throws Exception {
        try (MetricsEndpoint m = new MetricsEndpoint("test")) {
            assertEquals(MetricsEndpoint.OFF, m.serve(MetricsEndpoint.DEFAULT_HOST, -1));
            assertEquals(MetricsEndpoint.OFF, m.port());
            assertNull(m.address());
            Counter.builder("physmaster_test_things").register(m.registry()).increment();
            assertEquals(1.0, MetricsScrape.sum(m.scrape(), "physmaster_test_things_total"));
        }
    }

    @Test
    void otherPathsAndMethodsAreRefusedAndCloseStopsListening() throws Exception {
        int port;
        try (MetricsEndpoint m = MetricsEndpoint.start("test", MetricsEndpoint.DEFAULT_HOST, 0)) {
            port = m.port();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/metrics/../admin")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            assertThrows(IllegalStateException.class, () -> m.serve(MetricsEndpoint.DEFAULT_HOST, 0));
        }
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            }
        }, "closed: nothing listens any more");
    }

    @Test
    void aPortOutOfRangeIsAClearError() {
        try (MetricsEndpoint m = new MetricsEndpoint("test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.serve(MetricsEndpoint.DEFAULT_HOST, 70_000));
            assertTrue(e.getMessage().contains("65535"), e.getMessage());
        }
    }

    @Test
    void aPortInUseSaysHowToGetAnother() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             MetricsEndpoint m = new MetricsEndpoint("test")) {
            IOException e = assertThrows(IOException.class,
                    () -> m.serve(MetricsEndpoint.DEFAULT_HOST, taken.getLocalPort()));
            assertTrue(e.getMessage().contains("test metrics on 127.0.0.1:" + taken.getLocalPort())
                    && e.getMessage().contains("--metrics-port 0"), e.getMessage());
            assertEquals(MetricsEndpoint.OFF, m.port());
        }
    }

    /** This machine's IPv4 addresses other than loopback (none in some sandboxes). */
    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (n.isUp() && !n.isLoopback()) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }
}
