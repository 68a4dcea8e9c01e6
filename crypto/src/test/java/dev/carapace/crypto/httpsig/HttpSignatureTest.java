package dev.carapace.crypto.httpsig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpSignatureTest {

    record Req(String method, String targetUri, Map<String, String> headers) implements HttpSignature.Message {
        @Override
        public String header(String name) {
            return headers.get(name);
        }
    }

    /** RFC 9421 appendix B.1.4 test-key-ed25519 (the seed from its PKCS#8 form, and its public key). */
    static final String SEED_HEX = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
    static final String PUBLIC_B64 = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

    /** RFC 9421 appendix B.2.6: signing the test request with ed25519. */
    @Test
    void rfc9421AppendixB26() throws Exception {
        Map<String, String> headers = Map.of(
                "date", "Tue, 20 Apr 2021 02:07:55 GMT",
                "content-type", "application/json",
                "content-length", "18");
        Req req = new Req("POST", "https://example.com/foo?param=Value&Pet=dog", headers);
        List<String> components = List.of("date", "@method", "@path", "@authority", "content-type", "content-length");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", 1618884473L);
        params.put("keyid", "test-key-ed25519");

        String expectedBase = """
                "date": Tue, 20 Apr 2021 02:07:55 GMT
                "@method": POST
                "@path": /foo
                "@authority": example.com
                "content-type": application/json
                "content-length": 18
                "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")\
                ;created=1618884473;keyid="test-key-ed25519\"""";
        byte[] base = HttpSignature.signatureBase(req, components, StructuredFields.innerList(components, params));
        assertThat(new String(base, StandardCharsets.UTF_8)).isEqualTo(expectedBase);

        String expectedSig = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";
        Ed25519KeyPair key = Ed25519KeyPair.fromSeed(Bytes.fromHex(SEED_HEX));
        assertThat(Bytes.b64(key.publicKey().bytes())).isEqualTo(PUBLIC_B64);
        HttpSignature.Headers h = HttpSignature.sign(req, "sig-b26", components, params, key);
        assertThat(h.signature()).isEqualTo("sig-b26=:" + expectedSig + ":");
        assertThat(h.signatureInput()).isEqualTo("sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" "
                + "\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"");

        HttpSignature.Parsed parsed = HttpSignature.parse(h.signatureInput(), "sig-b26=:" + expectedSig + ":",
                "sig-b26");
        Ed25519PublicKey pub = Ed25519PublicKey.fromBytes(Bytes.fromB64(PUBLIC_B64));
        assertThat(HttpSignature.verify(req, parsed, pub)).isTrue();
        Req altered = new Req("POST", "https://example.com/bar", headers);
        assertThat(HttpSignature.verify(altered, parsed, pub)).isFalse();
    }

    @Test
    void profileRoundTripAndTampering() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new java.util.HashMap<>(Map.of("content-digest", ContentDigest.header(body)));
        Req req = new Req("POST", "http://127.0.0.1:8080/v1/things?x=1", headers);
        HttpSignature.Headers h = HttpSignature.sign(req, "cara1xyz#0", key, 1_700_000_000L, "n-123");
        HttpSignature.Parsed p = HttpSignature.parse(h.signatureInput(), h.signature(), HttpSignature.LABEL);
        assertThat(p.keyid()).isEqualTo("cara1xyz#0");
        assertThat(p.created()).isEqualTo(1_700_000_000L);
        assertThat(p.nonce()).isEqualTo("n-123");
        assertThat(p.components()).isEqualTo(HttpSignature.PROFILE_COMPONENTS);
        assertThat(HttpSignature.verify(req, p, key.publicKey())).isTrue();
        assertThat(ContentDigest.matches(headers.get("content-digest"), body)).isTrue();
        assertThat(ContentDigest.matches(headers.get("content-digest"), "{\"a\":2}".getBytes())).isFalse();

        assertThat(HttpSignature.verify(new Req("PUT", req.targetUri(), headers), p, key.publicKey())).isFalse();
        assertThat(HttpSignature.verify(new Req("POST", "http://127.0.0.1:8080/v1/other", headers), p,
                key.publicKey())).isFalse();
        Map<String, String> otherDigest = Map.of("content-digest", ContentDigest.header(new byte[0]));
        assertThat(HttpSignature.verify(new Req("POST", req.targetUri(), otherDigest), p, key.publicKey())).isFalse();
        assertThat(HttpSignature.verify(req, p, Ed25519KeyPair.generate().publicKey())).isFalse();

        // Changing a parameter (here the nonce) breaks the signature: parameters are covered.
        String replayedInput = h.signatureInput().replace("n-123", "n-124");
        assertThat(HttpSignature.verify(req, HttpSignature.parse(replayedInput, h.signature(), "sig1"),
                key.publicKey()))
                .isFalse();
    }

    @Test
    void malformedHeadersAreRefused() {
        assertThatThrownBy(() -> HttpSignature.parse(null, "sig1=:AA==:", "sig1")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> HttpSignature.parse("sig1=(\"@method\"", "sig1=:AA==:", "sig1"))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> HttpSignature.parse("sig1=(\"@method\");created=1", "sig2=:AA==:", "sig1"))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> HttpSignature.parse("sig1=(\"@method\");created=1;created=2", "sig1=:AA==:",
                "sig1")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> StructuredFields.parseDictionary("a=:not base64!:"))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> StructuredFields.parseDictionary("x".repeat(9000)))
                .isInstanceOf(CryptoException.class);
        // A malformed member under another label still makes the header malformed: it is parsed as a whole.
        assertThatThrownBy(() -> HttpSignature.parse("sig1=(\"@method\"), proxy=(\"@method\"", "sig1=:AA==:",
                "sig1")).isInstanceOf(CryptoException.class);
    }

    /** RFC 9421 section 2.5: an identifier repeated in the covered components is an error, on both sides. */
    @Test
    void repeatedComponentsAreRefused() throws Exception {
        assertThatThrownBy(() -> HttpSignature.parse("sig1=(\"@method\" \"@method\");created=1", "sig1=:AA==:",
                "sig1")).hasMessageContaining("repeat");
        Req req = new Req("GET", "https://example.com/", Map.of("content-digest", ContentDigest.header(new byte[0])));
        assertThatThrownBy(() -> HttpSignature.sign(req, "sig1", List.of("content-digest", "content-digest"),
                new LinkedHashMap<>(Map.of("created", 1L)), Ed25519KeyPair.generate()))
                .hasMessageContaining("repeat");
    }

    /** RFC 9421 section 4.3: an intermediary adds its own label; the verifier picks the label it trusts. */
    @Test
    void theVerifierReadsItsOwnLabelAmongOthers() throws Exception {
        Ed25519KeyPair client = Ed25519KeyPair.generate();
        Ed25519KeyPair proxy = Ed25519KeyPair.generate();
        Map<String, String> headers = new java.util.HashMap<>(Map.of("content-digest",
                ContentDigest.header(new byte[0])));
        Req req = new Req("GET", "https://hub.example.org/v1/x", headers);
        HttpSignature.Headers c = HttpSignature.sign(req, "cara1c#0", client, 1_700_000_000L, "nonce-nonce-nonce");
        headers.put("signature", c.signature());
        HttpSignature.Headers p = HttpSignature.sign(req, "proxy", List.of("@method", "@authority", "signature"),
                new LinkedHashMap<>(Map.of("created", 1_700_000_001L, "keyid", "proxy")), proxy);
        String input = c.signatureInput() + ", " + p.signatureInput();
        String sig = c.signature() + ", " + p.signature();

        HttpSignature.Parsed mine = HttpSignature.parse(input, sig, "sig1");
        assertThat(mine.keyid()).isEqualTo("cara1c#0");
        assertThat(HttpSignature.verify(req, mine, client.publicKey())).isTrue();
        HttpSignature.Parsed theirs = HttpSignature.parse(input, sig, "proxy");
        assertThat(HttpSignature.verify(req, theirs, proxy.publicKey())).isTrue();
        assertThat(HttpSignature.parse(p.signatureInput(), p.signature(), "sig1")).isNull();
    }

    /**
     * Carapace's profile as signed by an independent implementation, the npm package http-message-signatures 1.0.6
     * ({@code httpbis.signMessage} with RFC 9421's test-key-ed25519, label sig1, fields {@code @method @target-uri
     * content-digest}, params created, nonce, keyid, alg). Ed25519 is deterministic, so both sides must produce the
     * same bytes. (That package accepts repeated covered components, which RFC 9421 section 2.5 forbids; it refuses a
     * past {@code expires}, as Carapace does.)
     */
    @Test
    void independentImplementationVector() throws Exception {
        Req req = new Req("POST", "https://hub.example.org/v1/owners?x=1",
                Map.of("content-digest", "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"));
        String input = "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;"
                + "nonce=\"nonce-from-node-0001\";keyid=\"cara1test#0\";alg=\"ed25519\"";
        String signature = "sig1=:rNkrDu1MPle8NKJ14vHemtesHF/R8Kgxuh+KKvUAZrqly2DLXxTOFMYW6ofbJNzqI66xt1ijZ2FAdVll/cvqCg==:";
        Ed25519KeyPair key = Ed25519KeyPair.fromSeed(Bytes.fromHex(SEED_HEX));
        HttpSignature.Headers ours = HttpSignature.sign(req, "cara1test#0", key, 1_700_000_000L, "nonce-from-node-0001");
        assertThat(ours.signatureInput()).isEqualTo(input);
        assertThat(ours.signature()).isEqualTo(signature);
        assertThat(HttpSignature.verify(req, HttpSignature.parse(input, signature, "sig1"), key.publicKey())).isTrue();
    }

    @Test
    void expiresIsExposed() throws Exception {
        HttpSignature.Parsed p = HttpSignature.parse("sig1=(\"@method\");created=1;expires=2", "sig1=:AA==:", "sig1");
        assertThat(p.expires()).isEqualTo(2L);
        assertThat(HttpSignature.parse("sig1=(\"@method\");created=1", "sig1=:AA==:", "sig1").expires()).isNull();
    }
}
