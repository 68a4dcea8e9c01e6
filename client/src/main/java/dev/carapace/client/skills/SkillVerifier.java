package dev.carapace.client.skills;

import dev.carapace.client.HubException;
import dev.carapace.client.LogVerificationException;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.skills.SkillVerificationException.Step;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.IdentityKey;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.OwnerLinkConsent;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.NamespaceClaim;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.RevocationRule;
import dev.carapace.skills.SkillPackage;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.ProofException;
import dev.carapace.tlog.TlogProof;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Verifies a skill version before anyone relies on it, in this order: the author's signature (against the author's
 * key history, fetched and self-verified) and that the package bytes are the signed digest; inclusion of the
 * publication in the hub's log, under a checkpoint consistent with the one this client trusts; revocations (each
 * revoking statement verified and logged, then {@link RevocationRule}); ownership of the namespace by the author (a
 * logged, signed claim). Nothing the hub says is taken on its word: the hub only supplies bytes to check.
 */
public final class SkillVerifier {
    public static final String BUNDLE_TYPE = "carapace.skill-bundle.v1";

    /**
     * A verified audit, vouch or revocation about the package digest; {@code atMs} is when the hub accepted it, and
     * {@code standing} the signer's standing for {@link RevocationRule} (null if none could be verified), with the
     * agent's link consent that proves it ({@code consent}, null for an owner speaking for itself).
     */
    public record Statement(String kind, String signer, long logIndex, Dsse.Envelope envelope, JsonNode predicate,
                            long atMs, RevocationRule.Standing standing, Dsse.Envelope consent) {}

    /**
     * A version that passed every step (revocation is reported, and refused only when asked). {@code confusableWith}
     * names the existing skills the hub found this name confusable with (its publisher overrode the check).
     */
    public record Verified(String name, String version, String digest, byte[] packageBytes, JsonNode manifest,
                           String publisher, long publishIndex, Dsse.Envelope publication, long namespaceIndex,
                           Dsse.Envelope claim, List<Statement> attestations, boolean revoked, List<String> warnings,
                           List<String> confusableWith, long publishedMs, Map<String, KeyEventLog> identities) {}

    private final SkillsClient skills;
    private final LogVerifier log;
    private final Map<String, KeyEventLog> identities = new LinkedHashMap<>();

    public SkillVerifier(SkillsClient skills, LogVerifier log) {
        this.skills = skills;
        this.log = log;
    }

