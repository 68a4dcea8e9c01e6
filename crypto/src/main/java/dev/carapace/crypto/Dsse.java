package dev.carapace.crypto;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * DSSE (Dead Simple Signing Envelope) v1: a payload, its type, and one or more signatures over the
 * pre-authentication encoding {@code PAE(type, payload)}, so a signature can never be replayed under another type.
 */
public final class Dsse {
    public static final int MAX_SIGNATURES = 64;

    private Dsse() {}

    public record Signature(String keyid, byte[] sig) {}

    public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {
        public Envelope {
            signatures = List.copyOf(signatures);
        }

        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("payload", Bytes.b64(payload));
            o.put("payloadType", payloadType);
            ArrayNode arr = o.putArray("signatures");
            for (Signature s : signatures) {
                ObjectNode so = arr.addObject();
                so.put("keyid", s.keyid());
                so.put("sig", Bytes.b64(s.sig()));
            }
            return o;
        }

        /** Canonical JSON bytes of the envelope, as stored and transmitted. */
        public byte[] toBytes() {
            try {
                return CanonicalJson.encode(toJson());
            } catch (CryptoException e) {
                throw new IllegalStateException(e);
            }
        }

        public Envelope withSignature(Signature s) {
            List<Signature> all = new ArrayList<>(signatures);
            all.add(s);
            return new Envelope(payloadType, payload, all);
        }
    }

    /** Resolves a key id to the key it names, or null when the verifier does not accept that key. */
    @FunctionalInterface
    public interface KeyResolver {
        Ed25519PublicKey resolve(String keyid) throws CryptoException;
    }

    /** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII decimal. */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] mid = (" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + type.length + mid.length + payload.length];
        int p = 0;
        System.arraycopy(head, 0, out, p, head.length);
        p += head.length;
        System.arraycopy(type, 0, out, p, type.length);
        p += type.length;
        System.arraycopy(mid, 0, out, p, mid.length);
        p += mid.length;
        System.arraycopy(payload, 0, out, p, payload.length);
        return out;
    }

    public static Envelope sign(String payloadType, byte[] payload, String keyid, Ed25519KeyPair key) {
        return new Envelope(payloadType, payload, List.of(signature(payloadType, payload, keyid, key)));
    }

    public static Signature signature(String payloadType, byte[] payload, String keyid, Ed25519KeyPair key) {
        return new Signature(keyid, key.sign(pae(payloadType, payload)));
    }

    /**
     * Verifies the envelope and returns the key ids whose signatures are valid and accepted by the resolver. Fails
     * unless at least {@code threshold} distinct accepted keys signed.
     */
    public static List<String> verify(Envelope env, KeyResolver resolver, int threshold) throws CryptoException {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        byte[] pae = pae(env.payloadType(), env.payload());
        List<String> good = new ArrayList<>();
        List<Ed25519PublicKey> seen = new ArrayList<>();
        for (Signature s : env.signatures()) {
            Ed25519PublicKey key = resolver.resolve(s.keyid());
            if (key == null || seen.contains(key)) {
                continue;
            }
            if (key.verify(pae, s.sig())) {
                seen.add(key);
                good.add(s.keyid());
            }
        }
        if (good.size() < threshold) {
            throw new CryptoException(good.isEmpty() ? "no valid signature from an accepted key"
                    : "only " + good.size() + " of the required " + threshold + " signatures are valid");
        }
        return good;
    }

    public static Envelope fromJson(JsonNode node) throws CryptoException {
        if (node == null || !node.isObject()) {
            throw new CryptoException("a DSSE envelope is a JSON object");
        }
        Json.onlyFields(node, "DSSE envelope", "payload", "payloadType", "signatures");
        byte[] payload = Bytes.fromB64(Json.text(node, "payload"));
        String type = Json.text(node, "payloadType");
        JsonNode sigs = node.get("signatures");
        if (sigs == null || !sigs.isArray() || sigs.isEmpty()) {
            throw new CryptoException("DSSE envelope: 'signatures' must be a non-empty array");
        }
        if (sigs.size() > MAX_SIGNATURES) {
            throw new CryptoException("DSSE envelope: more than " + MAX_SIGNATURES + " signatures");
        }
        List<Signature> list = new ArrayList<>();
        for (JsonNode s : sigs) {
            Json.onlyFields(s, "DSSE signature", "keyid", "sig");
            String keyid = s.has("keyid") ? Json.text(s, "keyid") : "";
            list.add(new Signature(keyid, Bytes.fromB64(Json.text(s, "sig"))));
        }
        return new Envelope(type, payload, list);
    }

    public static Envelope fromJson(byte[] json) throws CryptoException {
        return fromJson(Json.parse(json));
    }
}
