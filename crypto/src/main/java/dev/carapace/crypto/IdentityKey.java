package dev.carapace.crypto;

/**
 * One key of one identity under its key id ({@code <agent id>#<seq>}, {@link KeyId}): the one place that decides
 * whether a DSSE envelope is signed by a given key of an identity, above all by its current key. The hub checks its
 * caller's statements, link consents and installation certificates with it, the client and CLI the statements they
 * verify; a signature counts only under the exact canonical key id, so it cannot be presented under another name.
 */
public record IdentityKey(KeyId id, Ed25519PublicKey key) {
    public IdentityKey {
        java.util.Objects.requireNonNull(id);
        java.util.Objects.requireNonNull(key);
    }

    /** The identity's current key. */
    public static IdentityKey current(KeyEventLog log) {
        return new IdentityKey(new KeyId(log.id(), log.currentSeq()), log.currentKey());
    }

    /**
     * The key of {@code log} that the text {@code keyId} names, current or rotated out; null when it is not a canonical
     * key id of this identity or names no key its log established.
     */
    public static IdentityKey named(KeyEventLog log, String keyId) {
        KeyId k;
        try {
            k = KeyId.parse(keyId);
        } catch (CryptoException e) {
            return null;
        }
        Ed25519PublicKey key = k.id().equals(log.id()) ? log.keyAt(k.seq()) : null;
        return key == null ? null : new IdentityKey(k, key);
    }

    /** A DSSE key resolver that accepts this key under its key id, and nothing else. */
    public Dsse.KeyResolver resolver() {
        String text = id.toString();
        return k -> text.equals(k) ? key : null;
    }

    /** Fails unless {@code env} carries a valid signature by this key under its key id. */
    public void requireSigned(Dsse.Envelope env) throws CryptoException {
        Dsse.verify(env, resolver(), 1);
    }
}