    /**
     * Verifies {@code name} at {@code version} (null: the latest published). With {@code refuseRevoked} a revoked
     * version fails at the revocation step, before namespace ownership is even looked at.
     */
    public Verified verify(String name, String version, boolean refuseRevoked)
            throws IOException, HubException, LogVerificationException, SkillVerificationException {
        log.update(); // a checkpoint inconsistent with the trusted one fails here, before anything else is believed
        JsonNode info = skills.info(name);
        JsonNode entry = null;
        for (JsonNode v : info.path("versions")) {
            if (version == null || version.equals(v.path("version").asString(""))) {
                entry = v;
            }
        }
        if (entry == null) {
            throw new SkillVerificationException(Step.PACKAGE, "the hub has no version " + version + " of " + name);
        }
        String ver = entry.path("version").asString("");
        // 1. signature, and the bytes are the signed digest
        Dsse.Envelope publication = envelope(entry.get("envelope"), Step.SIGNATURE, "publication");
        String publisher = signer(publication, this::identity, Step.SIGNATURE);
        if (!publisher.equals(entry.path("publisher").asString(""))) {
            throw new SkillVerificationException(Step.SIGNATURE, "the publication is signed by " + publisher
                    + ", not by the publisher the hub names");
        }
        Subject subject = subject(publication, Attestations.PUBLISH, name, ver, null, Step.SIGNATURE);
        byte[] bytes = skills.download(subject.digest());
        JsonNode manifest = checkPackage(bytes, subject);
        // 2. the publication is in the log
        long publishIndex = entry.path("logIndex").asLong(-1);
        inclusion(publishIndex, publication, "publication", Step.LOG);
        // 3. revocations and other statements, each verified and logged; unverifiable ones are ignored, loudly
        List<String> warnings = new ArrayList<>();
        List<Statement> statements = new ArrayList<>();
        for (JsonNode a : entry.path("attestations")) {
            long index = a.path("logIndex").asLong(-1);
            try {
                Dsse.Envelope env = envelope(a.get("envelope"), Step.REVOCATION, "statement");
                Statement s = statement(env, index, name, ver, subject.digest(), a, this::identity, warnings);
                inclusion(index, env, "statement " + index, Step.REVOCATION);
                statements.add(s);
            } catch (SkillVerificationException e) {
                warnings.add("ignored statement at log index " + index + ": " + e.getMessage());
            }
        }
        boolean revoked = revoked(publisher, statements, warnings);
        if (revoked && refuseRevoked) {
            throw new SkillVerificationException(Step.REVOCATION, name + "@" + ver + " is revoked: "
                    + revocationReasons(statements));
        }
        // 4. the namespace belongs to the publisher
        String namespace = name.substring(0, name.indexOf('/'));
        JsonNode ns = skills.namespace(namespace);
        if (ns == null) {
            throw new SkillVerificationException(Step.NAMESPACE, "namespace " + namespace + " has no logged claim");
        }
        Dsse.Envelope claim = envelope(ns.get("claim"), Step.NAMESPACE, "namespace claim");
        checkClaim(claim, namespace, publisher, this::identity);
        long nsIndex = ns.path("logIndex").asLong(-1);
        inclusion(nsIndex, claim, "namespace claim", Step.NAMESPACE);
        List<String> confusableWith = new ArrayList<>();
        for (JsonNode m : entry.path("confusableWith")) {
            confusableWith.add(m.path("existing").asString("?"));
            warnings.add("the name is confusable with " + m.path("existing").asString("?") + " ("
                    + m.path("reason").asString("") + "); its publisher overrode the check");
        }
        Map<String, KeyEventLog> used = new LinkedHashMap<>(identities);
        return new Verified(name, ver, subject.digest(), bytes, manifest, publisher, publishIndex, publication, nsIndex,
                claim, List.copyOf(statements), revoked, List.copyOf(warnings), List.copyOf(confusableWith),
                entry.path("publishedMs").asLong(0), used);
    }

    /** A bundle for offline verification: every statement as a C2SP tlog-proof carrying it, and the key histories. */
    public ObjectNode bundle(Verified v) throws IOException, HubException, LogVerificationException {
        ObjectNode b = Json.object();
        b.put("type", BUNDLE_TYPE);
        b.put("name", v.name());
        b.put("version", v.version());
        b.put("digest", v.digest());
        b.put("logKey", log.key().encode());
        ObjectNode ids = b.putObject("identities");
        v.identities().forEach((id, kel) -> ids.set(id, kel.toJson()));
        b.put("publication", log.proof(v.publishIndex()).encode());
        b.put("namespaceClaim", log.proof(v.namespaceIndex()).encode());
        ArrayNode atts = b.putArray("attestations");
        ArrayNode standing = b.putArray("standing");
        for (Statement s : v.attestations()) {
            atts.add(log.proof(s.logIndex()).encode());
            standing.add(facts(s));
        }
        return b;
    }

