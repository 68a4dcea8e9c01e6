package dev.carapace.hub.http;

import dev.carapace.crypto.Json;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Generates the OpenAPI 3.1 description from the routing table, so every route is described and nothing else. */
public final class OpenApi {
    private OpenApi() {}

    public static ObjectNode describe(List<Route> routes, String version) {
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Carapace hub API");
        info.put("version", version);
        info.put("description", "Requests marked with the httpSignature security scheme carry an RFC 9421 signature "
                + "by the identity's current Ed25519 key, covering @method, @target-uri and content-digest, with "
                + "created (±60 s), nonce (single use) and keyid (<agent id>#<seq>). Errors are JSON: "
                + "{\"error\": text, \"reason\": code}.");
        ObjectNode schemes = doc.putObject("components").putObject("securitySchemes");
        ObjectNode sig = schemes.putObject("httpSignature");
        sig.put("type", "apiKey");
        sig.put("in", "header");
        sig.put("name", "Signature");
        sig.put("description", "RFC 9421 HTTP Message Signature (with Signature-Input and Content-Digest).");
        ObjectNode paths = doc.putObject("paths");
        for (Route r : routes) {
            ObjectNode path = paths.has(r.pattern()) ? (ObjectNode) paths.get(r.pattern())
                    : paths.putObject(r.pattern());
            ObjectNode op = path.putObject(r.method().toLowerCase(Locale.ROOT));
            op.put("summary", r.summary());
            op.putArray("tags").add(r.tag());
            op.put("operationId", r.method().toLowerCase(Locale.ROOT) + r.pattern().replaceAll("[^A-Za-z0-9]+", "_"));
            ArrayNode params = op.putArray("parameters");
            for (String seg : r.segments()) {
                if (seg.startsWith("{")) {
                    ObjectNode p = params.addObject();
                    p.put("name", seg.substring(1, seg.length() - 1).replace("*", ""));
                    p.put("in", "path");
                    p.put("required", true);
                    p.putObject("schema").put("type", "string");
                }
            }
            if (r.auth() != Route.Auth.PUBLIC) {
                op.putArray("security").addObject().putArray("httpSignature");
            }
            if (r.method().equals("POST")) {
                op.putObject("requestBody").put("required", true).putObject("content")
                        .putObject(r.bodyType()).putObject("schema")
                        .put("type", r.bodyType().equals(Route.JSON) ? "object" : "string");
            }
            ObjectNode responses = op.putObject("responses");
            responses.putObject(r.method().equals("POST") ? "201" : "200").put("description", "success");
            responses.putObject("default").put("description", "a JSON error {error, reason}");
        }
        return doc;
    }
}
