package dev.carapace.crypto;

import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An agent's identity key certifying one installation's messaging signature key: a DSSE envelope of type
 * {@value #PAYLOAD_TYPE} over the RFC 8785 form of
 * {@code {"type": "carapace.mls-installation.v1", "agent", "installation", "signatureKey"}}, signed by the agent's
 * current key. Its canonical JSON is the identity of the installation's MLS basic credential, so every group member
 * (and the hub, on upload) can check that a leaf speaks for the agent it names.
 */
public final class InstallationCertificate {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.mls-installation+json";
    public static final String TYPE = "carapace.mls-installation.v1";
    /** Installation ids are chosen by the client: 8 to 64 base64url characters. */
    public static final Pattern INSTALLATION_ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");
    private static final int MAX_BYTES = 4096;

    /** What a verified certificate says. {@code keyId} is the identity key that signed it. */
    public record Claims(String agent, String installation, byte[] signatureKey, String keyId) {}

    private InstallationCertificate() {}

    /** Certifies {@code signatureKey} (a raw Ed25519 public key) for this agent's installation. */
    public static byte[] issue(KeyEventLog agent, Ed25519KeyPair identityKey, String installation,
                               byte[] signatureKey) {
        if (!INSTALLATION_ID.matcher(installation).matches()) {
            throw new IllegalArgumentException("installation ids are 8 to 64 base64url characters");
        }
        ObjectNode st = Json.object();
        st.put("type", TYPE);
        st.put("agent", agent.id().toString());
        st.put("installation", installation);
        st.put("signatureKey", Bytes.b64url(signatureKey));
        try {
            Dsse.Envelope env = Dsse.sign(PAYLOAD_TYPE, CanonicalJson.encode(st), agent.currentKeyId(), identityKey);
            return CanonicalJson.encode(env.toJson());
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses the claims without checking the signature; only to find out whose key to fetch before {@link #verify}.
     */
    public static Claims peek(byte[] certificate) throws CryptoException {
        return claims(envelope(certificate));
    }

    private static Dsse.Envelope envelope(byte[] certificate) throws CryptoException {
        if (certificate == null || certificate.length > MAX_BYTES) {
            throw new CryptoException("installation certificate missing or larger than " + MAX_BYTES + " bytes");
        }
        return Dsse.fromJson(certificate);
    }

    private static Claims claims(Dsse.Envelope env) throws CryptoException {
        if (!PAYLOAD_TYPE.equals(env.payloadType()) || env.signatures().size() != 1) {
            throw new CryptoException("not an installation certificate");
        }
        JsonNode st = Json.parse(env.payload());
        Json.onlyFields(st, "installation certificate", "type", "agent", "installation", "signatureKey");
        if (!Bytes.constantTimeEquals(CanonicalJson.encode(st), env.payload())) {
            throw new CryptoException("installation certificate payload is not canonical");
        }
        if (!TYPE.equals(Json.text(st, "type"))) {
            throw new CryptoException("installation certificate has the wrong type");
        }
        String agent = AgentId.parse(Json.text(st, "agent")).toString();
        String installation = Json.text(st, "installation");
        if (!INSTALLATION_ID.matcher(installation).matches()) {
            throw new CryptoException("installation id is not 8 to 64 base64url characters");
        }
        return new Claims(agent, installation, Bytes.fromB64url(Json.text(st, "signatureKey")),
                env.signatures().get(0).keyid());
    }

    /**
     * Verifies that {@code certificate} was signed by the agent's <em>current</em> key according to its verified key
     * event log, and that it certifies {@code signatureKey}. Returns the claims.
     */
    public static Claims verify(byte[] certificate, KeyEventLog agentLog, byte[] signatureKey) throws CryptoException {
        return verify(certificate, agentLog, signatureKey, IdentityKey.current(agentLog).resolver());
    }

    /**
     * Like {@link #verify}, but accepts a certificate signed by any key the agent's verified log established (the one
     * its key id names), current or rotated out. For bindings already made, such as a member's leaf in a group, which
     * must not break when the agent later rotates; a new binding (a KeyPackage to add) needs {@link #verify}.
     */
    public static Claims verifyByLoggedKey(byte[] certificate, KeyEventLog agentLog, byte[] signatureKey)
            throws CryptoException {
        return verify(certificate, agentLog, signatureKey, k -> {
            IdentityKey named = IdentityKey.named(agentLog, k);
            return named == null ? null : named.key();
        });
    }

    private static Claims verify(byte[] certificate, KeyEventLog agentLog, byte[] signatureKey,
                                 Dsse.KeyResolver keys) throws CryptoException {
        Dsse.Envelope env = envelope(certificate); // parsed once for the claims and the signature
        Claims c = claims(env);
        if (!agentLog.id().toString().equals(c.agent())) {
            throw new CryptoException("the certificate names another agent");
        }
        if (!Bytes.constantTimeEquals(c.signatureKey(), signatureKey)) {
            throw new CryptoException("the certificate is for another signature key");
        }
        Dsse.verify(env, keys, 1);
        return c;
    }
}
