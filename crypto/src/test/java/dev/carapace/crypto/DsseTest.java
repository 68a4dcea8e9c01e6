package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DsseTest {

    @Test
    void paeMatchesTheSpecificationExample() {
        byte[] pae = Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(pae, StandardCharsets.UTF_8))
                .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
        assertThat(new String(Dsse.pae("", new byte[0]), StandardCharsets.UTF_8)).isEqualTo("DSSEv1 0  0 ");
    }

    @Test
    void paeCountsBytesNotCharacters() {
        byte[] pae = Dsse.pae("t", "é".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(pae, StandardCharsets.UTF_8)).isEqualTo("DSSEv1 1 t 2 é");
    }

    @Test
    void severalSignaturesAndThresholds() throws Exception {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        Ed25519KeyPair c = Ed25519KeyPair.generate();
        byte[] payload = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
        Dsse.Envelope env = Dsse.sign("application/json", payload, "a", a)
                .withSignature(Dsse.signature("application/json", payload, "b", b));
        Map<String, Ed25519PublicKey> keys = Map.of("a", a.publicKey(), "b", b.publicKey(), "c", c.publicKey());
        assertThat(Dsse.verify(env, keys::get, 2)).containsExactly("a", "b");
        assertThatThrownBy(() -> Dsse.verify(env, keys::get, 3)).hasMessageContaining("only 2 of the required 3");

        // The same key listed twice counts once.
        Dsse.Envelope dup = Dsse.sign("application/json", payload, "a", a)
                .withSignature(Dsse.signature("application/json", payload, "a", a));
        assertThatThrownBy(() -> Dsse.verify(dup, keys::get, 2)).isInstanceOf(CryptoException.class);

        // A signature does not carry over to another payload type.
        Dsse.Envelope retyped = new Dsse.Envelope("text/plain", payload, env.signatures());
        assertThatThrownBy(() -> Dsse.verify(retyped, keys::get, 1)).hasMessageContaining("no valid signature");

        // An unknown key id is not trusted.
        assertThatThrownBy(() -> Dsse.verify(env, k -> null, 1)).isInstanceOf(CryptoException.class);
    }

    @Test
    void jsonRoundTripAndStrictParsing() throws Exception {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Dsse.Envelope env = Dsse.sign("t", new byte[] {1, 2, 3}, "k", a);
        Dsse.Envelope back = Dsse.fromJson(env.toBytes());
        assertThat(back.payload()).containsExactly(1, 2, 3);
        assertThat(Dsse.verify(back, k -> a.publicKey(), 1)).containsExactly("k");
        assertThatThrownBy(() -> Dsse.fromJson("{\"payload\":\"AQ==\",\"payloadType\":\"t\",\"signatures\":[],\"x\":1}"
                .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("unknown field 'x'");
        assertThatThrownBy(() -> Dsse.fromJson("{\"payload\":\"AQ==\",\"payloadType\":\"t\",\"signatures\":[]}"
                .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("non-empty");
    }

    @Test
    void inTotoStatementRoundTrip() throws Exception {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        InTotoStatement st = new InTotoStatement(
                List.of(new InTotoStatement.Subject("acme/hello@1.0.0", "ab".repeat(32))),
                "https://carapace.dev/attestation/audit/v1", Json.parse("{\"verdict\":\"pass\"}"));
        Dsse.Envelope env = st.sign("key", a);
        assertThat(env.payloadType()).isEqualTo(InTotoStatement.PAYLOAD_TYPE);
        InTotoStatement back = InTotoStatement.fromEnvelope(env);
        assertThat(back.subjects()).isEqualTo(st.subjects());
        assertThat(back.predicate().get("verdict").asString()).isEqualTo("pass");

        Dsse.Envelope nonCanonical = new Dsse.Envelope(InTotoStatement.PAYLOAD_TYPE,
                Json.pretty(st.toJson()).getBytes(StandardCharsets.UTF_8), env.signatures());
        assertThatThrownBy(() -> InTotoStatement.fromEnvelope(nonCanonical)).hasMessageContaining("canonical");
    }
}
