package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttestationsTest {
    private static final String DIGEST = "ab".repeat(32);

    @Test
    void signedRoundTripsAndTypesAreChecked() throws Exception {
        var key = Ed25519KeyPair.generate();
        var manifest = Json.parse("{\"name\":\"acme/hello\",\"version\":\"1.0.0\"}");
        var env = Attestations.publish("acme/hello", "1.0.0", DIGEST, manifest).sign("k1", key);
        InTotoStatement back = InTotoStatement.fromEnvelope(env);
        assertThat(back.subjects()).containsExactly(new InTotoStatement.Subject("acme/hello@1.0.0", DIGEST));
        assertThat(Attestations.predicate(back, Attestations.PUBLISH).get("manifest")).isEqualTo(manifest);
        assertThatThrownBy(() -> Attestations.predicate(back, Attestations.REVOKE)).isInstanceOf(CryptoException.class);

        var report = new Scanner.ScanReport("warn", List.of(new Scanner.Finding("long-base64", Scanner.Severity.WARN, "README.md", 3L, "m")), "r", "1");
        var audit = InTotoStatement.fromEnvelope(Attestations.audit("acme/hello", "1.0.0", DIGEST, report).sign("k1", key));
        assertThat(Attestations.predicate(audit, Attestations.AUDIT).get("verdict").asString()).isEqualTo("warn");
        var rev = InTotoStatement.fromEnvelope(Attestations.revoke("acme/hello", "1.0.0", DIGEST, "stealer").sign("k1", key));
        assertThat(Attestations.predicate(rev, Attestations.REVOKE).get("reason").asString()).isEqualTo("stealer");
        assertThat(Attestations.predicate(Attestations.vouch("acme/hello", "1.0.0", DIGEST, "reviewed"), Attestations.VOUCH)).isNotNull();
        assertThatThrownBy(() -> Attestations.revoke("acme/hello", "1.0.0", DIGEST, " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Attestations.vouch("Bad Name", "1", DIGEST, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
