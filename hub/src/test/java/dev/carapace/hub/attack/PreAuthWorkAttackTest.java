package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 13, high 5: an unsigned body carrying a 2,200-event key event log cost most of a second of hub CPU before the
 * 401, because the history in the body was verified to find the signer's key. The request must be signed, by a key
 * the hub can find cheaply, before any work in proportion to the body; and the history a request may carry is
 * bounded. The answers tell the order: a broken history that is never verified cannot answer {@code invalid_identity}.
 */
class PreAuthWorkAttackTest extends BackendTest {

    private static byte[] bodyOf(ObjectNode identity) {
        ObjectNode body = Json.object();
        body.set("identity", identity);
        return Json.compact(body).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anUnsignedLongHistoryIsRefusedBeforeItIsRead() throws Exception {
        LongHistory h = LongHistory.of("agent", 2_200);
        byte[] body = bodyOf(h.documentWithBadLastSignature());
        assertThat(body.length).isLessThan(1 << 20); // within the hub's body limit: only the order protects it
        var r = RawRequest.send(f.hub.url(),
                RawRequest.build("POST", "/v1/identities", f.hub.url().getRawAuthority(), Map.of(), body));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.reason()).isEqualTo("unsigned");
    }

    @Test
    void aHistorySignedByAKeyItDoesNotHoldIsRefusedBeforeTheHistoryIsVerified() throws Exception {
        LongHistory h = LongHistory.of("agent", 200);
        byte[] body = bodyOf(h.documentWithBadLastSignature());
        byte[] req = RawRequest.signed(f.hub.url(), "POST", "/v1/identities", body,
                new RawRequest.Signing(h.currentKeyId()), Ed25519KeyPair.generate());
        var r = RawRequest.send(f.hub.url(), req);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.reason()).isEqualTo("bad_signature");
    }

    @Test
    void aRegistrationCarriesABoundedHistory() throws Exception {
        LongHistory tooLong = LongHistory.of("agent", 300);
        byte[] body = bodyOf(tooLong.document());
        var r = RawRequest.send(f.hub.url(), RawRequest.signed(f.hub.url(), "POST", "/v1/identities", body,
                new RawRequest.Signing(tooLong.currentKeyId()), tooLong.currentKey()));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.reason()).isEqualTo("history_too_long");

        // The whole body (2,200 events, under 1 MiB) signed by its own current key: refused on its size alone.
        LongHistory huge = LongHistory.of("agent", 2_200);
        byte[] hugeBody = bodyOf(huge.document());
        var big = RawRequest.send(f.hub.url(), RawRequest.signed(f.hub.url(), "POST", "/v1/identities", hugeBody,
                new RawRequest.Signing(huge.currentKeyId()), huge.currentKey()));
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.reason()).isEqualTo("body_too_large");

        // A history at the bound registers.
        LongHistory atBound = LongHistory.of("agent", 256);
        var ok = RawRequest.send(f.hub.url(), RawRequest.signed(f.hub.url(), "POST", "/v1/identities",
                bodyOf(atBound.document()), new RawRequest.Signing(atBound.currentKeyId()), atBound.currentKey()));
        assertThat(ok.status()).isEqualTo(201);
    }
}
