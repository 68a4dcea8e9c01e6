package dev.carapace.cli;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.Keystore;
import dev.carapace.crypto.SecureFiles;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CLI's state folder: {@code identity.json} (the public key event log and a local name) and
 * {@code keystore.json} (the passphrase-encrypted current and next keys). Known identities of others are cached
 * under {@code identities/}.
 */
public final class Home {
    public static final String PASSPHRASE_ENV = "CARAPACE_PASSPHRASE";

    private final Path dir;
    private final Path passphraseFile;

    Home(Path dir, Path passphraseFile) {
        this.dir = dir;
        this.passphraseFile = passphraseFile;
    }

    public Path dir() {
        return dir;
    }

    Path identityFile() {
        return dir.resolve("identity.json");
    }

    Path keystoreFile() {
        return dir.resolve("keystore.json");
    }

    public boolean hasIdentity() {
        return Files.exists(identityFile());
    }

    /** The local identity: its name and verified key event log. */
    public record Identity(String name, KeyEventLog log) {}

    public Identity identity() throws IOException {
        if (!hasIdentity()) {
            throw CliException.config("no identity in " + dir + " (create one with: carapace id new --name NAME)");
        }
        JsonNode doc;
        try {
            doc = Json.parse(Files.readAllBytes(identityFile()));
            String name = doc.has("name") ? Json.text(doc, "name") : "";
            JsonNode log = doc.get("log");
            if (log == null) {
                throw new CryptoException("missing 'log'");
            }
            return new Identity(name, KeyEventLog.fromJson(log));
        } catch (CryptoException e) {
            throw CliException.config(identityFile() + " is damaged: " + e.getMessage());
        }
    }

    /**
     * Writes the identity and its keys; the keystore first, so a crash never leaves a log without its keys. Never
     * writes back an older identity: the log on disk, if any, must be a prefix of {@code log} (a process that read
     * the identity before another rotated it is refused instead of undoing the rotation). Callers hold the home lock.
     */
    public void save(String name, KeyEventLog log, Keystore.Keys keys, char[] passphrase) throws IOException {
        if (hasIdentity()) {
            KeyEventLog onDisk = identity().log();
            try {
                onDisk.requireExtendedBy(log);
            } catch (KelException e) {
                throw CliException.config("the identity in " + dir + " changed meanwhile (another carapace"
                        + " process?); not overwriting it: " + e.getMessage());
            }
        }
        try {
            Keystore.write(keystoreFile(), log.id().toString(), keys, passphrase, Keystore.KdfParams.DEFAULT);
        } catch (Keystore.KeystoreException e) {
            throw CliException.config(e.getMessage());
        }
        saveIdentity(name, log);
    }

    void saveIdentity(String name, KeyEventLog log) throws IOException {
        ObjectNode doc = Json.object();
        doc.put("name", name);
        doc.set("log", log.toJson());
        SecureFiles.writeAtomic(identityFile(), (Json.pretty(doc) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public Keystore.Keys unlock(AgentId id) throws IOException {
        char[] pass = passphrase(false);
        try {
            return Keystore.read(keystoreFile(), id.toString(), pass);
        } catch (Keystore.KeystoreException e) {
            throw CliException.config(e.getMessage());
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    /** Signs with the current key, which must be the one the log names (a stale keystore is refused). */
    public Ed25519KeyPair currentKey(Identity identity) throws IOException {
        try (Keystore.Keys keys = unlock(identity.log().id())) {
            Ed25519KeyPair kp = keys.current();
            if (!kp.publicKey().equals(identity.log().currentKey())) {
                throw CliException.config("the keystore does not hold the identity's current key");
            }
            return kp;
        } catch (CryptoException e) {
            throw CliException.config("keystore holds an invalid key: " + e.getMessage());
        }
    }

    /**
     * The passphrase, from --passphrase-file, then $CARAPACE_PASSPHRASE, then a prompt when there is a terminal.
     * {@code confirm} asks twice at a prompt (when creating a keystore).
     */
    public char[] passphrase(boolean confirm) throws IOException {
        if (passphraseFile != null) {
            String s = Files.readString(passphraseFile, StandardCharsets.UTF_8);
            String line = s.lines().findFirst().orElse("");
            return nonEmpty(line.toCharArray(), "the passphrase file " + passphraseFile + " is empty");
        }
        String env = System.getenv(PASSPHRASE_ENV);
        if (env != null) {
            return nonEmpty(env.toCharArray(), "$" + PASSPHRASE_ENV + " is empty");
        }
        Console console = System.console();
        if (console == null) {
            throw CliException.config("a passphrase is needed: set $" + PASSPHRASE_ENV
                    + " or pass --passphrase-file (no terminal to prompt on)");
        }
        char[] first = console.readPassword("Passphrase for %s: ", keystoreFile());
        if (first == null) {
            throw CliException.config("no passphrase given");
        }
        if (confirm) {
            char[] again = console.readPassword("Repeat passphrase: ");
            boolean same = again != null && Arrays.equals(first, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw CliException.config("the passphrases do not match");
            }
        }
        return nonEmpty(first, "the passphrase is empty");
    }

    private static char[] nonEmpty(char[] p, String message) {
        if (p.length == 0) {
            throw CliException.config(message);
        }
        return p;
    }

    /**
     * Resolves {@code --identity}: a path to an identity document, this home's own id, or an id cached under
     * {@code identities/}.
     */
    public KeyEventLog resolveIdentity(String docOrId) throws IOException {
        Path p = Path.of(docOrId);
        if (!AgentId.isValid(docOrId) || Files.exists(p)) {
            if (!Files.exists(p)) {
                throw CliException.config("'" + docOrId + "' is neither an identity document nor a valid id");
            }
            return parseDocument(Files.readAllBytes(p), p.toString());
        }
        AgentId id;
        try {
            id = AgentId.parse(docOrId);
        } catch (CryptoException e) {
            throw CliException.usage(e.getMessage());
        }
        if (hasIdentity() && identity().log().id().equals(id)) {
            return identity().log();
        }
        Path cached = dir.resolve("identities").resolve(id + ".json");
        if (Files.exists(cached)) {
            return parseDocument(Files.readAllBytes(cached), cached.toString());
        }
        throw CliException.config("identity " + id + " is unknown here; pass its identity document"
                + " (the output of 'carapace id export')");
    }

    private static KeyEventLog parseDocument(byte[] bytes, String where) {
        try {
            JsonNode doc = Json.parse(bytes);
            // Accept both a bare identity document and this CLI's identity.json wrapper.
            return KeyEventLog.fromJson(doc.has("log") ? doc.get("log") : doc);
        } catch (KelException e) {
            throw CliException.verification(where + ": invalid identity document: " + e.getMessage());
        } catch (CryptoException e) {
            throw CliException.config(where + ": " + e.getMessage());
        }
    }

    static byte[] canonical(JsonNode node) {
        try {
            return CanonicalJson.encode(node);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }
}
