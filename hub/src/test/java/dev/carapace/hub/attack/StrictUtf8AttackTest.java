package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (RFC 3629) at the hub: a signed request body holding overlong UTF-8 was read leniently ({@code C0 AF} as
 * {@code /}), so the hub stored text other than what a strict reader of the same signed bytes sees. It is a 400.
 */
class StrictUtf8AttackTest extends BackendTest {

    private static byte[] bytes(String before, int[] raw, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        for (int b : raw) {
            out.write(b);
        }
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void anOverlongSlashInASignedBodyIsRefused() throws Exception {
        HubFixture.Party owner = HubFixture.party("owner");
        String head = "{\"identity\":" + Json.compact(owner.log().toJson()) + ",\"email\":\"e@example.org\","
                + "\"displayName\":\"..";
        var r = f.client.sendRaw("POST", "/v1/owners", bytes(head, new int[] {0xc0, 0xaf}, "etc\"}"), owner.signer(),
                Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("malformed_json").contains("UTF-8");
    }

    @Test
    void aLoneSurrogateEscapeInASignedBodyIsRefused() throws Exception {
        HubFixture.Party owner = HubFixture.party("owner");
        String body = "{\"identity\":" + Json.compact(owner.log().toJson()) + ",\"email\":\"e@example.org\","
                + "\"displayName\":\"\\ud800\"}";
        var r = f.client.sendRaw("POST", "/v1/owners", body.getBytes(StandardCharsets.UTF_8), owner.signer(),
                Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("malformed_json").contains("surrogate");
    }
}
