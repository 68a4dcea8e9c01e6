package dev.carapace.mls.group;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.schedule.GroupContext;
import java.security.MessageDigest;
import java.time.Instant;

/**
 * The one set of KeyPackage and LeafNode rules that hold outside any particular group (RFC 9420 §10.1, §7.3): the
 * members' {@link Group} applies them to every Add, Update and commit path, and a delivery service applies them to
 * every KeyPackage it is asked to store, so it never hands out one that no group would accept. What depends on a
 * group (its required_capabilities, the credential types its members use, keys already in its tree) stays in
 * {@link Group}.
 */
public final class KeyPackageValidator {
    private KeyPackageValidator() {}

    /**
     * Checks a KeyPackage offered to a delivery service: for any suite this engine supports, signatures included,
     * lifetime against {@code now}. Returns its suite.
     *
     * @throws ProtocolViolationException or {@link InvalidSignatureException} naming the broken rule; whatever
     *         {@code credentials} throws for its credential
     */
    public static CipherSuite keyPackage(KeyPackage kp, Instant now, CredentialValidator credentials) {
        CipherSuite s = CipherSuite.byId(kp.cipherSuite()).orElseThrow(() ->
                new ProtocolViolationException("unsupported cipher suite " + kp.cipherSuite()));
        keyPackage(s, kp, now, credentials, true);
        return s;
    }

    /**
     * Checks a KeyPackage for a group of suite {@code s}: version and suite, its signature, init key distinct from
     * the leaf's encryption key, the leaf's own capabilities listing the credential type it uses, and the leaf rules
     * of {@link #leaf}.
     *
     * @param now             the time the lifetime must cover; null skips it (conformance vectors)
     * @param checkSignatures false only when the caller has already verified both signatures
     */
    public static void keyPackage(CipherSuite s, KeyPackage kp, Instant now, CredentialValidator credentials,
            boolean checkSignatures) {
        if (kp.version() != GroupContext.MLS10 || kp.cipherSuite() != s.id()) {
            throw new ProtocolViolationException("KeyPackage version or cipher suite mismatch");
        }
        if (checkSignatures && !kp.verifySignature(s)) {
            throw new InvalidSignatureException("KeyPackage signature");
        }
        if (MessageDigest.isEqual(kp.initKey(), kp.leafNode().encryptionKey())) {
            throw new ProtocolViolationException("KeyPackage init key equals its encryption key");
        }
        // Every member must support every credential type in use (§7.3), the new leaf's own among them: a leaf that
        // does not list its own type can never enter a group.
        if (!kp.leafNode().capabilities().supportsCredential(kp.leafNode().credential().type())) {
            throw new ProtocolViolationException("KeyPackage leaf does not list its own credential type "
                    + kp.leafNode().credential().type());
        }
        leaf(s, kp.leafNode(), LeafNode.SOURCE_KEY_PACKAGE, null, 0, checkSignatures, now, credentials);
    }

    /**
     * LeafNode checks (RFC 9420 §7.3): source, signature (bound to {@code groupId} and {@code leafIndex} unless the
     * source is a KeyPackage), lifetime for KeyPackage leaves, capabilities listing version 1, this suite and every
     * extension the leaf carries, and last the application's judgement of the credential.
     *
     * @param now the time a KeyPackage leaf's lifetime must cover; null skips it
     */
    public static void leaf(CipherSuite s, LeafNode leaf, int source, byte[] groupId, int leafIndex,
            boolean checkSignature, Instant now, CredentialValidator credentials) {
        if (leaf.source() != source) {
            throw new ProtocolViolationException("leaf node source " + leaf.source() + ", expected " + source);
        }
        if (checkSignature && !leaf.verifySignature(s, groupId, leafIndex)) {
            throw new InvalidSignatureException("leaf node signature");
        }
        if (source == LeafNode.SOURCE_KEY_PACKAGE && now != null) {
            long t = now.getEpochSecond();
            if (Long.compareUnsigned(t, leaf.notBefore()) < 0 || Long.compareUnsigned(t, leaf.notAfter()) > 0) {
                throw new ProtocolViolationException("leaf node lifetime does not cover the current time");
            }
        }
        if (!leaf.capabilities().cipherSuites().contains(s.id())
                || !leaf.capabilities().versions().contains(GroupContext.MLS10)) {
            throw new ProtocolViolationException("leaf node does not support this group's version and suite");
        }
        for (Extension e : leaf.extensions()) {
            if (!leaf.capabilities().supportsExtension(e.type())) {
                throw new ProtocolViolationException("leaf node uses extension " + e.type() + " it does not list");
            }
        }
        credentials.validate(leaf.credential(), leaf.signatureKey());
    }

    /** {@link #keyPackage(CipherSuite, KeyPackage, Instant, CredentialValidator, boolean)} with a group's clock and
     * credential validator. */
    static void keyPackage(GroupConfig config, CipherSuite s, KeyPackage kp, boolean checkSignatures) {
        keyPackage(s, kp, config.clock() == null ? null : config.clock().instant(), config.credentials(),
                checkSignatures);
    }

    /** {@link #leaf} with a group's clock and credential validator. */
    static void leaf(GroupConfig config, CipherSuite s, LeafNode leaf, int source, byte[] groupId, int leafIndex,
            boolean checkSignature) {
        leaf(s, leaf, source, groupId, leafIndex, checkSignature,
                config.clock() == null ? null : config.clock().instant(), config.credentials());
    }
}
