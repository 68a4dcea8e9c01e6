package dev.carapace.client.skills;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.NamespaceClaim;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The skill registry's routes on one hub: publish, attest and read. Reads are unverified; see {@link SkillVerifier}. */
public final class SkillsClient {
    private final HubClient hub;

    public SkillsClient(HubClient hub) {
        this.hub = hub;
    }

    public HubClient hub() {
        return hub;
    }

    /** The author's publish statement over a package: subject {@code name@version} and its SHA-256, the manifest inside. */
    public static Dsse.Envelope signPublication(byte[] packageBytes, Signer author) throws PackageException, CryptoException {
        SkillPackage pkg = SkillPackage.read(packageBytes);
        JsonNode manifest = Json.parse(pkg.manifest());
        String name = manifest.path("name").asString("");
        String version = manifest.path("version").asString("");
        if (name.isEmpty() || version.isEmpty()) {
            throw new CryptoException("manifest.json needs a name and a version");
        }
        try {
            return Attestations.publish(name, version, pkg.digest(), manifest).sign(author.keyId(), author.key());
        } catch (IllegalArgumentException e) {
            throw new CryptoException(e.getMessage());
        }
    }

    public JsonNode claimNamespace(Signer signer, String namespace, boolean allowConfusable) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("claim", NamespaceClaim.sign(namespace, signer.keyId(), signer.key()).toJson());
        if (allowConfusable) {
            body.put("allowConfusable", true);
        }
        return hub.send("POST", "/v1/namespaces", body, signer);
    }

    /** The namespace's owner and logged claim, or null when nobody has claimed it. */
    public JsonNode namespace(String namespace) throws IOException, HubException {
        try {
            return hub.send("GET", "/v1/namespaces/" + namespace, null, null);
        } catch (HubException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** Bytes per request when a package is uploaded in parts: well under the hub's 1 MiB body limit. */
    public static final int PART_BYTES = 768 * 1024;

    /** Uploads a package: in one request, or in parts that the hub assembles when it is larger than one body. */
    public JsonNode upload(Signer signer, byte[] packageBytes) throws IOException, HubException {
        String digest = Bytes.hex(Bytes.sha256(packageBytes));
        Map<String, String> binary = Map.of("Content-Type", "application/octet-stream");
        if (packageBytes.length <= PART_BYTES) {
            return HubClient.answer(hub.sendRaw("PUT", "/v1/packages/" + digest, packageBytes, signer, binary));
        }
        int parts = 0;
        for (int off = 0; off < packageBytes.length; off += PART_BYTES, parts++) {
            byte[] part = java.util.Arrays.copyOfRange(packageBytes, off, Math.min(packageBytes.length, off + PART_BYTES));
            HubClient.answer(hub.sendRaw("PUT", "/v1/packages/" + digest + "/parts/" + parts, part, signer, binary));
        }
        ObjectNode body = Json.object();
        body.put("parts", parts);
        return hub.send("POST", "/v1/packages/" + digest + "/assemble", body, signer);
    }

    public JsonNode publish(Signer signer, Dsse.Envelope publication, boolean allowConfusable) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("envelope", publication.toJson());
        if (allowConfusable) {
            body.put("allowConfusable", true);
        }
        return hub.send("POST", "/v1/skills", body, signer);
    }

    /**
     * Uploads the package, claims its namespace if nobody has, and publishes it with the given (or a fresh) publish
     * statement. Returns the hub's answer with the log index and inclusion proof.
     */
    public JsonNode publishPackage(Signer author, byte[] packageBytes, Dsse.Envelope publication, boolean allowConfusable)
            throws IOException, HubException, PackageException, CryptoException {
        Dsse.Envelope env = publication != null ? publication : signPublication(packageBytes, author);
        String subject = InTotoStatement.fromEnvelope(env).subjects().get(0).name();
        String namespace = subject.substring(0, subject.indexOf('/'));
        upload(author, packageBytes);
        if (namespace(namespace) == null) {
            claimNamespace(author, namespace, allowConfusable);
        }
        return publish(author, env, allowConfusable);
    }

    /** Adds an audit, vouch or revocation statement. */
    public JsonNode attest(Signer signer, Dsse.Envelope statement) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("envelope", statement.toJson());
        return hub.send("POST", "/v1/attestations", body, signer);
    }

    public JsonNode info(String name) throws IOException, HubException {
        return hub.send("GET", "/v1/skills/" + name, null, null);
    }

    public JsonNode search(String query) throws IOException, HubException {
        String q = query == null || query.isEmpty() ? "" : "?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
        return hub.send("GET", "/v1/skills" + q, null, null);
    }

    public byte[] download(String digest) throws IOException, HubException {
        return hub.getBytes("/v1/packages/" + digest);
    }
}
