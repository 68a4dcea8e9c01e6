package dev.carapace.client.chat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.message.KeyPackage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * This installation's own record ({@code installation.bin}, sealed): its id, its MLS signature key, the private keys
 * of the KeyPackages it published, its contact lists, and the identity key it last re-certified its leaves for. The
 * format is the one ChatClient always wrote (field names included), so existing state loads.
 */
final class Installation {
    private static final String PURPOSE = "installation";

    /** A published KeyPackage with its private keys, kept until a Welcome uses it (last-resort ones stay). */
    record StoredBundle(byte[] keyPackage, byte[] init, byte[] encryption, byte[] ref, boolean lastResort) {
        static StoredBundle of(KeyPackageBundle b, boolean lastResort) {
            return new StoredBundle(b.keyPackage().encode(), b.initPrivateKey(), b.encryptionPrivateKey(),
                    b.keyPackage().ref(ChatClient.SUITE), lastResort);
        }

        KeyPackageBundle bundle(byte[] signaturePrivateKey) {
            return new KeyPackageBundle(KeyPackage.decode(new TlsReader(keyPackage)), init, encryption,
                    signaturePrivateKey);
        }
    }

    private final StateVault vault;
    private final Path file;
    private long rev;
    final String id;
    final byte[] signatureKey;
    final List<StoredBundle> bundles;
    final List<String> allow;
    final List<String> deny;
    String certifiedBy;

    private Installation(StateVault vault, Path file, long rev, String id, byte[] signatureKey,
                         List<StoredBundle> bundles, List<String> allow, List<String> deny, String certifiedBy) {
        this.vault = vault;
        this.file = file;
        this.rev = rev;
        this.id = id;
        this.signatureKey = signatureKey;
        this.bundles = bundles;
        this.allow = allow;
        this.deny = deny;
        this.certifiedBy = certifiedBy;
    }

    /** Reads the installation in {@code dir}, or creates (and writes) a new one with {@code newId}. */
    static Installation open(StateVault vault, Path dir, String newId) throws IOException {
        Path file = dir.resolve("installation.bin");
        JsonNode o = SealedDocument.read(vault, file, PURPOSE);
        if (o == null) {
            Installation fresh = new Installation(vault, file, 0, newId,
                    ChatClient.SUITE.generateSignaturePrivateKey(), new ArrayList<>(), new ArrayList<>(),
                    new ArrayList<>(), "");
            fresh.save();
            return fresh;
        }
        try {
            List<StoredBundle> bundles = new ArrayList<>();
            for (JsonNode b : o.path("bundles")) {
                bundles.add(new StoredBundle(b64url(b, "keyPackage"), b64url(b, "init"), b64url(b, "encryption"),
                        b64url(b, "ref"), b.path("lastResort").asBoolean(false)));
            }
            return new Installation(vault, file, o.path("rev").asLong(0), o.path("installation").asString(),
                    b64url(o, "signatureKey"), bundles, strings(o.path("contacts").path("allow")),
                    strings(o.path("contacts").path("deny")), o.path("certifiedBy").asString(""));
        } catch (CryptoException | RuntimeException e) {
            throw new IOException("chat state is damaged: installation: " + e.getMessage());
        }
    }

    void save() throws IOException {
        ObjectNode o = Json.object();
        o.put("installation", id);
        o.put("signatureKey", Bytes.b64url(signatureKey));
        ArrayNode bs = o.putArray("bundles");
        for (StoredBundle b : bundles) {
            ObjectNode j = bs.addObject();
            j.put("keyPackage", Bytes.b64url(b.keyPackage()));
            j.put("init", Bytes.b64url(b.init()));
            j.put("encryption", Bytes.b64url(b.encryption()));
            j.put("ref", Bytes.b64url(b.ref()));
            j.put("lastResort", b.lastResort());
        }
        ObjectNode contacts = o.putObject("contacts");
        allow.forEach(contacts.putArray("allow")::add);
        deny.forEach(contacts.putArray("deny")::add);
        if (!certifiedBy.isEmpty()) {
            o.put("certifiedBy", certifiedBy);
        }
        rev = SealedDocument.write(vault, file, PURPOSE, o, rev);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asString("")));
        return out;
    }

    private static byte[] b64url(JsonNode o, String field) throws CryptoException {
        return Bytes.fromB64url(o.path(field).asString(""));
    }
}
