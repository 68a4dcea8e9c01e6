package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: {@code ack} with seq 2^64 and {@code commit} with epoch 2^63 answered 500. Every number a route reads
 * outside its range is a 400 naming the field.
 */
class OutOfRangeNumberAttackTest extends BackendTest {
    private HttpResponse<byte[]> post(HubFixture.Party p, String path, String json) throws Exception {
        return f.client.sendRaw("POST", path, json.getBytes(StandardCharsets.UTF_8), p.signer(), Map.of());
    }

    /**
     * The JSON reader refuses an integer literal that is not exactly the digits RFC 8785 writes for its double, and an
     * infinite number (docs/protocol.md): those never reach a field's range check. Other numbers are out of range.
     */
    private static String reasonFor(String literal) {
        return literal.length() > 16 || literal.contains("e400") ? "malformed_json" : "invalid_field";
    }

    @Test
    void hugeNumbersAreBadRequestsNotInternalErrors() throws Exception {
        HubFixture.Party a = f.agent();
        String group = Bytes.b64url(Bytes.random(16));
        String inst = "installation-1";
        for (String seq : List.of("18446744073709551616", "9223372036854775808", "1e400", "-1", "1.5", "\"7\"")) {
            HttpResponse<byte[]> r = post(a, "/v1/inbox/" + inst + "/ack",
                    "{\"acks\":[{\"group\":\"" + group + "\",\"seq\":" + seq + "}]}");
            assertThat(r.statusCode()).as("ack seq " + seq).isEqualTo(400);
            assertThat(Json.parse(r.body()).path("reason").asString()).isEqualTo(reasonFor(seq));
        }
        for (String epoch : List.of("9223372036854775808", "18446744073709551616", "-1", "2.0e30")) {
            HttpResponse<byte[]> r = post(a, "/v1/groups/" + group + "/commits",
                    "{\"installation\":\"" + inst + "\",\"epoch\":" + epoch + ",\"commit\":\"AAAA\"}");
            assertThat(r.statusCode()).as("commit epoch " + epoch).isEqualTo(400);
            assertThat(Json.parse(r.body()).path("reason").asString()).isEqualTo(reasonFor(epoch));
        }
        for (String epoch : List.of("9223372036854775808", "18446744073709551616")) {
            HttpResponse<byte[]> r = post(a, "/v1/groups",
                    "{\"group\":\"" + group + "\",\"installation\":\"" + inst + "\",\"epoch\":" + epoch + "}");
            assertThat(r.statusCode()).as("group epoch " + epoch).isEqualTo(400);
        }
        HttpResponse<byte[]> parts = f.client.sendRaw("POST", "/v1/packages/" + "ab".repeat(32) + "/assemble",
                "{\"parts\":18446744073709551616}".getBytes(StandardCharsets.UTF_8), a.signer(), Map.of());
        assertThat(parts.statusCode()).isEqualTo(400);
        // Query numbers of the public log routes too.
        for (String q : List.of("/v1/log/proof/inclusion/18446744073709551616/1",
                "/v1/log/proof/consistency/1/99999999999999999999", "/v1/log/entries/18446744073709551616",
                "/v1/log/checkpoint/witnessed/99999999999999999999", "/v1/packages/" + "ab".repeat(32)
                        + "/parts/18446744073709551616")) {
            assertThat(f.client.sendRaw("GET", q, new byte[0], null, Map.of()).statusCode()).as(q)
                    .isBetween(400, 405);
        }
    }
}
