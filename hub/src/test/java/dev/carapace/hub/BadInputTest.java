package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Bad input gets a 4xx with a JSON error body: never a 500, never a stack trace, never a half-write. */
class BadInputTest extends BackendTest {

    private void assertJsonError(int status, byte[] body, int expected) throws Exception {
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(status).as(text).isEqualTo(expected);
        JsonNode n = Json.parse(body);
        assertThat(n.get("error").isString()).isTrue();
        assertThat(n.get("reason").isString()).isTrue();
        assertThat(text).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void namedBadInputs() throws Exception {
        HubFixture.Party agent = HubFixture.party("agent");
        var signer = agent.signer();
        var c = f.client;
        var r = c.sendRaw("POST", "/v1/identities", "{not json".getBytes(), signer, Map.of());
        assertJsonError(r.statusCode(), r.body(), 400);
        r = c.sendRaw("POST", "/v1/identities", ("{\"identity\":" + Json.compact(agent.log().toJson())
                + ",\"extra\":1}").getBytes(StandardCharsets.UTF_8), signer, Map.of());
        assertJsonError(r.statusCode(), r.body(), 400);
        assertThat(Json.parse(r.body()).get("reason").asString()).isEqualTo("unknown_field");
        r = c.sendRaw("POST", "/v1/identities", "{\"a\":1,\"a\":2}".getBytes(), signer, Map.of());
        assertJsonError(r.statusCode(), r.body(), 400);
        r = c.sendRaw("POST", "/v1/identities", new byte[(1 << 20) + 10], signer, Map.of());
        assertJsonError(r.statusCode(), r.body(), 413);
        r = c.sendRaw("GET", "/v1/identities/not-an-id", new byte[0], null, Map.of());
        assertJsonError(r.statusCode(), r.body(), 400);
        r = c.sendRaw("GET", "/v1/nowhere", new byte[0], null, Map.of());
        assertJsonError(r.statusCode(), r.body(), 404);
        r = c.sendRaw("PUT", "/v1/identities", new byte[0], null, Map.of());
        assertJsonError(r.statusCode(), r.body(), 405);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<byte[]> wrongType = http.send(HttpRequest.newBuilder(URI.create(f.hub.url() + "/v1/identities"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertJsonError(wrongType.statusCode(), wrongType.body(), 415);

        // Headers far over the limit are refused by Jetty itself, through the JSON error handler.
        try (Socket s = new Socket(f.hub.url().getHost(), f.hub.port())) {
            String req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            String resp = new String(s.getInputStream().readNBytes(400), StandardCharsets.US_ASCII);
            assertThat(resp).startsWith("HTTP/1.1 431").doesNotContain("Exception");
        }
        // Nothing was half-written: the identity was never registered by any of the above.
        var missing = c.sendRaw("GET", "/v1/identities/" + agent.id(), new byte[0], null, Map.of());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    /** Randomised mutations of valid requests, for a bounded count: every answer is a JSON 2xx or 4xx. */
    @Test
    void fuzzTheRequestPath() throws Exception {
        HubFixture.Party owner = f.owner("fuzz@example.org", "Fuzz");
        HubFixture.Party agent = f.agent();
        List<String> paths = List.of("/v1/identities", "/v1/owners", "/v1/owners/" + owner.id() + "/agents",
                "/v1/identities/" + agent.id() + "/events", "/v1/owners/" + owner.id(),
                "/v1/agents/" + agent.id() + "/owner", "/v1/identities/" + agent.id());
        List<String> methods = List.of("GET", "POST", "DELETE", "PUT");
        byte[] valid = ("{\"identity\":" + Json.compact(agent.log().toJson()) + "}").getBytes(StandardCharsets.UTF_8);
        Random rnd = new Random(20261122L);
        for (int i = 0; i < 600; i++) {
            byte[] body = mutate(valid, rnd);
            String path = paths.get(rnd.nextInt(paths.size()));
            if (rnd.nextInt(5) == 0) {
                path = path + "/" + (char) ('a' + rnd.nextInt(26)) + "%2e%2e/%00";
            }
            String method = methods.get(rnd.nextInt(methods.size()));
            var signer = rnd.nextBoolean() ? agent.signer() : owner.signer();
            java.net.http.HttpResponse<byte[]> r;
            try {
                r = f.client.sendRaw(method, path, body, rnd.nextInt(4) == 0 ? null : signer,
                        rnd.nextBoolean() ? Map.of() : Map.of("X-Fuzz", Integer.toString(rnd.nextInt())));
            } catch (java.io.IOException e) {
                throw new AssertionError(method + " " + path + " body " + body.length + ": " + e, e);
            }
            assertThat(r.statusCode()).as("%s %s", method, path).isLessThan(500);
            Json.parse(r.body());
        }
    }

    private static byte[] mutate(byte[] valid, Random rnd) {
        byte[] b = valid.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                return new byte[0];
            }
            case 1 -> {
                return java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 2 -> {
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                return b;
            }
            case 3 -> {
                byte[] junk = new byte[rnd.nextInt(2048)];
                rnd.nextBytes(junk);
                return junk;
            }
            default -> {
                return b;
            }
        }
    }
}
