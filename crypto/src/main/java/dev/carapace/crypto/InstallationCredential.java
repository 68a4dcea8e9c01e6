package dev.carapace.crypto;

/**
 * The one installation-credential policy, applied alike by the hub (to every uploaded KeyPackage and every external
 * commit's leaf) and by every member's client (to every leaf of its groups): an MLS credential speaks for an agent's
 * installation only if it is a basic credential (RFC 9420 §5.3, type {@value #MLS_BASIC}) whose identity is an
 * {@link InstallationCertificate} for exactly the leaf's signature key, signed by the agent's current key for what
 * enters anew (an uploaded or added KeyPackage, an external commit's leaf), or by any key its event log established
 * for leaves already in a group (so an agent's rotation does not make a group's earlier epochs unreadable).
 *
 * <p>It lives here, below the MLS engine (which imports no other Carapace module), and takes a credential as its type
 * and identity bytes; the engine's {@code KeyPackageValidator} calls it through a {@code CredentialValidator}.
 */
public final class InstallationCredential {
    /** The MLS credential type {@code basic}: the only one whose identity may hold an installation certificate. */
    public static final int MLS_BASIC = 1;

    /** Which of the agent's keys must have signed the certificate. */
    public enum SignedBy {
        /** The agent's current key: for bindings made now. */
        CURRENT_KEY,
        /** Any key the agent's verified key event log established, current or rotated out: for bindings made then. */
        LOGGED_KEY
    }

    private InstallationCredential() {}

    /**
     * The claims of a credential, unchecked but for its type and form: only to find whose key event log to fetch
     * before {@link #verify}, or to name the installation of a leaf that was verified already.
     */
    public static InstallationCertificate.Claims peek(int credentialType, byte[] identity) throws CryptoException {
        requireBasic(credentialType);
        return InstallationCertificate.peek(identity);
    }

    /**
     * Verifies that a credential speaks for {@code signatureKey} on behalf of the agent of {@code agentLog} (a
     * verified log), signed as {@code by} demands; returns its claims.
     */
    public static InstallationCertificate.Claims verify(int credentialType, byte[] identity, byte[] signatureKey,
            KeyEventLog agentLog, SignedBy by) throws CryptoException {
        requireBasic(credentialType);
        return by == SignedBy.CURRENT_KEY
                ? InstallationCertificate.verify(identity, agentLog, signatureKey)
                : InstallationCertificate.verifyByLoggedKey(identity, agentLog, signatureKey);
    }

    /**
     * {@link #verify} by the agent's current key, for one given installation: what a hub checks of a leaf that its
     * authenticated caller presents as the caller's own installation's.
     */
    public static InstallationCertificate.Claims verifyOwn(int credentialType, byte[] identity, byte[] signatureKey,
            KeyEventLog caller, String installation) throws CryptoException {
        InstallationCertificate.Claims c = verify(credentialType, identity, signatureKey, caller, SignedBy.CURRENT_KEY);
        if (!c.installation().equals(installation)) {
            throw new CryptoException("the credential is for another installation");
        }
        return c;
    }

    private static void requireBasic(int credentialType) throws CryptoException {
        if (credentialType != MLS_BASIC) {
            throw new CryptoException("only basic credentials carrying an installation certificate are accepted");
        }
    }
}
