package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.Backend;
import dev.carapace.hub.HubFixture;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code /metrics} was public and counted per-route successes (messages, commits, owner deletions). It is
 * served only on the operator port, which binds a loopback address and is off unless configured.
 */
class MetricsExposureAttackTest {
    @TempDir
    Path dir;

    @Test
    void thePublicPortDoesNotServeMetrics() throws Exception {
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir)) {
            HttpResponse<byte[]> r = f.client.sendRaw("GET", "/metrics", new byte[0], null, Map.of());
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(f.client.wellKnown().path("endpoints").has("metrics")).isFalse();
            assertThat(f.hub.operatorUrl()).isNull();
        }
    }

    @Test
    void theOperatorPortServesThemOnLoopbackOnly() throws Exception {
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir, null, cfg -> cfg.withOperatorPort(0))) {
            f.client.sendRaw("GET", "/healthz", new byte[0], null, Map.of());
            URI op = f.hub.operatorUrl();
            assertThat(InetAddress.getByName(op.getHost()).isLoopbackAddress()).isTrue();
            assertThat(op.getPort()).isNotEqualTo(f.hub.port());
            HttpResponse<String> m = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(op.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.body()).contains("carapace_http_requests");
            // The operator port serves nothing else: the API stays on the public port.
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(op.resolve("/v1/openapi.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            assertThat(f.client.sendRaw("GET", "/metrics", new byte[0], null, Map.of()).statusCode()).isEqualTo(404);
        }
    }
}
