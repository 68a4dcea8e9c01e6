package dev.carapace.hub.auth;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519PublicKey;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.HttpSignature;
import dev.carapace.hub.store.NonceStore;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/** Checks one request's RFC 9421 signature in Carapace's profile. */
public final class RequestAuthenticator {
    public static final long WINDOW_SECONDS = 60;

    /** The key an identity signs with now, as the verifier knows it. */
    public record CurrentKey(String id, long seq, String kind, Ed25519PublicKey key) {
        /** The key id statements name this key by: {@code <identity id>#<seq>}. */
        public String keyId() {
            return id + "#" + seq;
        }

        /** Fails unless the envelope carries a valid signature by this key, under its key id. */
        public void requireSigned(dev.carapace.crypto.Dsse.Envelope env) throws CryptoException {
            String keyId = keyId();
            dev.carapace.crypto.Dsse.verify(env, k -> keyId.equals(k) ? key : null, 1);
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
            if (keyCache.size() > 100_000) {
                keyCache.clear();
            }
            keyCache.put(b64url, k);
        }
        return k;
    }

    /**
     * Authenticates the request and claims its nonce. The order matters: cheap checks first, the signature before the
     * nonce is stored, so unsigned junk cannot fill the nonce table.
     */
    public CurrentKey authenticate(HttpSignature.Message msg, byte[] body, KeyLookup lookup)
            throws AuthFailure, SQLException {
        String input = msg.header("signature-input");
        String sig = msg.header("signature");
        if (input == null && sig == null) {
            throw new AuthFailure("unsigned", "this request must be signed (RFC 9421)");
        }
        HttpSignature.Parsed p;
        try {
            p = HttpSignature.parse(input, sig);
        } catch (CryptoException e) {
            throw new AuthFailure("malformed_signature", e.getMessage());
        }
        if (!p.components().containsAll(HttpSignature.PROFILE_COMPONENTS)) {
            throw new AuthFailure("insufficient_coverage",
                    "the signature must cover @method, @target-uri and content-digest");
        }
        if (!HttpSignature.ALG.equals(p.alg())) {
            throw new AuthFailure("unsupported_algorithm", "alg must be \"ed25519\"");
        }
        Long created = p.created();
        if (created == null) {
            throw new AuthFailure("missing_created", "the signature has no created parameter");
        }
        long now = clock.millis() / 1000;
        if (created > now + WINDOW_SECONDS) {
            throw new AuthFailure("future", "the signature is dated in the future");
        }
        if (created < now - WINDOW_SECONDS) {
            throw new AuthFailure("expired", "the signature is older than " + WINDOW_SECONDS + " s");
        }
        String nonce = p.nonce();
        if (nonce == null || nonce.length() < 16 || nonce.length() > 128) {
            throw new AuthFailure("missing_nonce", "the signature needs a nonce of 16 to 128 characters");
        }
        String keyid = p.keyid();
        int hash = keyid == null ? -1 : keyid.lastIndexOf('#');
        if (hash < 0 || !AgentId.isValid(keyid.substring(0, hash))) {
            throw new AuthFailure("malformed_keyid", "keyid must be <agent id>#<seq>");
        }
        long seq;
        try {
            seq = Long.parseLong(keyid.substring(hash + 1));
        } catch (NumberFormatException e) {
            throw new AuthFailure("malformed_keyid", "keyid must be <agent id>#<seq>");
        }
        CurrentKey current = lookup.lookup(keyid.substring(0, hash));
        if (current == null) {
            throw new AuthFailure("unknown_key", "no identity " + keyid.substring(0, hash) + " is registered");
        }
        if (current.seq() != seq) {
            throw new AuthFailure("stale_key", "key " + keyid + " is not the identity's current key (#"
                    + current.seq() + ")");
        }
        if (!ContentDigest.matches(msg.header("content-digest"), body)) {
            throw new AuthFailure("digest_mismatch", "Content-Digest is missing or does not match the body");
        }
        if (!HttpSignature.verify(msg, p, current.key())) {
            throw new AuthFailure("bad_signature", "the signature does not verify with key " + keyid);
        }
        if (!nonces.claim(keyid, nonce, (now + 2 * WINDOW_SECONDS + 1) * 1000)) {
            throw new AuthFailure("replayed", "this nonce was already used");
        }
        return current;
    }
}
