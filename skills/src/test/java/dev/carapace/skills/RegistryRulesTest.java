package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class RegistryRulesTest {
    private static final long NOW = 1_000L * 86_400_000L;
    private static final long OLD = NOW - RevocationRule.MIN_STANDING_AGE.toMillis();

    /** A statement by a signer that is its own owner of long standing. */
    static RevocationRule.Statement st(String kind, String signer) {
        return new RevocationRule.Statement(kind, signer, NOW, new RevocationRule.Standing(signer, OLD, true));
    }

    static RevocationRule.Statement st(String kind, String signer, RevocationRule.Standing standing) {
        return new RevocationRule.Statement(kind, signer, NOW, standing);
    }

    @Test
    void theAuthorsRevocationIsEnough() {
        assertThat(RevocationRule.revoked("author", List.of(st("revoke", "author")))).isTrue();
        assertThat(RevocationRule.revoked("author", List.of(st("vouch", "x"), st("audit", "y")))).isFalse();
    }

    @Test
    void othersNeedAQuorumOfDistinctAuditorsOfTheDigest() {
        // reporters who never audited do not count, however many
        assertThat(RevocationRule.revoked("author", List.of(st("revoke", "a"), st("revoke", "b"), st("revoke", "c"),
                st("revoke", "d")))).isFalse();
        // two auditors are not a quorum; the same auditor twice is one
        assertThat(RevocationRule.revoked("author", List.of(st("audit", "a"), st("audit", "b"), st("revoke", "a"),
                st("revoke", "a"), st("revoke", "b")))).isFalse();
        assertThat(RevocationRule.revoked("author", List.of(st("audit", "a"), st("audit", "b"), st("audit", "c"),
                st("revoke", "a"), st("revoke", "b"), st("revoke", "c")))).isTrue();
    }

    @Test
    void othersNeedStandingDistinctOwnersAndAge() {
        RevocationRule.Standing young = new RevocationRule.Standing("o", OLD + 1, true);
        // No standing at all (not an owner, not linked): never counts.
        assertThat(RevocationRule.revoked("author", List.of(st("audit", "a", null), st("audit", "b", null),
                st("audit", "c", null), st("revoke", "a", null), st("revoke", "b", null), st("revoke", "c", null))))
                .isFalse();
        // Linked to three owners, one of them a millisecond too young: not a quorum.
        List<RevocationRule.Statement> s = List.of(st("audit", "a", new RevocationRule.Standing("o1", OLD, true)),
                st("audit", "b", new RevocationRule.Standing("o2", OLD, true)), st("audit", "c", young),
                st("revoke", "a", new RevocationRule.Standing("o1", OLD, true)),
                st("revoke", "b", new RevocationRule.Standing("o2", OLD, true)), st("revoke", "c", young));
        assertThat(RevocationRule.revoked("author", s)).isFalse();
        assertThat(RevocationRule.whyNotCounted(s.get(5), s)).contains("younger than 7 days");
        // Three agents of one owner: one voice.
        RevocationRule.Standing one = new RevocationRule.Standing("o", OLD, true);
        assertThat(RevocationRule.revoked("author", List.of(st("audit", "a", one), st("audit", "b", one),
                st("audit", "c", one), st("revoke", "a", one), st("revoke", "b", one), st("revoke", "c", one))))
                .isFalse();
    }

    @Test
    void aNamespaceClaimNamesItsSignerAndIsCanonical() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        String owner = KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(), 0).id().toString();
        String thief = KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(), 1).id().toString();
        Dsse.Envelope env = NamespaceClaim.sign("acme", owner + "#0", key);
        NamespaceClaim c = NamespaceClaim.parse(env);
        assertThat(c.namespace()).isEqualTo("acme");
        assertThat(c.owner()).isEqualTo(owner);

        ObjectNode o = Json.object();
        o.put("type", NamespaceClaim.TYPE).put("namespace", "acme").put("owner", "cara1victim").put("ts", 1);
        Dsse.Envelope forOther = Dsse.sign(NamespaceClaim.PAYLOAD_TYPE, CanonicalJson.encode(o), thief + "#0", key);
        assertThatThrownBy(() -> NamespaceClaim.parse(forOther)).isInstanceOf(CryptoException.class)
                .hasMessageContaining("another identity");

        o.put("owner", thief).put("extra", true);
        Dsse.Envelope extra = Dsse.sign(NamespaceClaim.PAYLOAD_TYPE, CanonicalJson.encode(o), thief + "#0", key);
        assertThatThrownBy(() -> NamespaceClaim.parse(extra)).isInstanceOf(CryptoException.class)
                .hasMessageContaining("extra");

        byte[] spaced = ("{ \"namespace\":\"acme\",\"owner\":\"" + thief
                + "\",\"ts\":1,\"type\":\"carapace.skill-namespace-claim.v1\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Dsse.Envelope nonCanonical = Dsse.sign(NamespaceClaim.PAYLOAD_TYPE, spaced, thief + "#0", key);
        assertThatThrownBy(() -> NamespaceClaim.parse(nonCanonical)).hasMessageContaining("canonical");
        assertThat(NamespaceClaim.signerId(thief + "#12")).isEqualTo(thief);
        assertThat(NamespaceClaim.signerId(thief)).isNull();
        // Issue 13: only the canonical key id names a key; aliases of #0 name none (one KeyId reader, issue 18).
        assertThat(NamespaceClaim.signerId(thief + "#00")).isNull();
        assertThat(NamespaceClaim.signerId(thief + "#+0")).isNull();
        assertThat(NamespaceClaim.signerId(thief.toUpperCase() + "#0")).isNull();
    }
}
