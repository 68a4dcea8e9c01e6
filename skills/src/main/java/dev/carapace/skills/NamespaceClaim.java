package dev.carapace.skills;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A signed claim of a skill namespace: the first identity whose claim the hub logs owns the namespace. The claim is a
 * DSSE envelope over canonical JSON {@code {"type","namespace","owner","ts"}}, signed by the owner's key.
 */
public record NamespaceClaim(String namespace, String owner, long timestampMillis) {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.namespace-claim+json";
    public static final String TYPE = "carapace.skill-namespace-claim.v1";

    /** Signs a claim of {@code namespace} for the identity whose key id is {@code keyId} ({@code <id>#<seq>}). */
    public static Dsse.Envelope sign(String namespace, String keyId, Ed25519KeyPair key) {
        NameGuard.validatePart("namespace", namespace);
        ObjectNode o = Json.object();
        o.put("type", TYPE);
        o.put("namespace", namespace);
        String owner = signerId(keyId);
        if (owner == null) {
            throw new IllegalArgumentException("not a canonical key id: " + keyId);
        }
        o.put("owner", owner);
        o.put("ts", System.currentTimeMillis());
        try {
            return Dsse.sign(PAYLOAD_TYPE, CanonicalJson.encode(o), keyId, key);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a claim strictly: payload type, canonical form, only the known fields, owner equal to the signer. */
    public static NamespaceClaim parse(Dsse.Envelope env) throws CryptoException {
        if (!PAYLOAD_TYPE.equals(env.payloadType())) {
            throw new CryptoException("payloadType is '" + env.payloadType() + "', expected " + PAYLOAD_TYPE);
        }
        if (env.signatures().size() != 1) {
            throw new CryptoException("a namespace claim carries exactly one signature");
        }
        JsonNode n = Json.parse(env.payload());
        if (!Bytes.constantTimeEquals(CanonicalJson.encode(n), env.payload())) {
            throw new CryptoException("the claim is not in RFC 8785 canonical form");
        }
        Json.onlyFields(n, "namespace claim", "type", "namespace", "owner", "ts");
        if (!TYPE.equals(Json.text(n, "type"))) {
            throw new CryptoException("claim type must be " + TYPE);
        }
        String ns = Json.text(n, "namespace");
        try {
            NameGuard.validatePart("namespace", ns);
        } catch (IllegalArgumentException e) {
            throw new CryptoException(e.getMessage());
        }
        String owner = Json.text(n, "owner");
        if (!owner.equals(signerId(env.signatures().get(0).keyid()))) {
            throw new CryptoException("the claim names " + owner + " as owner but is signed by another identity");
        }
        return new NamespaceClaim(ns, owner, Json.integer(n, "ts"));
    }

    /** The identity part of a key id {@code <id>#<seq>} ({@link KeyId}); null when it is not a canonical key id. */
    public static String signerId(String keyId) {
        try {
            return KeyId.parse(keyId).id().toString();
        } catch (CryptoException e) {
            return null;
        }
    }
}
