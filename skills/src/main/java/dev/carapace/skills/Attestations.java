package dev.carapace.skills;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * In-toto predicates about a skill package. The subject is {@code name@version} with the package's SHA-256;
 * signing and verification are crypto's DSSE ({@link InTotoStatement#sign}, {@code Dsse.verify}).
 */
public final class Attestations {
    public static final String PUBLISH = "https://carapace.dev/attestations/publish/v1";
    public static final String AUDIT = "https://carapace.dev/attestations/audit/v1";
    public static final String VOUCH = "https://carapace.dev/attestations/vouch/v1";
    public static final String REVOKE = "https://carapace.dev/attestations/revoke/v1";

    private Attestations() {}

    /**
     * The short kind ("audit", "vouch", "revoke") of a statement about a published version, by predicate type; null
     * for any other type (publications included, which are not statements about a version).
     */
    public static String kindOf(String predicateType) {
        return switch (predicateType) {
            case AUDIT -> "audit";
            case VOUCH -> "vouch";
            case REVOKE -> "revoke";
            default -> null;
        };
    }

    private static List<InTotoStatement.Subject> subject(String name, String version, String sha256Hex) {
        NameGuard.validate(name);
        return List.of(new InTotoStatement.Subject(name + "@" + version, sha256Hex));
    }

    /** Publication: the predicate carries the manifest. */
    public static InTotoStatement publish(String name, String version, String sha256Hex, JsonNode manifest) {
        ObjectNode p = Json.object();
        p.set("manifest", manifest);
        return new InTotoStatement(subject(name, version, sha256Hex), PUBLISH, p);
    }

    /** Audit: verdict, scanner, rules and findings from a {@link Scanner.ScanReport}. */
    public static InTotoStatement audit(String name, String version, String sha256Hex, Scanner.ScanReport report) {
        return new InTotoStatement(subject(name, version, sha256Hex), AUDIT, report.toJson());
    }

    public static InTotoStatement vouch(String name, String version, String sha256Hex, String statement) {
        ObjectNode p = Json.object();
        p.put("statement", statement);
        return new InTotoStatement(subject(name, version, sha256Hex), VOUCH, p);
    }

    public static InTotoStatement revoke(String name, String version, String sha256Hex, String reason) {
        if (reason == null || reason.isBlank()) throw new IllegalArgumentException("a revocation needs a reason");
        ObjectNode p = Json.object();
        p.put("reason", reason);
        return new InTotoStatement(subject(name, version, sha256Hex), REVOKE, p);
    }

    /** Checks a parsed statement has the expected predicate type and one subject; returns its predicate. */
    public static JsonNode predicate(InTotoStatement st, String expectedType) throws CryptoException {
        if (!expectedType.equals(st.predicateType())) throw new CryptoException("predicateType is " + st.predicateType() + ", expected " + expectedType);
        if (st.subjects().size() != 1) throw new CryptoException("a skill attestation has exactly one subject");
        JsonNode p = st.predicate();
        boolean ok = switch (expectedType) {
            case PUBLISH -> p.path("manifest").isObject();
            case AUDIT -> p.path("verdict").isString() && p.path("findings").isArray() && p.path("rules").isObject();
            case VOUCH -> p.path("statement").isString();
            case REVOKE -> p.path("reason").isString() && !p.path("reason").asString().isBlank();
            default -> false;
        };
        if (!ok) throw new CryptoException("predicate does not have the fields " + expectedType + " requires");
        return p;
    }
}
