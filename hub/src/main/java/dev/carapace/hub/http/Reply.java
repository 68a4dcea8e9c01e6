package dev.carapace.hub.http;

import dev.carapace.crypto.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** What a route answers: a status, a body and its content type, and extra headers. */
public record Reply(int status, byte[] body, String contentType, Map<String, String> headers) {
    public static Reply json(int status, JsonNode node) {
        return new Reply(status, Json.compact(node).getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
    }

    public static Reply ok(JsonNode node) {
        return json(200, node);
    }

    public static Reply text(String contentType, String body) {
        return new Reply(200, body.getBytes(StandardCharsets.UTF_8), contentType, Map.of());
    }
}
