package dev.carapace.mls.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.KeyUnavailableException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.vectors.Vectors;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ApplicationMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The application_priv part of the message-protection family (proposal/commit framing is not done yet). */
    @Test
    void decryptsMlswgApplicationPrivateMessagesAndRoundTripsOurOwn() throws Exception {
        JsonNode cases = Vectors.load("message-protection");
        int checked = 0;
        for (JsonNode c : cases) {
            Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
            if (maybe.isEmpty()) {
                continue;
            }
            CipherSuite s = maybe.get();
            GroupContext ctx = new GroupContext(s, hex(c, "group_id"), c.get("epoch").asLong(),
                    hex(c, "tree_hash"), hex(c, "confirmed_transcript_hash"), new byte[0]);
            byte[][] sigKeys = {null, hex(c, "signature_pub")};
            SecretTree rx = new SecretTree(s, hex(c, "encryption_secret"), 2, RatchetLimits.DEFAULT);
            ApplicationMessages.Received got = ApplicationMessages.unprotect(ctx, rx, hex(c, "sender_data_secret"),
                    sigKeys, hex(c, "application_priv"));
            assertThat(got.senderLeaf()).isEqualTo(1);
            assertThat(got.applicationData()).isEqualTo(hex(c, "application"));

            SecretTree tx = new SecretTree(s, hex(c, "encryption_secret"), 2, RatchetLimits.DEFAULT);
            SecretTree rx2 = new SecretTree(s, hex(c, "encryption_secret"), 2, RatchetLimits.DEFAULT);
            byte[] msg = ApplicationMessages.protect(ctx, tx, hex(c, "sender_data_secret"), 1,
                    hex(c, "signature_priv"), new byte[] {9}, hex(c, "application"));
            ApplicationMessages.Received back = ApplicationMessages.unprotect(ctx, rx2, hex(c, "sender_data_secret"),
                    sigKeys, msg);
            assertThat(back.applicationData()).isEqualTo(hex(c, "application"));
            assertThat(back.authenticatedData()).containsExactly(9);
            // Key deleted after use: a replay cannot be decrypted.
            assertThatThrownBy(() -> ApplicationMessages.unprotect(ctx, rx2, hex(c, "sender_data_secret"), sigKeys,
                    msg)).isInstanceOf(KeyUnavailableException.class);
            checked++;
        }
        assumeTrue(checked > 0, "no message-protection case for a supported suite");
    }

    @Test
    void rejectsWrongSignerAndWrongEpochAndUsesRandomReuseGuard() {
        CipherSuite s = CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
        byte[] enc = CipherSuite.randomBytes(32);
        byte[] sds = CipherSuite.randomBytes(32);
        byte[] sk = CipherSuite.randomBytes(32);
        byte[] other = s.signaturePublicKey(CipherSuite.randomBytes(32));
        GroupContext ctx = new GroupContext(s, new byte[] {1, 2}, 5, new byte[32], new byte[32], new byte[0]);
        SecretTree tx = new SecretTree(s, enc, 2, RatchetLimits.DEFAULT);
        byte[] m1 = ApplicationMessages.protect(ctx, tx, sds, 0, sk, new byte[0], "hi".getBytes());

        assertThatThrownBy(() -> ApplicationMessages.unprotect(ctx, new SecretTree(s, enc, 2, RatchetLimits.DEFAULT),
                sds, new byte[][] {other, null}, m1)).isInstanceOf(InvalidSignatureException.class);
        GroupContext next = new GroupContext(s, new byte[] {1, 2}, 6, new byte[32], new byte[32], new byte[0]);
        assertThatThrownBy(() -> ApplicationMessages.unprotect(next, new SecretTree(s, enc, 2,
                RatchetLimits.DEFAULT), sds, new byte[][] {s.signaturePublicKey(sk), null}, m1))
                .isInstanceOf(WrongEpochException.class);

        // Same key material and plaintext under two fresh trees: only the random reuse_guard differs.
        byte[] m2 = ApplicationMessages.protect(ctx, new SecretTree(s, enc, 2, RatchetLimits.DEFAULT), sds, 0, sk,
                new byte[0], "hi".getBytes());
        assertThat(Arrays.equals(m1, m2)).isFalse();
    }

    private static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
