package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.HttpSignature;
import dev.carapace.hub.attack.RawRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AuthenticationTest extends BackendTest {

    /** Sends GET /v1/agents/{id}/owner signed with the given parameters, returning status and reason. */
    private record Answer(int status, String reason) {}

    private Answer signedGet(String path, String keyid, Ed25519KeyPair key, long created, String nonce,
                             String digestOverride) throws Exception {
        return signedGet(URI.create(f.hub.url() + path), path, keyid, key, created, nonce, digestOverride);
    }

    /** Signs {@code signedUri} as the target but sends the request to this hub's own address. */
    private Answer signedGet(URI signedUri, String path, String keyid, Ed25519KeyPair key, long created, String nonce,
                             String digestOverride) throws Exception {
        URI uri = URI.create(f.hub.url() + path);
        String digest = digestOverride != null ? digestOverride : ContentDigest.header(new byte[0]);
        HttpSignature.Message msg = new HttpSignature.Message() {
            public String method() {
                return "GET";
            }

            public String targetUri() {
                return signedUri.toString();
            }

            public String header(String n) {
                return n.equals("content-digest") ? digest : null;
            }
        };
        HttpSignature.Headers h = HttpSignature.sign(msg, keyid, key, created, nonce);
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("Content-Digest", digest).header("Signature-Input", h.signatureInput())
                .header("Signature", h.signature()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = Json.parse(r.body());
        return new Answer(r.statusCode(), body.path("reason").asString(""));
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static String nonce() {
        return Bytes.b64url(Bytes.random(16));
    }

    @Test
    void aCorrectlySignedRequestIsAccepted() throws Exception {
        HubFixture.Party owner = f.owner("a@example.org", "A");
        HubFixture.Party agent = f.agent();
        f.link(owner, agent);
        assertThat(f.client.agentOwner(agent.signer(), agent.id()).get("owner").asString()).isEqualTo(owner.id());
        Answer a = signedGet("/v1/agents/" + agent.id() + "/owner", agent.log().currentKeyId(), agent.key(), now(),
                nonce(), null);
        assertThat(a.status()).isEqualTo(200);
    }

    @Test
    void behindAProxyTheConfiguredPublicUrlIsWhatIsSigned() throws Exception {
        HubFixture.Party owner = f.owner("a@example.org", "A");
        HubFixture.Party agent = f.agent();
        f.link(owner, agent);
        f.close();
        f = new HubFixture(backend, dir, f.dbUrl, cfg -> cfg.withPublicUrl(URI.create("https://hub.example.org/")));
        assertThat(f.hub.origin()).isEqualTo(URI.create("https://hub.example.org"));
        String path = "/v1/agents/" + agent.id() + "/owner";
        String keyid = agent.log().currentKeyId();
        // Addressed to the hub's own bound address, as a client bypassing the proxy would: another authority.
        assertThat(signedGet(path, keyid, agent.key(), now(), nonce(), null))
                .isEqualTo(new Answer(421, "wrong_authority"));
        assertThatThrownBy(() -> f.client.agentOwner(agent.signer(), agent.id())).isInstanceOf(HubException.class);
        // Through the proxy: the client's Host is forwarded unchanged (the proxy speaks plain HTTP to the hub).
        URI publicUrl = URI.create("https://hub.example.org");
        var headers = RawRequest.signatureHeaders("GET", publicUrl + path, new byte[0],
                new RawRequest.Signing(keyid), agent.key());
        assertThat(RawRequest.send(f.hub.url(), RawRequest.build("GET", path, "hub.example.org", headers,
                new byte[0])).status()).isEqualTo(200);
        // An explicit default port names the same origin; another port does not.
        headers = RawRequest.signatureHeaders("GET", publicUrl + path, new byte[0], new RawRequest.Signing(keyid),
                agent.key());
        assertThat(RawRequest.send(f.hub.url(), RawRequest.build("GET", path, "HUB.example.org:443", headers,
                new byte[0])).status()).isEqualTo(200);
        headers = RawRequest.signatureHeaders("GET", publicUrl + path, new byte[0], new RawRequest.Signing(keyid),
                agent.key());
        assertThat(RawRequest.send(f.hub.url(), RawRequest.build("GET", path, "hub.example.org:8443", headers,
                new byte[0])).reason()).isEqualTo("wrong_authority");
    }

    @Test
    void aWildcardBindNeedsAPublicUrl() {
        assertThatThrownBy(() -> Hub.start(HubConfig.defaults(dir).withPort(0).withBind("0.0.0.0", true)))
                .isInstanceOf(Hub.StartException.class).hasMessageContaining("--public-url");
        assertThatThrownBy(() -> Hub.start(HubConfig.defaults(dir).withPort(0)
                .withPublicUrl(URI.create("https://hub.example.org/?x=1"))))
                .isInstanceOf(Hub.StartException.class);
    }

    @Test
    void rejectionMatrix() throws Exception {
        HubFixture.Party agent = f.agent();
        String path = "/v1/agents/" + agent.id() + "/owner";
        String keyid = agent.log().currentKeyId();

        var unsigned = f.client.sendRaw("GET", path, new byte[0], null, java.util.Map.of());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(Json.parse(unsigned.body()).get("reason").asString()).isEqualTo("unsigned");

        assertThat(signedGet(path, keyid, Ed25519KeyPair.generate(), now(), nonce(), null))
                .isEqualTo(new Answer(401, "bad_signature"));
        assertThat(signedGet(path, keyid, agent.key(), now() - 120, nonce(), null))
                .isEqualTo(new Answer(401, "expired"));
        assertThat(signedGet(path, keyid, agent.key(), now() + 120, nonce(), null))
                .isEqualTo(new Answer(401, "future"));
        assertThat(signedGet(path, keyid, agent.key(), now(), nonce(), ContentDigest.header("x".getBytes())))
                .isEqualTo(new Answer(401, "digest_mismatch"));
        String unknownId = HubFixture.party("agent").id();
        assertThat(signedGet(path, unknownId + "#0", agent.key(), now(), nonce(), null))
                .isEqualTo(new Answer(401, "unknown_key"));

        String n = nonce();
        assertThat(signedGet(path, keyid, agent.key(), now(), n, null).status()).isEqualTo(404); // no owner yet
        assertThat(signedGet(path, keyid, agent.key(), now(), n, null)).isEqualTo(new Answer(401, "replayed"));
    }

    @Test
    void rotationRetiresTheOldKey() throws Exception {
        HubFixture.Party agent = f.agent();
        Ed25519KeyPair newNext = Ed25519KeyPair.generate();
        KeyEventLog rotated = agent.log().rotate(agent.next(), newNext.publicKey(), System.currentTimeMillis());

        // A thief holding only the current key cannot publish a rotation to a key of its own.
        Ed25519KeyPair thief = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> agent.log().rotate(thief, thief.publicKey(), 0)).isNotNull();

        f.client.publishKeyEvents(rotated, agent.next());
        assertThat(f.client.identity(agent.id()).currentSeq()).isEqualTo(1);

        String path = "/v1/agents/" + agent.id() + "/owner";
        assertThat(signedGet(path, agent.log().currentKeyId(), agent.key(), now(), nonce(), null))
                .isEqualTo(new Answer(401, "stale_key"));
        assertThat(signedGet(path, rotated.currentKeyId(), agent.next(), now(), nonce(), null).status())
                .isEqualTo(404);

        // Replaying the old history, or a forked one, is refused.
        assertThatThrownBy(() -> f.client.publishKeyEvents(rotated, agent.next()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("not_newer"));
    }

    @Test
    void registrationProvesPossessionOfTheKey() throws Exception {
        HubFixture.Party p = HubFixture.party("agent");
        // The request is signed by some other key than the document's: refused.
        Signer wrong = new Signer(p.log().currentKeyId(), Ed25519KeyPair.generate());
        var body = Json.object();
        body.set("identity", p.log().toJson());
        assertThatThrownBy(() -> f.client.send("POST", "/v1/identities", body, wrong))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.reason()).isEqualTo("bad_signature");
                });
        f.client.register(p.log(), p.key());
        assertThatThrownBy(() -> f.client.register(p.log(), p.key()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(409));
    }
}
