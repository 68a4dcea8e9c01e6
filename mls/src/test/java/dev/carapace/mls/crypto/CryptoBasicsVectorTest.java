package dev.carapace.mls.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.mls.vectors.Vectors;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CryptoBasicsVectorTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void matchesMlswgCryptoBasicsVectorsForSupportedSuites() throws Exception {
        JsonNode cases = Vectors.load("crypto-basics");
        int checked = 0;
        List<Integer> unsupported = new ArrayList<>();
        for (JsonNode c : cases) {
            int id = c.get("cipher_suite").asInt();
            Optional<CipherSuite> maybe = CipherSuite.byId(id);
            if (maybe.isEmpty()) {
                unsupported.add(id);
                continue;
            }
            CipherSuite s = maybe.get();
            String ctx = "suite " + id;

            JsonNode r = c.get("ref_hash");
            assertThat(s.refHash(r.get("label").asString(), hex(r, "value"))).as(ctx + " ref_hash")
                    .isEqualTo(hex(r, "out"));

            JsonNode e = c.get("expand_with_label");
            assertThat(s.expandWithLabel(hex(e, "secret"), e.get("label").asString(), hex(e, "context"),
                    e.get("length").asInt())).as(ctx + " expand_with_label").isEqualTo(hex(e, "out"));

            JsonNode d = c.get("derive_secret");
            assertThat(s.deriveSecret(hex(d, "secret"), d.get("label").asString())).as(ctx + " derive_secret")
                    .isEqualTo(hex(d, "out"));

            JsonNode t = c.get("derive_tree_secret");
            assertThat(s.deriveTreeSecret(hex(t, "secret"), t.get("label").asString(),
                    t.get("generation").asLong(), t.get("length").asInt())).as(ctx + " derive_tree_secret")
                    .isEqualTo(hex(t, "out"));

            JsonNode g = c.get("sign_with_label");
            String label = g.get("label").asString();
            assertThat(s.verifyWithLabel(hex(g, "pub"), label, hex(g, "content"), hex(g, "signature")))
                    .as(ctx + " verify given signature").isTrue();
            assertThat(s.signaturePublicKey(hex(g, "priv"))).isEqualTo(hex(g, "pub"));
            byte[] ours = s.signWithLabel(hex(g, "priv"), label, hex(g, "content"));
            assertThat(s.verifyWithLabel(hex(g, "pub"), label, hex(g, "content"), ours)).isTrue();
            assertThat(s.verifyWithLabel(hex(g, "pub"), label + "x", hex(g, "content"), ours))
                    .as("label is bound into the signature").isFalse();

            JsonNode h = c.get("encrypt_with_label");
            String hl = h.get("label").asString();
            CipherSuite.HpkeCiphertext given =
                    new CipherSuite.HpkeCiphertext(hex(h, "kem_output"), hex(h, "ciphertext"));
            assertThat(s.decryptWithLabel(hex(h, "priv"), hl, hex(h, "context"), given))
                    .as(ctx + " decrypt_with_label").isEqualTo(hex(h, "plaintext"));
            CipherSuite.HpkeCiphertext fresh = s.encryptWithLabel(hex(h, "pub"), hl, hex(h, "context"),
                    hex(h, "plaintext"));
            assertThat(s.decryptWithLabel(hex(h, "priv"), hl, hex(h, "context"), fresh))
                    .isEqualTo(hex(h, "plaintext"));
            assertThatThrownBy(() -> s.decryptWithLabel(hex(h, "priv"), hl + "x", hex(h, "context"), fresh))
                    .isInstanceOf(CryptoFailureException.class);
            checked++;
        }
        System.out.println("crypto-basics: checked " + checked + " cases; unsupported suites skipped: " + unsupported);
        assumeTrue(checked > 0, "no crypto-basics case for a supported suite");
        assertThat(checked).isEqualTo(CipherSuite.values().length);
    }

    @Test
    void aeadRoundTripsAndRejectsTampering() {
        for (CipherSuite s : CipherSuite.values()) {
            byte[] key = CipherSuite.randomBytes(s.aeadKeyLength());
            byte[] nonce = CipherSuite.randomBytes(s.aeadNonceLength());
            byte[] ct = s.aeadSeal(key, nonce, new byte[] {1}, "hello".getBytes());
            assertThat(s.aeadOpen(key, nonce, new byte[] {1}, ct)).isEqualTo("hello".getBytes());
            assertThatThrownBy(() -> s.aeadOpen(key, nonce, new byte[] {2}, ct))
                    .isInstanceOf(CryptoFailureException.class);
        }
    }

    private static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
