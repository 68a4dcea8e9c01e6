package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.http.Route;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Keeps /v1/openapi.json true: every route is described, and every described route exists on the live server. */
class OpenApiTest {
    @TempDir
    Path dir;

    @Test
    void descriptionMatchesTheServer() throws Exception {
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir)) {
            JsonNode doc = f.client.send("GET", "/v1/openapi.json", null, null);
            assertThat(doc.get("openapi").asString()).startsWith("3.1");
            Set<String> described = new HashSet<>();
            for (var path : doc.get("paths").properties()) {
                for (String method : path.getValue().propertyNames()) {
                    described.add(method.toUpperCase() + " " + path.getKey());
                }
            }
            Set<String> served = new HashSet<>();
            for (Route r : f.hub.routes()) {
                served.add(r.method() + " " + r.pattern());
            }
            assertThat(described).isEqualTo(served);

            // Each described route answers as a real endpoint (never the router's "no_route").
            String someId = HubFixture.party("agent").id();
            for (String op : described) {
                String method = op.substring(0, op.indexOf(' '));
                String path = op.substring(op.indexOf(" ") + 1).replace("{id}", someId).replaceAll("\\{[a-z*]+\\}", "1");
                var r = f.client.sendRaw(method, path, new byte[0], null, Map.of());
                String reason = r.statusCode() >= 400 ? Json.parse(r.body()).path("reason").asString("") : "";
                assertThat(reason).as(op).isNotIn("no_route", "method_not_allowed");
            }
        }
    }
}
