package dev.carapace.mls.schedule;

import dev.carapace.mls.crypto.CipherSuite;

/**
 * Secrets of one epoch derived by the key schedule (RFC 9420 §8). Immutable after construction.
 * Field names follow the RFC's secret names ({@code initSecret} is the init_secret for the next epoch).
 */
public record EpochSecrets(CipherSuite suite, byte[] joinerSecret, byte[] welcomeSecret, byte[] epochSecret,
        byte[] senderDataSecret, byte[] encryptionSecret, byte[] exporterSecret, byte[] externalSecret,
        byte[] confirmationKey, byte[] membershipKey, byte[] resumptionPsk, byte[] epochAuthenticator,
        byte[] initSecret) {

    /**
     * Runs the key schedule.
     *
     * @param prevInitSecret init_secret of the previous epoch (or a fresh random one for a new group)
     * @param commitSecret   commit_secret (all zero when the commit has no path)
     * @param pskSecret      psk_secret, or null for "no PSKs" (the all-zero vector)
     * @param groupContext   the encoded GroupContext of the new epoch
     */
    public static EpochSecrets derive(CipherSuite suite, byte[] prevInitSecret, byte[] commitSecret,
            byte[] pskSecret, byte[] groupContext) {
        int nh = suite.hashLength();
        byte[] joiner = suite.expandWithLabel(suite.kdfExtract(prevInitSecret, commitSecret), "joiner",
                groupContext, nh);
        return fromJoinerSecret(suite, joiner, pskSecret, groupContext);
    }

    /** Key schedule from joiner_secret on, as a new member does after decrypting GroupSecrets. */
    public static EpochSecrets fromJoinerSecret(CipherSuite suite, byte[] joinerSecret, byte[] pskSecret,
            byte[] groupContext) {
        int nh = suite.hashLength();
        byte[] psk = pskSecret != null ? pskSecret : new byte[nh];
        byte[] intermediate = suite.kdfExtract(joinerSecret, psk);
        byte[] welcome = suite.deriveSecret(intermediate, "welcome");
        byte[] epoch = suite.expandWithLabel(intermediate, "epoch", groupContext, nh);
        return new EpochSecrets(suite, joinerSecret, welcome, epoch,
                suite.deriveSecret(epoch, "sender data"),
                suite.deriveSecret(epoch, "encryption"),
                suite.deriveSecret(epoch, "exporter"),
                suite.deriveSecret(epoch, "external"),
                suite.deriveSecret(epoch, "confirm"),
                suite.deriveSecret(epoch, "membership"),
                suite.deriveSecret(epoch, "resumption"),
                suite.deriveSecret(epoch, "authentication"),
                suite.deriveSecret(epoch, "init"));
    }

    /** MLS-Exporter(label, context, length) (RFC 9420 §8.5). */
    public byte[] export(String label, byte[] context, int length) {
        byte[] derived = suite.deriveSecret(exporterSecret, label);
        return suite.expandWithLabel(derived, "exported", suite.hash(context), length);
    }

    /** Public key of the external HPKE key pair derived from external_secret (for external commits). */
    public byte[] externalPublicKey() {
        return suite.deriveHpkeKeyPair(externalSecret)[1];
    }
}
