package dev.carapace.hub.auth;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519PublicKey;
import dev.carapace.crypto.IdentityKey;
import dev.carapace.crypto.KeyId;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.HttpSignature;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.store.NonceStore;
import dev.carapace.protocol.ErrorReason;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks one request's RFC 9421 signature in Carapace's profile, in two steps around the key lookup: {@link #claim}
 * reads only the headers, {@link #verify} checks the key, the body digest, the signature and the nonce.
 */
public final class RequestAuthenticator {
    public static final long WINDOW_SECONDS = HubLimits.SIGNATURE_WINDOW_SECONDS;

    /** The key an identity signs with now, as the verifier knows it. */
    public record CurrentKey(String id, long seq, String kind, Ed25519PublicKey key) {
        /** The key id statements name this key by: {@code <identity id>#<seq>}. */
        public KeyId keyId() {
            try {
                return new KeyId(AgentId.parse(id), seq);
            } catch (CryptoException e) {
                throw new IllegalStateException("a stored identity id is not an agent id", e);
            }
        }

        /** Fails unless the envelope carries a valid signature by this key, under its key id ({@link IdentityKey}). */
        public void requireSigned(dev.carapace.crypto.Dsse.Envelope env) throws CryptoException {
            new IdentityKey(keyId(), key).requireSigned(env);
        }
    }

    /** Looks up an identity's current key; null when the identity is unknown. */
    @FunctionalInterface
    public interface KeyLookup {
        CurrentKey lookup(String id) throws SQLException;
    }

    private final NonceStore nonces;
    private final Clock clock;
    // Decompressed public points, reused across requests: verification is the hot path.
    private final ConcurrentHashMap<String, Ed25519PublicKey> keyCache = new ConcurrentHashMap<>();

    public RequestAuthenticator(NonceStore nonces, Clock clock) {
        this.nonces = nonces;
        this.clock = clock;
    }

    public Ed25519PublicKey cachedKey(String b64url) throws CryptoException {
        Ed25519PublicKey k = keyCache.get(b64url);
        if (k == null) {
            k = Ed25519PublicKey.fromB64url(b64url);
            if (keyCache.size() > HubLimits.KEY_CACHE_ENTRIES) {
                keyCache.clear();
            }
            keyCache.put(b64url, k);
        }
        return k;
    }

    /**
     * What a request's signature headers claim, checked without touching the body or the database: the profile, the
     * time window and the canonical key id.
     */
    public record Claim(HttpSignature.Parsed signature, KeyId keyId) {
        public String id() {
            return keyId.id().toString();
        }

        public long seq() {
            return keyId.seq();
        }
    }

    /**
     * The first step, for every signed route: parses the signature under the hub's label and checks everything that
     * costs no more than the headers' length. Nothing here reads the body or the database.
     */
    public Claim claim(HttpSignature.Message msg) throws AuthFailure {
        String input = msg.header("signature-input");
        String sig = msg.header("signature");
        if (input == null && sig == null) {
            throw new AuthFailure(ErrorReason.UNSIGNED, "this request must be signed (RFC 9421)");
        }
        HttpSignature.Parsed p;
        try {
            p = HttpSignature.parse(input, sig, HttpSignature.LABEL);
        } catch (CryptoException e) {
            throw new AuthFailure(ErrorReason.MALFORMED_SIGNATURE, e.getMessage());
        }
        if (p == null) {
            throw new AuthFailure(ErrorReason.UNSIGNED, "this request carries no signature under the label \""
                    + HttpSignature.LABEL + "\" (RFC 9421)");
        }
        if (!p.components().containsAll(HttpSignature.PROFILE_COMPONENTS)) {
            throw new AuthFailure(ErrorReason.INSUFFICIENT_COVERAGE,
                    "the signature must cover @method, @target-uri and content-digest");
        }
        if (!HttpSignature.ALG.equals(p.alg())) {
            throw new AuthFailure(ErrorReason.UNSUPPORTED_ALGORITHM, "alg must be \"ed25519\"");
        }
        Long created = p.created();
        if (created == null) {
            throw new AuthFailure(ErrorReason.MISSING_CREATED, "the signature has no created parameter");
        }
        long now = clock.millis() / 1000;
        if (created > now + WINDOW_SECONDS) {
            throw new AuthFailure(ErrorReason.FUTURE, "the signature is dated in the future");
        }
        if (created < now - WINDOW_SECONDS) {
            throw new AuthFailure(ErrorReason.EXPIRED, "the signature is older than " + WINDOW_SECONDS + " s");
        }
        if (p.params().containsKey("expires")) {
            Long expires = p.expires();
            if (expires == null || expires < created) {
                throw new AuthFailure(ErrorReason.MALFORMED_SIGNATURE, "expires must be an integer not before created");
            }
            if (expires <= now) {
                throw new AuthFailure(ErrorReason.EXPIRED, "the signature expired (RFC 9421 expires)");
            }
        }
        String nonce = p.nonce();
        if (nonce == null || nonce.length() < HubLimits.NONCE_MIN_CHARS
                || nonce.length() > HubLimits.NONCE_MAX_CHARS) {
            throw new AuthFailure(ErrorReason.MISSING_NONCE, "the signature needs a nonce of "
                    + HubLimits.NONCE_MIN_CHARS + " to " + HubLimits.NONCE_MAX_CHARS + " characters");
        }
        try {
            return new Claim(p, KeyId.parse(p.keyid()));
        } catch (CryptoException e) {
            throw new AuthFailure(ErrorReason.MALFORMED_KEYID, "keyid must be <agent id>#<seq> in canonical form: "
                    + e.getMessage());
        }
    }

    /**
     * The last step: {@code current} is the signer's current key as the hub knows it (null if it knows none). Checks
     * the key id names exactly that key, the body digest and the signature, and only then claims the nonce, so
     * unsigned junk cannot fill the nonce table.
     */
    public CurrentKey verify(HttpSignature.Message msg, byte[] body, Claim claim, CurrentKey current)
            throws AuthFailure, SQLException {
        String keyid = claim.keyId().toString();
        if (current == null || !current.id().equals(claim.id()) || claim.seq() > current.seq()) {
            throw new AuthFailure(ErrorReason.UNKNOWN_KEY, "no key " + keyid + " is registered");
        }
        if (claim.seq() < current.seq()) {
            throw new AuthFailure(ErrorReason.STALE_KEY, "key " + keyid + " is not the identity's current key (#"
                    + current.seq() + ")");
        }
        if (!ContentDigest.matches(msg.header("content-digest"), body)) {
            throw new AuthFailure(ErrorReason.DIGEST_MISMATCH, "Content-Digest is missing or does not match the body");
        }
        if (!HttpSignature.verify(msg, claim.signature(), current.key())) {
            throw new AuthFailure(ErrorReason.BAD_SIGNATURE, "the signature does not verify with key " + keyid);
        }
        long now = clock.millis() / 1000;
        if (!nonces.claim(keyid, claim.signature().nonce(), (now + 2 * WINDOW_SECONDS + 1) * 1000)) {
            throw new AuthFailure(ErrorReason.REPLAYED, "this nonce was already used");
        }
        return current;
    }
}
