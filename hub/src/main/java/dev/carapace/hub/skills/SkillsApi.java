package dev.carapace.hub.skills;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.LogReceipts;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.JdbcPackageStore;
import dev.carapace.hub.store.JdbcSkillRegistryStore;
import dev.carapace.hub.store.PackageStore;
import dev.carapace.hub.store.SkillRegistryStore;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.NameGuard;
import dev.carapace.skills.NamespaceClaim;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.RevocationRule;
import dev.carapace.skills.SkillPackage;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The skill registry's routes. Namespaces belong to the first identity whose signed claim is logged; a version is
 * published once, by its namespace's owner, as a DSSE in-toto statement over the package digest; audits, vouches and
 * revocations are statements by others about a digest. Every claim, publication and attestation is appended to the
 * transparency log before it is stored, and every answer carries the log index so clients can check inclusion.
 */
public final class SkillsApi {
    /** What installers are told about a name when its publisher overrode the confusable check. */
    private static final java.util.regex.Pattern VERSION =
            java.util.regex.Pattern.compile("(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,40})?");
    private static final java.util.regex.Pattern DIGEST = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    /**
     * Uploaded packages that no publication names yet, per client address and per owner (not per key: identities
     * are free): storage is not a free-for-all.
     */
    public static final int MAX_PENDING_UPLOADS = HubLimits.PENDING_UPLOADS;
    /** Bytes of unpublished uploads per client address and per owner. */
    public static final long MAX_PENDING_BYTES = HubLimits.PENDING_BYTES;
    /** Uploads and parts that no publication names are deleted after this long. */
    public static final long PENDING_UPLOAD_TTL_MS = HubLimits.PENDING_UPLOAD_TTL_MS;
    /** Parts one package may be uploaded in, and unassembled parts per client address and per owner. */
    public static final int MAX_PARTS = HubLimits.UPLOAD_PARTS;
    /** Bytes of unassembled parts per client address and per owner: one package of the largest size. */
    public static final long MAX_PART_BYTES = HubLimits.UPLOAD_PART_BYTES;
    /** Statements one version may collect, so its record stays bounded whatever Sybils post. */
    public static final int MAX_STATEMENTS_PER_VERSION = HubLimits.STATEMENTS_PER_VERSION;

    private final SkillRegistryStore records;
    private final PackageStore packages;
    private final SkillRegistry registry;

    /**
     * Who has reputation standing now (docs/reputation.md): read once per request, so the revocation quorum counts
     * only auditors with standing.
     */
    public interface Standing {
        Predicate<String> now() throws SQLException;
    }

    private final Standing reputation;

    public SkillsApi(Database db, TransparencyLog log, Clock clock, Standing reputation) {
        this.reputation = reputation;
        this.records = new JdbcSkillRegistryStore(db);
        this.packages = new JdbcPackageStore(db, clock, PENDING_UPLOAD_TTL_MS);
        this.registry = new SkillRegistry(records, log, clock, MAX_STATEMENTS_PER_VERSION);
    }

