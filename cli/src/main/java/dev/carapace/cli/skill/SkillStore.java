package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Home;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Installed skills in the home folder: {@code skills/installed.json} (what is installed, pinned by digest, with the
 * folders bound at install), {@code skills/pins.json} (every name@version ever seen and its digest, kept after
 * removal so a registry that later serves other bytes is caught) and {@code skills/packages/<sha256>.zip}.
 */
final class SkillStore {
    private final Path dir;

    SkillStore(Home home) {
        this.dir = home.dir().resolve("skills");
    }

    Path installedFile() {
        return dir.resolve("installed.json");
    }

    ObjectNode installed() throws IOException {
        return load(installedFile(), "skills");
    }

    ObjectNode pins() throws IOException {
        return load(dir.resolve("pins.json"), "pins");
    }

    /** The installed entry of {@code name}, or null. */
    JsonNode entry(String name) throws IOException {
        JsonNode e = installed().path("skills").get(name);
        return e == null || e.isNull() ? null : e;
    }

    void putEntry(String name, ObjectNode entry) throws IOException {
        ObjectNode all = installed();
        ((ObjectNode) all.get("skills")).set(name, entry);
        write(installedFile(), all);
    }

    void removeEntry(String name) throws IOException {
        ObjectNode all = installed();
        ((ObjectNode) all.get("skills")).remove(name);
        write(installedFile(), all);
    }

    /** Fails as an attack when a different digest was seen before for this name@version. */
    void checkPin(String name, String version, String digest) throws IOException {
        JsonNode seen = pins().path("pins").get(name + "@" + version);
        if (seen != null && !seen.asString().equals(digest)) {
            throw CliException.verification("ATTACK: the registry now serves different bytes for " + name + "@" + version
                    + " (pinned sha256 " + seen.asString() + ", served " + digest + "). A published version never"
                    + " changes; do not install it, and report the registry.");
        }
    }

    void pin(String name, String version, String digest) throws IOException {
        ObjectNode all = pins();
        ((ObjectNode) all.get("pins")).put(name + "@" + version, digest);
        write(dir.resolve("pins.json"), all);
    }

    void savePackage(String digest, byte[] bytes) throws IOException {
        Files.createDirectories(dir.resolve("packages"));
        SecureFiles.writeAtomic(packageFile(digest), bytes);
    }

    /** The stored package, checked against its pinned digest (files in the home can be tampered with too). */
    byte[] loadPackage(String digest) throws IOException {
        byte[] b = Files.readAllBytes(packageFile(digest));
        if (!Bytes.hex(Bytes.sha256(b)).equals(digest)) {
            throw CliException.verification("the stored package " + packageFile(digest) + " was modified since install");
        }
        return b;
    }

    void deletePackage(String digest) throws IOException {
        Files.deleteIfExists(packageFile(digest));
    }

    private Path packageFile(String digest) {
        if (!digest.matches("[0-9a-f]{64}")) {
            throw CliException.config("bad digest in " + installedFile());
        }
        return dir.resolve("packages").resolve(digest + ".zip");
    }

    private static ObjectNode load(Path f, String key) throws IOException {
        if (!Files.exists(f)) {
            ObjectNode o = Json.object();
            o.putObject(key);
            return o;
        }
        try {
            ObjectNode o = Json.parseObject(Files.readAllBytes(f));
            if (!o.path(key).isObject()) {
                throw new CryptoException("missing '" + key + "'");
            }
            return o;
        } catch (CryptoException e) {
            throw CliException.config(f + " is damaged: " + e.getMessage());
        }
    }

    private void write(Path f, ObjectNode o) throws IOException {
        Files.createDirectories(dir);
        SecureFiles.writeAtomic(f, (Json.pretty(o) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
