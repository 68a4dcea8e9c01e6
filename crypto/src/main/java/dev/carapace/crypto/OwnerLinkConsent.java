package dev.carapace.crypto;

import tools.jackson.databind.JsonNode;

/**
 * An agent's signed consent to be claimed by an owner ({@value PayloadTypes#OWNER_LINK_CONSENT}): the canonical JSON
 * statement {@code {"type":"carapace.owner-link.v1","owner":…,"agent":…,"ts":…}}. This class reads one; checking the
 * signature against the agent's key history is the caller's (it knows where histories come from).
 */
public record OwnerLinkConsent(String owner, String agent, long ts) {
    public static final String TYPE = "carapace.owner-link.v1";

    public static OwnerLinkConsent parse(Dsse.Envelope env) throws CryptoException {
        if (!PayloadTypes.OWNER_LINK_CONSENT.equals(env.payloadType())) {
            throw new CryptoException("consent payloadType must be " + PayloadTypes.OWNER_LINK_CONSENT);
        }
        JsonNode st = Json.parse(env.payload());
        Json.onlyFields(st, "consent", "type", "owner", "agent", "ts");
        if (!Bytes.constantTimeEquals(CanonicalJson.encode(st), env.payload())) {
            throw new CryptoException("consent payload must be RFC 8785 canonical");
        }
        if (!TYPE.equals(Json.text(st, "type"))) {
            throw new CryptoException("consent type must be " + TYPE);
        }
        return new OwnerLinkConsent(Json.text(st, "owner"), Json.text(st, "agent"), Json.integer(st, "ts"));
    }
}
