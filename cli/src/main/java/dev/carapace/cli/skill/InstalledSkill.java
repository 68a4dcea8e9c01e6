package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeLock;
import dev.carapace.cli.HomeOptions;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.SkillPackage;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/**
 * An installed skill as {@code skill run} and {@code task answer --run} run it: its store entry, package and manifest
 * (reduced to nothing when the skill is quarantined).
 */
public record InstalledSkill(JsonNode entry, SkillPackage pkg, Manifest manifest, boolean quarantined) {
    /** Reads it under the home's lock, which is let go before anything runs (a skill may run long). */
    public static InstalledSkill read(CommandSpec spec, HomeOptions homeOptions, String name) throws Exception {
        JsonNode e;
        byte[] stored;
        try (HomeLock lock = HomeLock.acquireIfExists(homeOptions.resolveHome(), spec.commandLine().getErr())) {
            SkillStore store = new SkillStore(homeOptions.open());
            e = store.entry(name);
            if (e == null) {
                throw CliException.usage(name + " is not installed (carapace skill install " + name + ")");
            }
            stored = store.loadPackage(e.path("digest").asString());
        }
        SkillPackage pkg = SkillPackage.read(stored);
        Manifest m = SkillPermissions.parse(pkg.manifest());
        boolean quarantined = e.path("quarantined").asBoolean(true); // a damaged entry runs with nothing
        return new InstalledSkill(e, pkg, quarantined ? m.withoutPermissions() : m, quarantined);
    }

    /** The store entry of {@code name} in {@code home}, or null when it is not installed. */
    public static JsonNode entry(Home home, String name) throws IOException {
        return new SkillStore(home).entry(name);
    }

    /** The skill's WebAssembly module. */
    public byte[] module() {
        return SkillSupport.module(pkg);
    }

    /** The digest the home pins for this installed package. */
    public String digest() {
        return entry.path("digest").asString("");
    }
}