    public List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/namespaces", Route.Auth.SIGNED, "skills",
                        "Claim a skill namespace with a signed claim; the first logged claim owns it.", this::claim),
                new Route("GET", "/v1/namespaces/{namespace}", Route.Auth.PUBLIC, "skills",
                        "A namespace's owner and the logged claim.", this::namespace),
                new Route("PUT", "/v1/packages/{digest}", Route.Auth.SIGNED, "skills",
                        "Upload package bytes (a strict skill ZIP) under their SHA-256; publish them next.",
                        "application/octet-stream", this::upload),
                new Route("PUT", "/v1/packages/{digest}/parts/{part}", Route.Auth.SIGNED, "skills",
                        "Upload one part (0-based) of a package larger than a request body.",
                        "application/octet-stream", this::part),
                new Route("POST", "/v1/packages/{digest}/assemble", Route.Auth.SIGNED, "skills",
                        "Join your uploaded parts 0..parts-1 into the package with that SHA-256 and store it.",
                        this::assemble),
                new Route("GET", "/v1/packages/{digest}", Route.Auth.PUBLIC, "skills",
                        "Download package bytes by SHA-256.", this::download),
                new Route("POST", "/v1/skills", Route.Auth.SIGNED, "skills",
                        "Publish a version: the author's DSSE in-toto publish statement over an uploaded package.",
                        this::publish),
                new Route("GET", "/v1/skills", Route.Auth.PUBLIC, "skills",
                        "List or search skills (?q=text).", this::search),
                new Route("GET", "/v1/skills/{namespace}/{name}", Route.Auth.PUBLIC, "skills",
                        "Versions, digests, statements with log indexes, revocation status and confusable warnings.",
                        this::info),
                new Route("POST", "/v1/attestations", Route.Auth.SIGNED, "skills",
                        "Add an audit, vouch or revocation statement about a published package digest.",
                        this::attest));
    }

    // --- writes --------------------------------------------------------------------------------------------------

    private Reply claim(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "claim", "allowConfusable");
        boolean allowConfusable = flag(body, "allowConfusable");
        Dsse.Envelope env = envelope(body.get("claim"), "claim");
        verifyCaller(call, env);
        NamespaceClaim claim;
        try {
            claim = NamespaceClaim.parse(env);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_CLAIM, e.getMessage());
        }
        return switch (registry.claim(call.caller().id(), claim.namespace(), env, allowConfusable)) {
            case SkillRegistry.Claimed c -> {
                ObjectNode o = LogReceipts.json(c.receipt());
                o.put("namespace", c.namespace());
                o.put("owner", c.owner());
                yield Reply.json(201, o);
            }
            case SkillRegistry.AlreadyYours a ->
                    throw new ApiException(ErrorReason.NAMESPACE_CLAIMED, "you already own namespace " + a.namespace());
            case SkillRegistry.NotYourNamespace n -> throw notYours(n);
            case SkillRegistry.Confusable c -> throw new ApiException(ErrorReason.CONFUSABLE_NAME, "namespace "
                    + claim.namespace() + " is confusable with " + describe(c.similar())
                    + "; pass allowConfusable to claim it anyway");
            case SkillRegistry.NotLogged n -> throw notLogged(n);
        };
    }

    private Reply upload(Call call) throws Exception {
        return storePackage(call, digestParam(call), call.body());
    }

    private Reply part(Call call) throws Exception {
        String digest = digestParam(call);
        int index = (int) call.pathNumber("part", MAX_PARTS - 1, ErrorReason.INVALID_PART);
        byte[] bytes = call.body();
        if (bytes.length == 0) {
            throw new ApiException(ErrorReason.INVALID_PART, "a part is not empty");
        }
        return switch (packages.storePart(digest, index, bytes, uploader(call),
                new PackageStore.Quota(MAX_PARTS, MAX_PART_BYTES))) {
            case PackageStore.Stored s -> {
                ObjectNode o = Json.object();
                o.put("digest", digest);
                o.put("part", index);
                o.put("size", bytes.length);
                yield Reply.json(201, o);
            }
            case PackageStore.OverQuota q -> throw new ApiException(ErrorReason.TOO_MANY_PARTS, "your address or owner holds "
                    + MAX_PARTS + " unassembled parts or " + MAX_PART_BYTES + " bytes of them; assemble them first");
        };
    }

    private Reply assemble(Call call) throws Exception {
        String digest = digestParam(call);
        JsonNode body = call.json();
        Call.onlyFields(body, "parts");
        int parts = (int) Call.integer(body, "parts", 1, MAX_PARTS);
        PackageStore.Assembly assembly = packages.assemble(digest, call.caller().id(), parts,
                SkillPackage.MAX_PACKAGE_BYTES);
        byte[] bytes = switch (assembly) {
            case PackageStore.Assembled a -> a.bytes();
            case PackageStore.MissingPart m -> throw new ApiException(ErrorReason.MISSING_PART, "parts 0.." + (parts - 1)
                    + " are not all uploaded");
            case PackageStore.TooLarge t -> throw new ApiException(ErrorReason.INVALID_PACKAGE, "package > "
                    + SkillPackage.MAX_PACKAGE_BYTES + " bytes");
        };
        try {
            return storePackage(call, digest, bytes);
        } finally {
            // Assembled or refused, the parts have served: a bad package is uploaded again from scratch.
            packages.dropParts(digest, call.caller().id());
        }
    }

    /** Stores package bytes under their digest once they prove to be a strict package. */
    private Reply storePackage(Call call, String digest, byte[] bytes) throws Exception {
        if (!Bytes.hex(Bytes.sha256(bytes)).equals(digest)) {
            throw new ApiException(ErrorReason.PACKAGE_DIGEST_MISMATCH, "the body's SHA-256 is not " + digest);
        }
        try {
            SkillPackage.read(bytes);
        } catch (PackageException e) {
            throw new ApiException(ErrorReason.INVALID_PACKAGE, e.getMessage());
        }
        int status = switch (packages.storePackage(digest, bytes, uploader(call),
                new PackageStore.Quota(MAX_PENDING_UPLOADS, MAX_PENDING_BYTES))) {
            case PackageStore.Stored s -> 201;
            case PackageStore.AlreadyStored a -> 200;
            case PackageStore.OverQuota q -> throw new ApiException(ErrorReason.TOO_MANY_PENDING_UPLOADS, "your address or"
                    + " owner has " + MAX_PENDING_UPLOADS + " uploaded packages (or " + MAX_PENDING_BYTES + " bytes)"
                    + " that no publication names; publish them first");
        };
        ObjectNode o = Json.object();
        o.put("digest", digest);
        o.put("size", bytes.length);
        return Reply.json(status, o);
    }

    private static PackageStore.Uploader uploader(Call call) {
        return new PackageStore.Uploader(call.caller().id(), call.addressKey());
    }

    private Reply publish(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "envelope", "allowConfusable");
        boolean allowConfusable = flag(body, "allowConfusable");
        Dsse.Envelope env = envelope(body.get("envelope"), "envelope");
        verifyCaller(call, env);
        Subject s = subject(env, Attestations.PUBLISH);
        byte[] bytes = packages.find(s.digest()).orElse(null);
        // Marking the upload as just used keeps expiry (a day after the last use) away while it is logged and listed.
        if (bytes == null || !packages.touch(s.digest())) {
            throw new ApiException(ErrorReason.PACKAGE_MISSING, "upload the package first: PUT /v1/packages/" + s.digest()
                    + " (uploads no publication names expire after 24 hours)");
        }
        JsonNode manifest;
        byte[] manifestBytes;
        try {
            manifestBytes = SkillPackage.read(bytes).manifest();
            manifest = Json.parse(manifestBytes);
        } catch (PackageException | CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_PACKAGE, e.getMessage());
        }
        try {
            // The sandbox's own strict parser: unknown fields, bad grants or out-of-range limits are refused here,
            // so the registry never lists a version no client could run.
            dev.carapace.skills.Manifest.parse(manifestBytes);
        } catch (dev.carapace.skills.ManifestException e) {
            throw new ApiException(ErrorReason.INVALID_MANIFEST, "manifest.json: " + e.getMessage());
        }
        if (!canonical(manifest).equals(canonical(s.predicate().get("manifest")))) {
            throw new ApiException(ErrorReason.MANIFEST_MISMATCH, "the statement's manifest is not the package's manifest.json");
        }
        if (!s.name().equals(manifest.path("name").asString("")) || !s.version().equals(manifest.path("version").asString(""))) {
            throw new ApiException(ErrorReason.MANIFEST_MISMATCH, "manifest name/version are not " + s.name() + "@" + s.version());
        }
        return switch (registry.publish(call.caller().id(), s.subject(), env, allowConfusable)) {
            case SkillRegistry.Published p -> {
                ObjectNode o = LogReceipts.json(p.receipt());
                o.put("name", s.name());
                o.put("version", s.version());
                o.put("digest", s.digest());
                o.set("confusableWith", SkillRegistry.confusableJson(p.confusableWith()));
                yield Reply.json(201, o);
            }
            case SkillRegistry.NamespaceUnclaimed u -> throw new ApiException(ErrorReason.NAMESPACE_UNCLAIMED, "claim namespace " + u.namespace() + " first: POST /v1/namespaces");
            case SkillRegistry.NotYourNamespace n -> throw notYours(n);
            case SkillRegistry.VersionExists v -> throw new ApiException(ErrorReason.VERSION_EXISTS, s.name() + "@"
                    + s.version() + " is already published; versions are immutable, publish a new version");
            case SkillRegistry.Confusable c -> throw new ApiException(ErrorReason.CONFUSABLE_NAME, s.name()
                    + " is confusable with " + describe(c.similar())
                    + "; pass allowConfusable to publish anyway (installers will be warned)");
            case SkillRegistry.NotLogged n -> throw notLogged(n);
        };
    }

    private Reply attest(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "envelope");
        Dsse.Envelope env = envelope(body.get("envelope"), "envelope");
        verifyCaller(call, env);
        String type;
        try {
            type = InTotoStatement.fromEnvelope(env).predicateType();
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_STATEMENT, e.getMessage());
        }
        String kind = Attestations.kindOf(type);
        if (kind == null) {
            throw new ApiException(ErrorReason.INVALID_STATEMENT,
                    "predicateType must be the audit, vouch or revoke type, not " + type);
        }
        Subject s = subject(env, type);
        String named = s.name() + "@" + s.version();
        return switch (registry.attest(call.caller().id(), kind, s.subject(), env)) {
            case SkillRegistry.Attested a -> {
                ObjectNode o = LogReceipts.json(a.receipt());
                o.put("kind", a.kind());
                yield Reply.json(201, o);
            }
            case SkillRegistry.NoSuchVersion n -> throw ApiException.notFound("no published version " + named);
            case SkillRegistry.DigestMismatch d -> throw new ApiException(ErrorReason.PUBLISHED_DIGEST_MISMATCH, "the statement's digest is not the published digest of " + named);
            case SkillRegistry.OwnPackage o -> throw ApiException.forbidden("an author cannot " + o.kind()
                    + " their own package");
            case SkillRegistry.DuplicateStatement d -> throw new ApiException(ErrorReason.DUPLICATE_STATEMENT, "you already made a " + d.kind() + " statement about " + named);
            case SkillRegistry.TooManyStatements t -> throw new ApiException(ErrorReason.TOO_MANY_STATEMENTS, named
                    + " has " + t.max() + " statements already");
            case SkillRegistry.NotLogged n -> throw notLogged(n);
        };
    }

    private static ApiException notYours(SkillRegistry.NotYourNamespace n) {
        return ApiException.forbidden("namespace " + n.namespace() + " belongs to another identity");
    }

    private static ApiException notLogged(SkillRegistry.NotLogged n) {
        return switch (n) {
            case SkillRegistry.LogRefused r -> new ApiException(ErrorReason.INVALID_ENTRY, r.reason());
            case SkillRegistry.LogUnavailable u -> new ApiException(ErrorReason.LOG_UNAVAILABLE, u.reason() + "; retry", 1);
        };
    }

    // --- reads ---------------------------------------------------------------------------------------------------

    private Reply namespace(Call call) throws Exception {
        String ns = call.param("namespace");
        SkillRegistryStore.Namespace n = records.namespace(ns)
                .orElseThrow(() -> ApiException.notFound("namespace " + ns + " is not claimed"));
        ObjectNode o = Json.object();
        o.put("namespace", ns);
        o.put("owner", n.owner());
        o.set("claim", parseStored(n.claim()));
        o.put("logIndex", n.logIndex());
        return Reply.ok(o);
    }

    private Reply download(Call call) throws Exception {
        byte[] bytes = packages.find(digestParam(call))
                .orElseThrow(() -> ApiException.notFound("no package with that digest"));
        return new Reply(200, bytes, "application/octet-stream", Map.of());
    }

    private Reply search(Call call) throws Exception {
        String q = query(call.targetUri(), "q");
        if (q != null && q.length() > HubLimits.SEARCH_QUERY_CHARS) {
            throw new ApiException(ErrorReason.INVALID_QUERY, "q is longer than " + HubLimits.SEARCH_QUERY_CHARS + " characters");
        }
        String needle = q == null ? "" : q.toLowerCase(Locale.ROOT);
        ObjectNode o = Json.object();
        ArrayNode arr = o.putArray("skills");
        for (SkillRegistryStore.Listing l : records.search(needle, HubLimits.SEARCH_RESULTS)) {
            ObjectNode n = arr.addObject();
            n.put("name", l.name());
            n.put("latest", l.latest());
            n.put("publisher", l.publisher());
            n.put("confusable", l.confusable());
        }
        return Reply.ok(o);
    }

    private Reply info(Call call) throws Exception {
        String name = call.param("namespace") + "/" + call.param("name");
        List<SkillRegistryStore.StoredVersion> stored = records.versions(name);
        Predicate<String> reputable = reputation.now();
        if (stored.isEmpty()) {
            throw ApiException.notFound("no skill " + name);
        }
        ObjectNode out = Json.object();
        out.put("name", name);
        ArrayNode versions = out.putArray("versions");
        for (SkillRegistryStore.StoredVersion sv : stored) {
            ObjectNode v = versions.addObject();
            v.put("version", sv.version());
            v.put("digest", sv.digest());
            v.put("publisher", sv.publisher());
            v.set("envelope", parseStored(sv.envelope()));
            v.put("logIndex", sv.logIndex());
            v.set("confusableWith", sv.confusableWith() == null ? Json.MAPPER.createArrayNode()
                    : parseStored(sv.confusableWith()));
            v.put("publishedMs", sv.publishedMs());
            v.put("size", sv.size());
            ArrayNode atts = v.putArray("attestations");
            for (SkillRegistryStore.StoredStatement st : sv.statements()) {
                ObjectNode a = atts.addObject();
                a.put("kind", st.kind());
                a.put("signer", st.signer());
                a.set("envelope", parseStored(st.envelope()));
                a.put("logIndex", st.logIndex());
                a.put("createdMs", st.createdMs());
                putStanding(a, st, reputable);
            }
            v.put("revoked", SkillRegistry.revoked(sv, reputable));
        }
        return Reply.ok(out);
    }

    /**
     * The standing of a statement's signer for {@link RevocationRule}, from this hub's own records
     * (times it set when it accepted the registration and the link), for clients: the owner, since when, and for an
     * agent the consent it signed, which clients verify themselves.
     */
    private static void putStanding(ObjectNode a, SkillRegistryStore.StoredStatement st, Predicate<String> reputable)
            throws SQLException {
        Optional<RevocationRule.Standing> standing = SkillRegistry.standing(st.signer(), st.standing(), reputable);
        if (standing.isEmpty()) {
            return;
        }
        ObjectNode o = a.putObject("standing");
        o.put("owner", standing.get().owner());
        o.put("sinceMs", standing.get().sinceMs());
        o.put("reputable", standing.get().reputable());
        if (st.standing() instanceof SkillRegistryStore.LinkedAgent agent) {
            o.set("consent", parseStored(agent.consent()));
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** The subject of a skill statement: {@code namespace/name}, version, digest, and the checked predicate. */
    private record Subject(String name, String version, String digest, JsonNode predicate) {
        SkillRegistry.Subject subject() {
            return new SkillRegistry.Subject(name, version, digest);
        }
    }

    private static Subject subject(Dsse.Envelope env, String predicateType) throws ApiException {
        try {
            InTotoStatement st = InTotoStatement.fromEnvelope(env);
            JsonNode predicate = Attestations.predicate(st, predicateType);
            InTotoStatement.Subject sub = st.subjects().get(0);
            int at = sub.name().lastIndexOf('@');
            if (at < 0) {
                throw new CryptoException("subject name must be namespace/name@version");
            }
            String name = sub.name().substring(0, at);
            String version = sub.name().substring(at + 1);
            try {
                NameGuard.validate(name);
            } catch (IllegalArgumentException e) {
                throw new CryptoException(e.getMessage());
            }
            if (!VERSION.matcher(version).matches()) {
                throw new CryptoException("version must be MAJOR.MINOR.PATCH[-prerelease]: " + version);
            }
            return new Subject(name, version, sub.sha256Hex(), predicate);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_STATEMENT, e.getMessage());
        }
    }

    private static Dsse.Envelope envelope(JsonNode node, String field) throws ApiException {
        if (node == null || !node.isObject()) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be a DSSE envelope object");
        }
        try {
            Dsse.Envelope env = Dsse.fromJson(node);
            if (env.signatures().size() != 1) {
                throw new ApiException(ErrorReason.INVALID_ENVELOPE, "field '" + field + "' must carry exactly one signature");
            }
            return env;
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, field + ": " + e.getMessage());
        }
    }

    /** The one signature must be the caller's current key, named {@code <id>#<seq>}, as the log's appends require. */
    private void verifyCaller(Call call, Dsse.Envelope env) throws Exception {
        RequestAuthenticator.CurrentKey signer = call.caller().key(); // the key that authenticated this request
        try {
            signer.requireSigned(env);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, "the envelope is not signed by your current key ("
                    + signer.keyId() + ")");
        }
    }

    private static boolean flag(JsonNode body, String field) throws ApiException {
        JsonNode v = body.get(field);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be true or false");
        }
        return v.booleanValue();
    }

    private static String digestParam(Call call) throws ApiException {
        String d = call.param("digest");
        if (d == null || !DIGEST.matcher(d).matches()) {
            throw new ApiException(ErrorReason.INVALID_DIGEST, "digest must be 64 lower-case hex characters (SHA-256)");
        }
        return d;
    }

    private static String describe(List<NameGuard.Match> matches) {
        List<String> parts = new ArrayList<>();
        matches.forEach(m -> parts.add(m.existing() + " (" + m.reason() + ")"));
        return String.join(", ", parts);
    }

    private static String canonical(JsonNode n) throws ApiException {
        try {
            return new String(CanonicalJson.encode(n), StandardCharsets.UTF_8);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_MANIFEST, e.getMessage());
        }
    }

    private static JsonNode parseStored(String json) throws SQLException {
        try {
            return Json.parse(json);
        } catch (CryptoException e) {
            throw new SQLException("a stored statement is damaged");
        }
    }

    private static String query(String targetUri, String key) {
        String raw = URI.create(targetUri).getRawQuery();
        if (raw == null) {
            return null;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            if (k.equals(key)) {
                return URLDecoder.decode(eq < 0 ? "" : part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
