package dev.carapace.hub.skills;

import dev.carapace.protocol.ErrorReason;
import dev.carapace.skills.NamespaceClaim;
import dev.carapace.skills.RevocationRule;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.store.Database;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.NameGuard;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
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
    public static final int MAX_PENDING_UPLOADS = 8;
    /** Bytes of unpublished uploads per client address and per owner. */
    public static final long MAX_PENDING_BYTES = 4L * SkillPackage.MAX_PACKAGE_BYTES;
    /** Uploads and parts that no publication names are deleted after this long. */
    public static final long PENDING_UPLOAD_TTL_MS = 24L * 3600 * 1000;
    /** Parts one package may be uploaded in, and unassembled parts per client address and per owner. */
    public static final int MAX_PARTS = 64;
    /** Bytes of unassembled parts per client address and per owner: one package of the largest size. */
    public static final long MAX_PART_BYTES = SkillPackage.MAX_PACKAGE_BYTES;
    /** Statements one version may collect, so its record stays bounded whatever Sybils post. */
    public static final int MAX_STATEMENTS_PER_VERSION = 500;

    private final Database db;
    private final TransparencyLog log;
    private final Clock clock;
    /** Check-then-log-then-store must not interleave, or two claims could both be logged and one silently lost. */
    private final ReentrantLock writes = new ReentrantLock();
    /** The PostgreSQL advisory lock every hub process takes for registry writes ("carapace-skills" as a number). */
    private static final long REGISTRY_LOCK = 0x6361726170616365L;

    public SkillsApi(Database db, TransparencyLog log, Clock clock) {
        this.db = db;
        this.log = log;
        this.clock = clock;
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
        return exclusive(() -> {
            String owner = owner(claim.namespace());
            if (owner != null) {
                throw owner.equals(call.caller().id())
                        ? new ApiException(ErrorReason.NAMESPACE_CLAIMED, "you already own namespace " + claim.namespace())
                        : ApiException.forbidden("namespace " + claim.namespace() + " belongs to another identity");
            }
            List<NameGuard.Match> similar = NameGuard.confusables(claim.namespace(), namespaces());
            if (!similar.isEmpty() && !allowConfusable) {
                throw new ApiException(ErrorReason.CONFUSABLE_NAME, "namespace " + claim.namespace()
                        + " is confusable with " + describe(similar) + "; pass allowConfusable to claim it anyway");
            }
            TransparencyLog.Appended a = append(env, call.caller().id());
            long now = clock.millis();
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_namespaces (namespace, owner_id,"
                        + " claim, log_index, created_ms) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setString(1, claim.namespace());
                    ps.setString(2, call.caller().id());
                    ps.setString(3, Json.compact(env.toJson()));
                    ps.setLong(4, a.index());
                    ps.setLong(5, now);
                    ps.executeUpdate();
                }
                return null;
            });
            ObjectNode o = logged(a, env);
            o.put("namespace", claim.namespace());
            o.put("owner", call.caller().id());
            return Reply.json(201, o);
        });
    }

    private Reply upload(Call call) throws Exception {
        return storeBlob(call, digestParam(call), call.body());
    }

    private Reply part(Call call) throws Exception {
        String digest = digestParam(call);
        int index = (int) call.pathNumber("part", MAX_PARTS - 1, ErrorReason.INVALID_PART);
        byte[] bytes = call.body();
        if (bytes.length == 0) {
            throw new ApiException(ErrorReason.INVALID_PART, "a part is not empty");
        }
        boolean stored = db.inTransaction(c -> {
            expireUploads(c);
            try (PreparedStatement del = c.prepareStatement(
                    "DELETE FROM skill_upload_parts WHERE digest = ? AND uploaded_by = ? AND part = ?")) {
                del.setString(1, digest);
                del.setString(2, call.caller().id());
                del.setInt(3, index);
                del.executeUpdate();
            }
            String owner = quotaOwner(c, call.caller().id());
            if (!withinQuota(c, "SELECT COUNT(*), COALESCE(SUM(LENGTH(bytes)), 0) FROM skill_upload_parts WHERE",
                    call.addressKey(), owner, MAX_PARTS, MAX_PART_BYTES - bytes.length)) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_upload_parts (digest, uploaded_by, part,"
                    + " bytes, created_ms, quota_addr, quota_owner) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, digest);
                ps.setString(2, call.caller().id());
                ps.setInt(3, index);
                ps.setBytes(4, bytes);
                ps.setLong(5, clock.millis());
                ps.setString(6, call.addressKey());
                ps.setString(7, owner);
                ps.executeUpdate();
            }
            return true;
        });
        if (!stored) {
            throw new ApiException(ErrorReason.TOO_MANY_PARTS, "your address or owner holds " + MAX_PARTS
                    + " unassembled parts or " + MAX_PART_BYTES + " bytes of them; assemble them first");
        }
        ObjectNode o = Json.object();
        o.put("digest", digest);
        o.put("part", index);
        o.put("size", bytes.length);
        return Reply.json(201, o);
    }

    private Reply assemble(Call call) throws Exception {
        String digest = digestParam(call);
        JsonNode body = call.json();
        Call.onlyFields(body, "parts");
        int parts = (int) Call.integer(body, "parts", 1, MAX_PARTS);
        byte[] bytes = db.read(c -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (PreparedStatement ps = c.prepareStatement("SELECT part, bytes FROM skill_upload_parts WHERE digest = ?"
                    + " AND uploaded_by = ? AND part < ? ORDER BY part")) {
                ps.setString(1, digest);
                ps.setString(2, call.caller().id());
                ps.setInt(3, parts);
                try (ResultSet rs = ps.executeQuery()) {
                    int expected = 0;
                    while (rs.next()) {
                        if (rs.getInt(1) != expected++) {
                            return null;
                        }
                        byte[] b = rs.getBytes(2);
                        if (out.size() + (long) b.length > SkillPackage.MAX_PACKAGE_BYTES) {
                            return new byte[0];
                        }
                        out.writeBytes(b);
                    }
                    return expected == parts ? out.toByteArray() : null;
                }
            }
        });
        if (bytes == null) {
            throw new ApiException(ErrorReason.MISSING_PART, "parts 0.." + (parts - 1) + " are not all uploaded");
        }
        if (bytes.length == 0) {
            throw new ApiException(ErrorReason.INVALID_PACKAGE, "package > " + SkillPackage.MAX_PACKAGE_BYTES + " bytes");
        }
        try {
            return storeBlob(call, digest, bytes);
        } finally {
            // Assembled or refused, the parts have served: a bad package is uploaded again from scratch.
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM skill_upload_parts WHERE digest = ? AND uploaded_by = ?")) {
                    ps.setString(1, digest);
                    ps.setString(2, call.caller().id());
                    return ps.executeUpdate();
                }
            });
        }
    }

    private boolean touchBlob(String digest) throws Exception {
        return db.inTransaction(c -> touchBlob(c, digest));
    }

    /** Marks an upload as used now (expiry is a day after the last use); false if there is no such upload. */
    private boolean touchBlob(Connection c, String digest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE skill_blobs SET created_ms = ? WHERE digest = ?")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, digest);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Deletes uploads no publication names and upload parts, any uploader's, not used for
     * {@link #PENDING_UPLOAD_TTL_MS}: run with every upload (an index on created_ms keeps it to the expired rows),
     * so abandoned bytes never hold storage for long. A publication marks its upload as used before logging it, so
     * it never races this.
     */
    private void expireUploads(Connection c) throws SQLException {
        long cutoff = clock.millis() - PENDING_UPLOAD_TTL_MS;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM skill_blobs WHERE created_ms < ? AND NOT EXISTS"
                + " (SELECT 1 FROM skill_versions v WHERE v.digest = skill_blobs.digest)")) {
            ps.setLong(1, cutoff);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM skill_upload_parts WHERE created_ms < ?")) {
            ps.setLong(1, cutoff);
            ps.executeUpdate();
        }
    }

    /** Whose storage quota an identity's uploads count against: its owner's, or its own while it has none. */
    private static String quotaOwner(Connection c, String identity) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT owner_id FROM agent_owners WHERE agent_id = ?")) {
            ps.setString(1, identity);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : identity;
            }
        }
    }

    /**
     * Whether one more row fits both the address's and the owner's quota: fewer than {@code maxRows} rows and at
     * most {@code maxBytes} bytes each. {@code countSql} selects (count, bytes) and ends where a condition can follow.
     */
    private static boolean withinQuota(Connection c, String countSql, String address, String owner, int maxRows,
                                       long maxBytes) throws SQLException {
        for (String[] who : new String[][] {{"quota_addr", address}, {"quota_owner", owner}}) {
            try (PreparedStatement ps = c.prepareStatement(countSql + " " + who[0] + " = ?")) {
                ps.setString(1, who[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxRows || rs.getLong(2) > maxBytes) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Stores package bytes under their digest once they prove to be a strict package. */
    private Reply storeBlob(Call call, String digest, byte[] bytes) throws Exception {
        if (!Bytes.hex(Bytes.sha256(bytes)).equals(digest)) {
            throw new ApiException(ErrorReason.PACKAGE_DIGEST_MISMATCH, "the body's SHA-256 is not " + digest);
        }
        try {
            SkillPackage.read(bytes);
        } catch (PackageException e) {
            throw new ApiException(ErrorReason.INVALID_PACKAGE, e.getMessage());
        }
        boolean[] tooMany = {false};
        boolean created = db.inTransaction(c -> {
            expireUploads(c);
            if (touchBlob(c, digest)) {
                return false; // already there: uploading it again counts as using it
            }
            String owner = quotaOwner(c, call.caller().id());
            if (!withinQuota(c, "SELECT COUNT(*), COALESCE(SUM(b.size), 0) FROM skill_blobs b WHERE NOT EXISTS"
                    + " (SELECT 1 FROM skill_versions v WHERE v.digest = b.digest) AND", call.addressKey(), owner,
                    MAX_PENDING_UPLOADS, MAX_PENDING_BYTES - bytes.length)) {
                tooMany[0] = true;
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_blobs (digest, bytes, size, uploaded_by,"
                    + " created_ms, quota_addr, quota_owner) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, digest);
                ps.setBytes(2, bytes);
                ps.setLong(3, bytes.length);
                ps.setString(4, call.caller().id());
                ps.setLong(5, clock.millis());
                ps.setString(6, call.addressKey());
                ps.setString(7, owner);
                ps.executeUpdate();
            }
            return true;
        });
        if (tooMany[0]) {
            throw new ApiException(ErrorReason.TOO_MANY_PENDING_UPLOADS, "your address or owner has " + MAX_PENDING_UPLOADS
                    + " uploaded packages (or " + MAX_PENDING_BYTES + " bytes) that no publication names; publish"
                    + " them first");
        }
        ObjectNode o = Json.object();
        o.put("digest", digest);
        o.put("size", bytes.length);
        return Reply.json(created ? 201 : 200, o);
    }

    private Reply publish(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "envelope", "allowConfusable");
        boolean allowConfusable = flag(body, "allowConfusable");
        Dsse.Envelope env = envelope(body.get("envelope"), "envelope");
        verifyCaller(call, env);
        Subject s = subject(env, Attestations.PUBLISH);
        String namespace = s.name().substring(0, s.name().indexOf('/'));
        byte[] bytes = blob(s.digest());
        // Marking the upload as just used keeps expiry (a day after the last use) away while it is logged and listed.
        if (bytes == null || !touchBlob(s.digest())) {
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
            dev.carapace.sandbox.Manifest.parse(manifestBytes);
        } catch (dev.carapace.sandbox.ManifestException e) {
            throw new ApiException(ErrorReason.INVALID_MANIFEST, "manifest.json: " + e.getMessage());
        }
        if (!canonical(manifest).equals(canonical(s.predicate().get("manifest")))) {
            throw new ApiException(ErrorReason.MANIFEST_MISMATCH, "the statement's manifest is not the package's manifest.json");
        }
        if (!s.name().equals(manifest.path("name").asString("")) || !s.version().equals(manifest.path("version").asString(""))) {
            throw new ApiException(ErrorReason.MANIFEST_MISMATCH, "manifest name/version are not " + s.name() + "@" + s.version());
        }
        return exclusive(() -> {
            String owner = owner(namespace);
            if (owner == null) {
                throw new ApiException(ErrorReason.NAMESPACE_UNCLAIMED, "claim namespace " + namespace + " first: POST /v1/namespaces");
            }
            if (!owner.equals(call.caller().id())) {
                throw ApiException.forbidden("namespace " + namespace + " belongs to another identity");
            }
            if (version(s.name(), s.version()) != null) {
                throw new ApiException(ErrorReason.VERSION_EXISTS, s.name() + "@" + s.version()
                        + " is already published; versions are immutable, publish a new version");
            }
            List<String> others = new ArrayList<>();
            for (String n : names()) {
                if (!n.startsWith(namespace + "/")) {
                    others.add(n);
                }
            }
            List<NameGuard.Match> similar = NameGuard.confusables(s.name(), others);
            if (!similar.isEmpty() && !allowConfusable) {
                throw new ApiException(ErrorReason.CONFUSABLE_NAME, s.name() + " is confusable with " + describe(similar)
                        + "; pass allowConfusable to publish anyway (installers will be warned)");
            }
            ArrayNode confusable = Json.MAPPER.createArrayNode();
            similar.forEach(m -> confusable.addObject().put("existing", m.existing()).put("reason", m.reason()));
            TransparencyLog.Appended a = append(env, call.caller().id());
            long now = clock.millis();
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_versions (name, version, digest,"
                        + " publisher_id, envelope, log_index, confusable_with, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, s.name());
                    ps.setString(2, s.version());
                    ps.setString(3, s.digest());
                    ps.setString(4, call.caller().id());
                    ps.setString(5, Json.compact(env.toJson()));
                    ps.setLong(6, a.index());
                    ps.setString(7, confusable.isEmpty() ? null : Json.compact(confusable));
                    ps.setLong(8, now);
                    ps.executeUpdate();
                }
                return null;
            });
            ObjectNode o = logged(a, env);
            o.put("name", s.name());
            o.put("version", s.version());
            o.put("digest", s.digest());
            o.set("confusableWith", confusable);
            return Reply.json(201, o);
        });
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
        return exclusive(() -> {
            Version v = version(s.name(), s.version());
            if (v == null) {
                throw ApiException.notFound("no published version " + s.name() + "@" + s.version());
            }
            if (!v.digest().equals(s.digest())) {
                throw new ApiException(ErrorReason.PUBLISHED_DIGEST_MISMATCH, "the statement's digest is not the published digest of "
                        + s.name() + "@" + s.version());
            }
            if (!kind.equals("revoke") && v.publisher().equals(call.caller().id())) {
                throw ApiException.forbidden("an author cannot " + kind + " their own package");
            }
            long[] counts = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), SUM(CASE WHEN signer_id = ? AND kind = ?"
                        + " THEN 1 ELSE 0 END) FROM skill_attestations WHERE name = ? AND version = ?")) {
                    ps.setString(1, call.caller().id());
                    ps.setString(2, kind);
                    ps.setString(3, s.name());
                    ps.setString(4, s.version());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return new long[] {rs.getLong(1), rs.getLong(2)};
                    }
                }
            });
            if (counts[1] > 0) {
                throw new ApiException(ErrorReason.DUPLICATE_STATEMENT, "you already made a " + kind + " statement about "
                        + s.name() + "@" + s.version());
            }
            if (counts[0] >= MAX_STATEMENTS_PER_VERSION) {
                throw new ApiException(ErrorReason.TOO_MANY_STATEMENTS, s.name() + "@" + s.version() + " has "
                        + MAX_STATEMENTS_PER_VERSION + " statements already");
            }
            TransparencyLog.Appended a = append(env, call.caller().id());
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_attestations (log_index, name,"
                        + " version, digest, kind, signer_id, envelope, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setLong(1, a.index());
                    ps.setString(2, s.name());
                    ps.setString(3, s.version());
                    ps.setString(4, s.digest());
                    ps.setString(5, kind);
                    ps.setString(6, call.caller().id());
                    ps.setString(7, Json.compact(env.toJson()));
                    ps.setLong(8, clock.millis());
                    ps.executeUpdate();
                }
                return null;
            });
            ObjectNode o = logged(a, env);
            o.put("kind", kind);
            return Reply.json(201, o);
        });
    }

    // --- reads ---------------------------------------------------------------------------------------------------

    private Reply namespace(Call call) throws Exception {
        String ns = call.param("namespace");
        ObjectNode o = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT owner_id, claim, log_index FROM skill_namespaces WHERE namespace = ?")) {
                ps.setString(1, ns);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    ObjectNode n = Json.object();
                    n.put("namespace", ns);
                    n.put("owner", rs.getString(1));
                    n.set("claim", parseStored(rs.getString(2)));
                    n.put("logIndex", rs.getLong(3));
                    return n;
                }
            }
        });
        if (o == null) {
            throw ApiException.notFound("namespace " + ns + " is not claimed");
        }
        return Reply.ok(o);
    }

    private Reply download(Call call) throws Exception {
        byte[] bytes = blob(digestParam(call));
        if (bytes == null) {
            throw ApiException.notFound("no package with that digest");
        }
        return new Reply(200, bytes, "application/octet-stream", Map.of());
    }

    private Reply search(Call call) throws Exception {
        String q = query(call.targetUri(), "q");
        if (q != null && q.length() > 100) {
            throw new ApiException(ErrorReason.INVALID_QUERY, "q is longer than 100 characters");
        }
        String needle = q == null ? "" : q.toLowerCase(Locale.ROOT);
        ObjectNode o = Json.object();
        ArrayNode arr = o.putArray("skills");
        db.read(c -> {
            // Names are [a-z0-9/-] only, so the needle is matched literally once LIKE's own wildcards are escaped.
            String like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            try (PreparedStatement ps = c.prepareStatement("SELECT name, version, publisher_id, created_ms,"
                    + " confusable_with FROM skill_versions WHERE name LIKE ? ESCAPE '\\' ORDER BY name, created_ms")) {
                ps.setString(1, like);
                Map<String, ObjectNode> latest = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        ObjectNode n = Json.object();
                        n.put("name", name);
                        n.put("latest", rs.getString(2));
                        n.put("publisher", rs.getString(3));
                        n.put("confusable", rs.getString(5) != null);
                        latest.put(name, n);
                    }
                }
                int count = 0;
                for (ObjectNode n : latest.values()) {
                    if (count++ == 200) {
                        break;
                    }
                    arr.add(n);
                }
            }
            return null;
        });
        return Reply.ok(o);
    }

    private Reply info(Call call) throws Exception {
        String name = call.param("namespace") + "/" + call.param("name");
        ObjectNode o = db.read(c -> {
            ObjectNode out = Json.object();
            out.put("name", name);
            ArrayNode versions = out.putArray("versions");
            try (PreparedStatement ps = c.prepareStatement("SELECT v.version, v.digest, v.publisher_id, v.envelope,"
                    + " v.log_index, v.confusable_with, v.created_ms, b.size FROM skill_versions v LEFT JOIN skill_blobs b"
                    + " ON b.digest = v.digest WHERE v.name = ? ORDER BY v.created_ms, v.log_index")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode v = versions.addObject();
                        v.put("version", rs.getString(1));
                        v.put("digest", rs.getString(2));
                        v.put("publisher", rs.getString(3));
                        v.set("envelope", parseStored(rs.getString(4)));
                        v.put("logIndex", rs.getLong(5));
                        v.set("confusableWith", rs.getString(6) == null ? Json.MAPPER.createArrayNode()
                                : parseStored(rs.getString(6)));
                        v.put("publishedMs", rs.getLong(7));
                        v.put("size", rs.getLong(8));
                    }
                }
            }
            for (JsonNode v : versions) {
                List<RevocationRule.Statement> statements = new ArrayList<>();
                ArrayNode atts = ((ObjectNode) v).putArray("attestations");
                try (PreparedStatement ps = c.prepareStatement("SELECT kind, signer_id, envelope, log_index, created_ms"
                        + " FROM skill_attestations WHERE name = ? AND version = ? AND digest = ? ORDER BY log_index")) {
                    ps.setString(1, name);
                    ps.setString(2, v.get("version").asString());
                    ps.setString(3, v.get("digest").asString());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ObjectNode a = atts.addObject();
                            a.put("kind", rs.getString(1));
                            a.put("signer", rs.getString(2));
                            a.set("envelope", parseStored(rs.getString(3)));
                            a.put("logIndex", rs.getLong(4));
                            a.put("createdMs", rs.getLong(5));
                        }
                    }
                }
                for (JsonNode a : atts) {
                    RevocationRule.Standing standing = standing(c, a.get("signer").asString(), (ObjectNode) a);
                    statements.add(new RevocationRule.Statement(a.get("kind").asString(), a.get("signer").asString(),
                            a.get("createdMs").asLong(), standing));
                }
                ((ObjectNode) v).put("revoked", RevocationRule.revoked(v.get("publisher").asString(), statements));
            }
            return versions.isEmpty() ? null : out;
        });
        if (o == null) {
            throw ApiException.notFound("no skill " + name);
        }
        return Reply.ok(o);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /**
     * The standing of a statement's signer for {@link RevocationRule}, from this hub's own records (times it set
     * when it accepted the registration and the link), also written into {@code out} as {@code standing} for
     * clients: the owner, since when, and for an agent the consent it signed, which clients verify themselves.
     */
    private static RevocationRule.Standing standing(java.sql.Connection c, String signer, ObjectNode out)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT i.created_ms, o.created_ms, l.owner_id, l.linked_ms,"
                + " l.consent FROM identities i LEFT JOIN owners o ON o.id = i.id"
                + " LEFT JOIN agent_owners l ON l.agent_id = i.id WHERE i.id = ?")) {
            ps.setString(1, signer);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long registered = rs.getLong(1);
                long ownerSince = rs.getLong(2);
                boolean isOwner = !rs.wasNull();
                String linkedTo = rs.getString(3);
                long linked = rs.getLong(4);
                String consent = rs.getString(5);
                RevocationRule.Standing s;
                if (isOwner) {
                    s = new RevocationRule.Standing(signer, Math.max(registered, ownerSince));
                } else if (linkedTo != null) {
                    s = new RevocationRule.Standing(linkedTo, Math.max(registered, linked));
                } else {
                    return null;
                }
                ObjectNode o = out.putObject("standing");
                o.put("owner", s.owner());
                o.put("sinceMs", s.sinceMs());
                if (!isOwner) {
                    o.set("consent", parseStored(consent));
                }
                return s;
            }
        }
    }

    @FunctionalInterface
    private interface Exclusive {
        Reply run() throws Exception;
    }

    /**
     * Runs a registry write alone: one at a time in this process, and on PostgreSQL one at a time across every hub
     * process sharing the database, through a transaction-scoped advisory lock held on its own connection while the
     * statement is checked, logged and stored (the log's sequencer and the inserts use other connections). SQLite has
     * a single hub process, so the process lock is enough there.
     */
    private Reply exclusive(Exclusive work) throws Exception {
        writes.lock();
        try {
            if (db.dialect() != Database.Dialect.POSTGRESQL) {
                return work.run();
            }
            try (Connection lock = db.dataSource().getConnection()) {
                lock.setAutoCommit(false);
                try {
                    try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                        ps.setLong(1, REGISTRY_LOCK);
                        ps.execute();
                    }
                    return work.run();
                } finally {
                    lock.rollback(); // ends the transaction, which releases the lock
                }
            }
        } finally {
            writes.unlock();
        }
    }

    /** The subject of a skill statement: {@code namespace/name}, version, digest, and the checked predicate. */
    private record Subject(String name, String version, String digest, JsonNode predicate) {}

    private record Version(String digest, String publisher) {}

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

    private TransparencyLog.Appended append(Dsse.Envelope env, String by) throws ApiException {
        try {
            return log.appendAndWait(env.toBytes(), by);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorReason.INVALID_ENTRY, e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            throw new ApiException(ErrorReason.LOG_UNAVAILABLE, e.getMessage() + "; retry", 1);
        }
    }

    /** The log receipt, as {@code POST /v1/log/entries} answers it. */
    private ObjectNode logged(TransparencyLog.Appended a, Dsse.Envelope env) throws SQLException {
        return log.receipt(a, env.toBytes());
    }

    private String owner(String namespace) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner_id FROM skill_namespaces WHERE namespace = ?")) {
                ps.setString(1, namespace);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    private List<String> namespaces() throws SQLException {
        return column("SELECT namespace FROM skill_namespaces");
    }

    private List<String> names() throws SQLException {
        return column("SELECT DISTINCT name FROM skill_versions");
    }

    private List<String> column(String sql) throws SQLException {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    private Version version(String name, String version) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT digest, publisher_id FROM skill_versions WHERE name = ? AND version = ?")) {
                ps.setString(1, name);
                ps.setString(2, version);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Version(rs.getString(1), rs.getString(2)) : null;
                }
            }
        });
    }

    private byte[] blob(String digest) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT bytes FROM skill_blobs WHERE digest = ?")) {
                ps.setString(1, digest);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
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