    /**
     * Verifies a package against a bundle with no network access. The log key must be the one the caller trusts for
     * that log (pinned earlier, or given); the checkpoints must carry the witness quorum.
     */
    public static Verified verifyBundle(byte[] packageBytes, JsonNode bundle, NoteVerifier logKey,
                                        List<Cosigner> witnesses, int quorum) throws SkillVerificationException {
        String name, version, digest;
        Map<String, KeyEventLog> ids = new LinkedHashMap<>();
        try {
            Json.onlyFields(bundle, "bundle", "type", "name", "version", "digest", "logKey", "identities",
                    "publication", "namespaceClaim", "attestations", "standing");
            if (!BUNDLE_TYPE.equals(Json.text(bundle, "type"))) {
                throw new CryptoException("type must be " + BUNDLE_TYPE);
            }
            name = Json.text(bundle, "name");
            version = Json.text(bundle, "version");
            digest = Json.text(bundle, "digest");
            if (!logKey.encode().equals(Json.text(bundle, "logKey"))) {
                throw new CryptoException("the bundle is for log key " + Json.text(bundle, "logKey")
                        + ", not the trusted " + logKey.encode());
            }
            for (var e : bundle.path("identities").properties()) {
                KeyEventLog kel = KeyEventLog.fromJson(e.getValue());
                if (!kel.id().toString().equals(e.getKey())) {
                    throw new CryptoException("identity " + e.getKey() + " in the bundle is another identity");
                }
                ids.put(e.getKey(), kel);
            }
        } catch (CryptoException e) {
            throw new SkillVerificationException(Step.SIGNATURE, "bad bundle: " + e.getMessage());
        }
        IdentitySource known = id -> {
            KeyEventLog k = ids.get(id);
            if (k == null) {
                throw new SkillVerificationException(Step.SIGNATURE, "the bundle lacks the key history of " + id);
            }
            return k;
        };
        Proven pub = proven(bundle.path("publication").asString(""), logKey, witnesses, quorum, Step.LOG);
        String publisher = signer(pub.envelope(), known, Step.SIGNATURE);
        Subject subject = subject(pub.envelope(), Attestations.PUBLISH, name, version, digest, Step.SIGNATURE);
        JsonNode manifest = checkPackage(packageBytes, subject);
        List<Statement> statements = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        JsonNode attestations = bundle.path("attestations");
        for (int i = 0; i < attestations.size(); i++) {
            Proven a = proven(attestations.get(i).asString(""), logKey, witnesses, quorum, Step.REVOCATION);
            statements.add(statement(a.envelope(), a.index(), name, version, digest,
                    bundle.path("standing").path(i), known, warnings));
        }
        boolean revoked = revoked(publisher, statements, warnings);
        if (revoked) {
            throw new SkillVerificationException(Step.REVOCATION, name + "@" + version + " is revoked: "
                    + revocationReasons(statements));
        }
        Proven claim = proven(bundle.path("namespaceClaim").asString(""), logKey, witnesses, quorum, Step.NAMESPACE);
        checkClaim(claim.envelope(), name.substring(0, name.indexOf('/')), publisher, known);
        return new Verified(name, version, digest, packageBytes.clone(), manifest, publisher, pub.index(),
                pub.envelope(), claim.index(), claim.envelope(), List.copyOf(statements), false, List.copyOf(warnings),
                List.of(), 0, ids);
    }

    // --- the checks, shared by online and offline verification ---------------------------------------------------

    @FunctionalInterface
    interface IdentitySource {
        KeyEventLog get(String id) throws SkillVerificationException;
    }

    private record Subject(String name, String version, String digest, JsonNode predicate) {}

    private record Proven(long index, Dsse.Envelope envelope) {}

    private KeyEventLog identity(String id) throws SkillVerificationException {
        KeyEventLog k = identities.get(id);
        if (k != null) {
            return k;
        }
        try {
            k = skills.hub().identity(id); // the history is self-verifying and must belong to the id asked for
        } catch (IOException | HubException e) {
            throw new SkillVerificationException(Step.SIGNATURE, "cannot get the key history of " + id + ": "
                    + e.getMessage());
        }
        identities.put(id, k);
        return k;
    }

    /** The single signature verifies under the key its key id names in the signer's history; returns the signer. */
    static String signer(Dsse.Envelope env, IdentitySource ids, Step step) throws SkillVerificationException {
        if (env.signatures().size() != 1) {
            throw new SkillVerificationException(step, "a statement carries exactly one signature");
        }
        String keyId = env.signatures().get(0).keyid();
        String id = NamespaceClaim.signerId(keyId);
        IdentityKey key = id == null ? null : IdentityKey.named(ids.get(id), keyId);
        if (key == null) {
            throw new SkillVerificationException(step, "key " + keyId + " is not in the signer's key history");
        }
        try {
            key.requireSigned(env);
        } catch (CryptoException e) {
            throw new SkillVerificationException(step, "signature by " + keyId + " does not verify");
        }
        return id;
    }

