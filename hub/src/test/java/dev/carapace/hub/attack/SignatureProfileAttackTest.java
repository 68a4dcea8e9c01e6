package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.StructuredFields;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, standards (RFC 9421): a signature whose covered components repeat an identifier (section 2.5) and one whose
 * {@code expires} has passed were accepted, and a request carrying an intermediary's signature under another label
 * (section 4.3) beside the client's was refused. The hub verifies the client's label, {@code sig1}, and ignores others.
 */
class SignatureProfileAttackTest extends BackendTest {

    private RawRequest.Answer send(HubFixture.Party agent, RawRequest.Signing s) throws Exception {
        String path = "/v1/agents/" + agent.id() + "/owner";
        return RawRequest.send(f.hub.url(), RawRequest.signed(f.hub.url(), "GET", path, new byte[0], s,
                agent.key()));
    }

    @Test
    void aRepeatedComponentIsRefused() throws Exception {
        HubFixture.Party agent = f.agent();
        RawRequest.Signing s = new RawRequest.Signing(agent.log().currentKeyId());
        List<String> repeated = List.of("@method", "@target-uri", "content-digest", "content-digest");
        // Carapace's own signer refuses to build such a base, so the attacker writes it by hand.
        String path = "/v1/agents/" + agent.id() + "/owner";
        String digest = ContentDigest.header(new byte[0]);
        String params = StructuredFields.innerList(repeated, s.params);
        String base = "\"@method\": GET\n\"@target-uri\": " + f.hub.url() + path + "\n\"content-digest\": " + digest
                + "\n\"content-digest\": " + digest + "\n\"@signature-params\": " + params;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Digest", digest);
        headers.put("Signature-Input", "sig1=" + params);
        headers.put("Signature", "sig1=" + StructuredFields.byteSequence(
                agent.key().sign(base.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        RawRequest.Answer a = RawRequest.send(f.hub.url(),
                RawRequest.build("GET", path, f.hub.url().getRawAuthority(), headers, new byte[0]));
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.reason()).isEqualTo("malformed_signature");
    }

    @Test
    void aPastExpiresIsRefused() throws Exception {
        HubFixture.Party agent = f.agent();
        long now = System.currentTimeMillis() / 1000;
        RawRequest.Answer a = send(agent, new RawRequest.Signing(agent.log().currentKeyId())
                .param("created", now - 10).param("expires", now - 5));
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.reason()).isEqualTo("expired");
        // A future expires within the window is fine.
        assertThat(send(agent, new RawRequest.Signing(agent.log().currentKeyId()).param("expires", now + 30))
                .status()).isEqualTo(404);
    }

    @Test
    void anIntermediarysSignatureBesideTheClientsIsIgnored() throws Exception {
        HubFixture.Party agent = f.agent();
        String path = "/v1/agents/" + agent.id() + "/owner";
        String uri = f.hub.url() + path;
        Map<String, String> client = RawRequest.signatureHeaders("GET", uri, new byte[0],
                new RawRequest.Signing(agent.log().currentKeyId()), agent.key());
        RawRequest.Signing proxySigning = new RawRequest.Signing("proxy-key");
        proxySigning.label = "proxy";
        proxySigning.components = List.of("@method", "@authority", "signature");
        proxySigning.params.remove("nonce");
        // The intermediary signs the client's Signature header as it forwards it (RFC 9421 section 4.3).
        Map<String, String> withSigHeader = new LinkedHashMap<>(client);
        Map<String, String> proxy = signOver(uri, withSigHeader, proxySigning, Ed25519KeyPair.generate());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Digest", client.get("Content-Digest"));
        headers.put("Signature-Input", client.get("Signature-Input") + ", " + proxy.get("Signature-Input"));
        headers.put("Signature", client.get("Signature") + ", " + proxy.get("Signature"));
        RawRequest.Answer a = RawRequest.send(f.hub.url(),
                RawRequest.build("GET", path, f.hub.url().getRawAuthority(), headers, new byte[0]));
        assertThat(a.status()).isEqualTo(404); // authenticated; the agent has no owner

        // Without the client's label there is nothing the hub verifies.
        Map<String, String> proxyOnly = new LinkedHashMap<>();
        proxyOnly.put("Content-Digest", client.get("Content-Digest"));
        proxyOnly.put("Signature-Input", proxy.get("Signature-Input"));
        proxyOnly.put("Signature", proxy.get("Signature"));
        RawRequest.Answer b = RawRequest.send(f.hub.url(),
                RawRequest.build("GET", path, f.hub.url().getRawAuthority(), proxyOnly, new byte[0]));
        assertThat(b.status()).isEqualTo(401);
        assertThat(b.reason()).isEqualTo("unsigned");
    }

    private static Map<String, String> signOver(String uri, Map<String, String> headers, RawRequest.Signing s,
                                                Ed25519KeyPair key) throws Exception {
        var msg = new dev.carapace.crypto.httpsig.HttpSignature.Message() {
            @Override
            public String method() {
                return "GET";
            }

            @Override
            public String targetUri() {
                return uri;
            }

            @Override
            public String header(String n) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(n))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
            }
        };
        var h = dev.carapace.crypto.httpsig.HttpSignature.sign(msg, s.label, s.components, s.params, key);
        return Map.of("Signature-Input", h.signatureInput(), "Signature", h.signature());
    }
}
