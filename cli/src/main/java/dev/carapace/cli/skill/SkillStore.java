package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Home;
import dev.carapace.client.skills.InstallPlan;
import dev.carapace.client.skills.InstallRefusedException;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
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

    /** The digest seen before for name@version, or null. */
    String pinned(String name, String version) throws IOException {
        JsonNode seen = pins().path("pins").get(name + "@" + version);
        return seen == null || seen.isNull() ? null : seen.asString();
    }

    /** Fails as an attack when a different digest was seen before for this name@version (the rule: InstallPlan). */
    void checkPin(String name, String version, String digest) throws IOException {
        try {
            InstallPlan.checkPin(name, version, pinned(name, version), digest);
        } catch (InstallRefusedException e) {
            throw CliException.verification(e.getMessage());
        }
    }

    /**
     * What is installed under {@code name}, or null; {@code withManifest} reads the stored package (checked against its
     * digest) for the manifest it was granted, without any permission if it runs quarantined.
     */
    InstallPlan.Installed installedSkill(String name, boolean withManifest) throws IOException {
        JsonNode e = entry(name);
        if (e == null) {
            return null;
        }
        String digest = e.path("digest").asString();
        boolean quarantined = e.path("quarantined").asBoolean(true); // a damaged entry counts as unsigned
        Manifest m = null;
        if (withManifest) {
            try {
                m = SkillPermissions.parse(SkillPackage.read(loadPackage(digest)).manifest());
            } catch (PackageException ex) {
                throw CliException.config("the stored package of " + name + " is damaged: " + ex.getMessage());
            }
            m = quarantined ? m.withoutPermissions() : m;
        }
        return new InstallPlan.Installed(e.path("version").asString(), digest, quarantined, m);
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