    /**
     * Whether one of the envelope's signatures is {@code id}'s, by a key of its history (a link consent also carries
     * the owner's countersignature, so it may have two).
     */
    private static boolean signedBy(Dsse.Envelope env, String id, IdentitySource ids) throws SkillVerificationException {
        KeyEventLog kel = ids.get(id);
        try {
            Dsse.verify(env, k -> {
                IdentityKey key = IdentityKey.named(kel, k);
                return key == null ? null : key.key();
            }, 1);
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }

    private static Subject subject(Dsse.Envelope env, String type, String name, String version, String digest, Step step)
            throws SkillVerificationException {
        try {
            InTotoStatement st = InTotoStatement.fromEnvelope(env);
            JsonNode predicate = Attestations.predicate(st, type);
            InTotoStatement.Subject s = st.subjects().get(0);
            if (!s.name().equals(name + "@" + version)) {
                throw new CryptoException("the statement is about " + s.name() + ", not " + name + "@" + version);
            }
            if (digest != null && !digest.equals(s.sha256Hex())) {
                throw new CryptoException("the statement is about digest " + s.sha256Hex() + ", not " + digest);
            }
            return new Subject(name, version, s.sha256Hex(), predicate);
        } catch (CryptoException e) {
            throw new SkillVerificationException(step, e.getMessage());
        }
    }

    /** The bytes are the signed digest, a strict package, and carry exactly the signed manifest. */
    private static JsonNode checkPackage(byte[] bytes, Subject subject) throws SkillVerificationException {
        String actual = Bytes.hex(Bytes.sha256(bytes));
        if (!actual.equals(subject.digest())) {
            throw new SkillVerificationException(Step.PACKAGE, "the package bytes (sha256 " + actual
                    + ") are not the signed digest " + subject.digest() + ": tampered");
        }
        try {
            JsonNode manifest = Json.parse(SkillPackage.read(bytes).manifest());
            if (!java.util.Arrays.equals(CanonicalJson.encode(manifest),
                    CanonicalJson.encode(subject.predicate().get("manifest")))) {
                throw new SkillVerificationException(Step.PACKAGE, "manifest.json is not the signed manifest");
            }
            return manifest;
        } catch (PackageException | CryptoException e) {
            throw new SkillVerificationException(Step.PACKAGE, "bad package: " + e.getMessage());
        }
    }

    /**
     * A statement, with the standing facts the hub gave beside it ({@code facts}: {@code createdMs} and
     * {@code standing}). The signed parts are checked here: that the owner is an owner-kind identity and, for an
     * agent, its signed consent to that owner. The times are the hub's record (docs/skills-trust.md). Standing that
     * does not verify is dropped with a warning; the statement itself stands.
     */
    private static Statement statement(Dsse.Envelope env, long index, String name, String version, String digest,
                                       JsonNode facts, IdentitySource ids, List<String> warnings)
            throws SkillVerificationException {
        String signer = signer(env, ids, Step.REVOCATION);
        String type;
        try {
            type = InTotoStatement.fromEnvelope(env).predicateType();
        } catch (CryptoException e) {
            throw new SkillVerificationException(Step.REVOCATION, e.getMessage());
        }
        String kind = Attestations.kindOf(type);
        if (kind == null) {
            throw new SkillVerificationException(Step.REVOCATION, "unknown statement type " + type);
        }
        Subject s = subject(env, type, name, version, digest, Step.REVOCATION);
        long atMs = facts.path("createdMs").asLong(0);
        JsonNode st = facts.path("standing");
        RevocationRule.Standing standing = null;
        Dsse.Envelope consent = null;
        if (st.isObject()) {
            try {
                String owner = Json.text(st, "owner");
                if (!"owner".equals(ids.get(owner).kind())) {
                    throw new CryptoException(owner + " is not an owner identity");
                }
                if (!owner.equals(signer)) {
                    consent = Dsse.fromJson(st.get("consent"));
                    OwnerLinkConsent c = OwnerLinkConsent.parse(consent);
                    if (!c.owner().equals(owner) || !c.agent().equals(signer) || !signedBy(consent, signer, ids)) {
                        throw new CryptoException("the link consent is not " + signer + "'s consent to " + owner);
                    }
                }
                // Whether the signer's reputation reaches standing is the hub's statement here; 'carapace rep
                // verify' checks the hub's scores against its log (docs/reputation.md).
                standing = new RevocationRule.Standing(owner, Json.integer(st, "sinceMs"),
                        st.path("reputable").asBoolean(false));
            } catch (CryptoException | SkillVerificationException | RuntimeException e) {
                consent = null;
                warnings.add("the standing of " + signer + " (statement at log index " + index
                        + ") does not verify: " + e.getMessage());
            }
        }
        return new Statement(kind, signer, index, env, s.predicate(), atMs, standing, consent);
    }

    /** The standing facts of a statement, as the hub serves them, for an offline bundle. */
    private static ObjectNode facts(Statement s) {
        ObjectNode o = Json.object();
        o.put("createdMs", s.atMs());
        if (s.standing() != null) {
            ObjectNode st = o.putObject("standing");
            st.put("owner", s.standing().owner());
            st.put("sinceMs", s.standing().sinceMs());
            st.put("reputable", s.standing().reputable());
            if (s.consent() != null) {
                st.set("consent", s.consent().toJson());
            }
        }
        return o;
    }

    private static void checkClaim(Dsse.Envelope claim, String namespace, String publisher, IdentitySource ids)
            throws SkillVerificationException {
        String owner = signer(claim, ids, Step.NAMESPACE);
        try {
            NamespaceClaim c = NamespaceClaim.parse(claim);
            if (!c.namespace().equals(namespace)) {
                throw new CryptoException("the claim is for namespace " + c.namespace() + ", not " + namespace);
            }
        } catch (CryptoException e) {
            throw new SkillVerificationException(Step.NAMESPACE, e.getMessage());
        }
        if (!owner.equals(publisher)) {
            throw new SkillVerificationException(Step.NAMESPACE, "namespace " + namespace + " belongs to " + owner
                    + ", but the package is published by " + publisher);
        }
    }

    /** The shared rule; each revocation by someone else that does not count is said in a warning. */
    private static boolean revoked(String publisher, List<Statement> statements, List<String> warnings) {
        List<RevocationRule.Statement> rs = new ArrayList<>();
        statements.forEach(s -> rs.add(new RevocationRule.Statement(s.kind(), s.signer(), s.atMs(), s.standing())));
        for (int i = 0; i < rs.size(); i++) {
            RevocationRule.Statement r = rs.get(i);
            if (r.kind().equals("revoke") && !r.signer().equals(publisher)) {
                String why = RevocationRule.whyNotCounted(r, rs);
                if (why != null) {
                    warnings.add("the revocation at log index " + statements.get(i).logIndex()
                            + " does not count toward the quorum: " + why);
                }
            }
        }
        return RevocationRule.revoked(publisher, rs);
    }

    private static String revocationReasons(List<Statement> statements) {
        List<String> reasons = new ArrayList<>();
        for (Statement s : statements) {
            if (s.kind().equals("revoke")) {
                reasons.add("'" + s.predicate().path("reason").asString("") + "' (by " + s.signer() + ", log index "
                        + s.logIndex() + ")");
            }
        }
        return String.join("; ", reasons);
    }

    private void inclusion(long index, Dsse.Envelope env, String what, Step step) throws SkillVerificationException {
        try {
            log.verifyInclusion(index, env.toBytes());
        } catch (LogVerificationException | IOException | HubException e) {
            throw new SkillVerificationException(step, "the " + what + " is not in the log at index " + index + ": "
                    + e.getMessage());
        }
    }

    private static Proven proven(String proofText, NoteVerifier logKey, List<Cosigner> witnesses, int quorum, Step step)
            throws SkillVerificationException {
        try {
            TlogProof p = TlogProof.parse(proofText);
            byte[] entry = p.verifyCarriedEntry(logKey, witnesses, quorum);
            return new Proven(p.index(), Dsse.fromJson(entry));
        } catch (CryptoException | ProofException e) {
            throw new SkillVerificationException(step, "a log proof in the bundle does not verify: " + e.getMessage());
        }
    }

    private static Dsse.Envelope envelope(JsonNode node, Step step, String what) throws SkillVerificationException {
        try {
            if (node == null) {
                throw new CryptoException("missing");
            }
            return Dsse.fromJson(node);
        } catch (CryptoException e) {
            throw new SkillVerificationException(step, "the " + what + " envelope is invalid: " + e.getMessage());
        }
    }
}
