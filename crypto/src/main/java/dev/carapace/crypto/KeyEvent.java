package dev.carapace.crypto;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One signed event of a key event log.
 *
 * <p>An inception event (seq 0) names the first key and the kind of identity. A rotation event (seq n &gt; 0) names
 * the identity, the digest of the previous event, and reveals the key whose SHA-256 the previous event committed to.
 * Every event commits to the digest of the key that will come next, and is signed by the key it establishes: a thief
 * holding only the current key cannot rotate, and the holder of the pre-committed next key can recover a lost one.
 */
public record KeyEvent(
        Type type,
        long seq,
        String id,
        byte[] previous,
        Ed25519PublicKey key,
        byte[] nextKeyDigest,
        String kind,
        long timestampMillis,
        byte[] signature) {

    public static final String VERSION = "carapace.kel.v1";

    public enum Type {
        INCEPTION("inception"),
        ROTATION("rotation");

        final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        static Type of(String s) throws KelException {
            for (Type t : values()) {
                if (t.wire.equals(s)) {
                    return t;
                }
            }
            throw new KelException(KelException.Reason.MALFORMED, "unknown event type '" + s + "'");
        }
    }

    /** The signed body, without the signature. */
    public ObjectNode body() {
        ObjectNode o = Json.object();
        o.put("v", VERSION);
        o.put("type", type.wire);
        o.put("seq", seq);
        if (type == Type.INCEPTION) {
            o.put("kind", kind);
        } else {
            o.put("id", id);
            o.put("prev", Bytes.b64url(previous));
        }
        o.put("key", key.b64url());
        o.put("next", Bytes.b64url(nextKeyDigest));
        o.put("ts", timestampMillis);
        return o;
    }

    public byte[] canonicalBody() {
        try {
            return CanonicalJson.encode(body());
        } catch (CryptoException e) {
            throw new IllegalStateException("event body is always canonicalizable", e);
        }
    }

    /** SHA-256 of the canonical body; the next event's {@code prev}, and for an inception the agent id. */
    public byte[] digest() {
        return Bytes.sha256(canonicalBody());
    }

    public boolean signatureValid() {
        return key.verify(canonicalBody(), signature);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.set("event", body());
        o.put("sig", Bytes.b64url(signature));
        return o;
    }

    static KeyEvent sign(Type type, long seq, String id, byte[] previous, Ed25519KeyPair signer, byte[] nextDigest,
                         String kind, long ts) {
        KeyEvent unsigned = new KeyEvent(type, seq, id, previous, signer.publicKey(), nextDigest, kind, ts, new byte[0]);
        byte[] sig = signer.sign(unsigned.canonicalBody());
        return new KeyEvent(type, seq, id, previous, signer.publicKey(), nextDigest, kind, ts, sig);
    }

    /** Parses one event strictly: unknown or missing fields are errors. Does not check the signature. */
    public static KeyEvent fromJson(JsonNode node) throws KelException {
        try {
            if (!node.isObject()) {
                throw new KelException(KelException.Reason.MALFORMED, "an event is a JSON object");
            }
            Json.onlyFields(node, "signed event", "event", "sig");
            JsonNode e = node.get("event");
            if (e == null || !e.isObject()) {
                throw new KelException(KelException.Reason.MALFORMED, "signed event lacks 'event'");
            }
            byte[] sig = Bytes.fromB64url(Json.text(node, "sig"));
            if (!VERSION.equals(Json.text(e, "v"))) {
                throw new KelException(KelException.Reason.MALFORMED, "unsupported event version");
            }
            Type type = Type.of(Json.text(e, "type"));
            long seq = Json.integer(e, "seq");
            Ed25519PublicKey key = Ed25519PublicKey.fromB64url(Json.text(e, "key"));
            byte[] next = Bytes.fromB64url(Json.text(e, "next"));
            if (next.length != 32) {
                throw new KelException(KelException.Reason.MALFORMED, "'next' must be a 32-byte digest");
            }
            long ts = Json.integer(e, "ts");
            if (type == Type.INCEPTION) {
                Json.onlyFields(e, "inception event", "v", "type", "seq", "kind", "key", "next", "ts");
                String kind = Json.text(e, "kind");
                if (!kind.equals("agent") && !kind.equals("owner")) {
                    throw new KelException(KelException.Reason.MALFORMED, "'kind' must be 'agent' or 'owner'");
                }
                return new KeyEvent(type, seq, null, null, key, next, kind, ts, sig);
            }
            Json.onlyFields(e, "rotation event", "v", "type", "seq", "id", "prev", "key", "next", "ts");
            byte[] prev = Bytes.fromB64url(Json.text(e, "prev"));
            if (prev.length != 32) {
                throw new KelException(KelException.Reason.MALFORMED, "'prev' must be a 32-byte digest");
            }
            return new KeyEvent(type, seq, Json.text(e, "id"), prev, key, next, null, ts, sig);
        } catch (KelException e) {
            throw e;
        } catch (CryptoException e) {
            throw new KelException(KelException.Reason.MALFORMED, "malformed event: " + e.getMessage());
        }
    }
}
