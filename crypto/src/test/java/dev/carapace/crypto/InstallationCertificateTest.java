package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Current-key and logged-key verification of installation certificates across a rotation. */
class InstallationCertificateTest {
    @Test
    void aRotationRetiresTheOldKeyForNewBindingsOnly() throws Exception {
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k0, k1.publicKey(), 1_000);
        byte[] mlsKey = Ed25519KeyPair.generate().publicKey().bytes();
        byte[] before = InstallationCertificate.issue(log, k0, "installation-1", mlsKey);
        KeyEventLog rotated = log.rotate(k1, Ed25519KeyPair.generate().publicKey(), 2_000);

        assertThatThrownBy(() -> InstallationCertificate.verify(before, rotated, mlsKey))
                .isInstanceOf(CryptoException.class);
        assertThat(InstallationCertificate.verifyByLoggedKey(before, rotated, mlsKey).keyId())
                .isEqualTo(log.currentKeyId());
        byte[] after = InstallationCertificate.issue(rotated, k1, "installation-1", mlsKey);
        assertThat(InstallationCertificate.verify(after, rotated, mlsKey).keyId()).isEqualTo(rotated.currentKeyId());

        // Not for another signature key, nor from a log that never established the signing key.
        byte[] otherKey = Ed25519KeyPair.generate().publicKey().bytes();
        assertThatThrownBy(() -> InstallationCertificate.verifyByLoggedKey(before, rotated, otherKey))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> InstallationCertificate.verifyByLoggedKey(after, log, mlsKey))
                .isInstanceOf(CryptoException.class);
        Ed25519KeyPair stranger = Ed25519KeyPair.generate();
        KeyEventLog strangers = KeyEventLog.incept("agent", stranger, Ed25519KeyPair.generate().publicKey(), 1_000);
        byte[] forged = InstallationCertificate.issue(strangers, stranger, "installation-1", mlsKey);
        assertThatThrownBy(() -> InstallationCertificate.verifyByLoggedKey(forged, rotated, mlsKey))
                .isInstanceOf(CryptoException.class);
    }
}
