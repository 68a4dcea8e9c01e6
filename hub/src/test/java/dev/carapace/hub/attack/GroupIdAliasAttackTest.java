package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a base64url spelling of a group id with non-zero unused bits decodes to the same bytes but was stored as a
 * new group. Ids are accepted only in their canonical spelling, everywhere.
 */
class GroupIdAliasAttackTest extends BackendTest {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** The same bytes, spelled with the unused low bits of the last character set. */
    static String alias(String canonical) {
        char last = canonical.charAt(canonical.length() - 1);
        String twin = canonical.substring(0, canonical.length() - 1) + ALPHABET.charAt(ALPHABET.indexOf(last) | 1);
        assertThat(twin).isNotEqualTo(canonical);
        return twin;
    }

    private HttpResponse<byte[]> createGroup(HubFixture.Party p, String group) throws Exception {
        return f.client.sendRaw("POST", "/v1/groups", ("{\"group\":\"" + group
                + "\",\"installation\":\"installation-1\",\"epoch\":0}").getBytes(StandardCharsets.UTF_8),
                p.signer(), Map.of());
    }

    @Test
    void aNonCanonicalAliasOfAGroupIdIsRefused() throws Exception {
        HubFixture.Party a = f.agent();
        String group = Bytes.b64url(Bytes.random(16)); // 22 characters: the last one carries 4 unused bits
        assertThat(createGroup(a, group).statusCode()).isEqualTo(201);
        String twin = alias(group);
        assertThat(java.util.Base64.getUrlDecoder().decode(twin)).isEqualTo(Bytes.fromB64url(group));
        HttpResponse<byte[]> r = createGroup(a, twin);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("reason").asString()).isEqualTo("invalid_group");
        // The alias names nothing on the other group routes either.
        HttpResponse<byte[]> ack = f.client.sendRaw("POST", "/v1/inbox/installation-1/ack",
                ("{\"acks\":[{\"group\":\"" + twin + "\",\"seq\":1}]}").getBytes(StandardCharsets.UTF_8),
                a.signer(), Map.of());
        assertThat(ack.statusCode()).isEqualTo(400);
        assertThat(f.client.sendRaw("GET", "/v1/groups/" + twin + "/group-info/installation-1", new byte[0],
                a.signer(), Map.of()).statusCode()).isEqualTo(400);
    }
}
