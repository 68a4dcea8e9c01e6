package dev.carapace.mls.group;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A KeyPackage together with the private keys its owner needs to join with it. */
public record KeyPackageBundle(KeyPackage keyPackage, byte[] initPrivateKey, byte[] encryptionPrivateKey,
        byte[] signaturePrivateKey) {

    /** Fresh KeyPackage valid from now for {@code lifetime}. */
    public static KeyPackageBundle create(CipherSuite s, Credential credential, byte[] signaturePrivateKey,
            Duration lifetime) {
        return create(s, credential, signaturePrivateKey, lifetime, defaultCapabilities(s));
    }

    /**
     * Fresh KeyPackage advertising {@code capabilities} (e.g. extension types a group's required_capabilities
     * demands). The version and cipher suite must be listed, or groups will refuse the KeyPackage.
     */
    public static KeyPackageBundle create(CipherSuite s, Credential credential, byte[] signaturePrivateKey,
            Duration lifetime, Capabilities capabilities) {
        byte[][] init = s.generateHpkeKeyPair();
        byte[][] enc = s.generateHpkeKeyPair();
        long now = Instant.now().getEpochSecond();
        // Derive the public key once for both signatures.
        CipherSuite.SigningKey key = s.signingKey(signaturePrivateKey);
        LeafNode leaf = new LeafNode(enc[1], key.publicKey(), credential,
                capabilities, LeafNode.SOURCE_KEY_PACKAGE, now - 3600, now + lifetime.toSeconds(), null,
                List.of(), new byte[0]).sign(s, key, null, 0);
        KeyPackage unsigned = new KeyPackage(1, s.id(), init[1], leaf, List.of(), new byte[0]);
        KeyPackage kp = new KeyPackage(1, s.id(), init[1], leaf, List.of(),
                s.signWithLabel(key, "KeyPackageTBS", unsigned.tbs()));
        return new KeyPackageBundle(kp, init[0], enc[0], signaturePrivateKey);
    }

    static Capabilities defaultCapabilities(CipherSuite s) {
        return new Capabilities(List.of(1), List.of(s.id()), List.of(), List.of(), List.of(Credential.BASIC));
    }
}
