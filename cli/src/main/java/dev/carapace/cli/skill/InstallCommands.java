package dev.carapace.cli.skill;

import static dev.carapace.cli.skill.SkillSupport.module;
import static dev.carapace.cli.skill.SkillSupport.print;
import static dev.carapace.cli.skill.SkillSupport.readPackage;

import dev.carapace.cli.CliException;
import dev.carapace.cli.ExitCodes;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.HubOptions;
import dev.carapace.cli.LogTrustOptions;
import dev.carapace.cli.SandboxCommand;
import dev.carapace.cli.skill.SkillSupport.Conn;
import dev.carapace.cli.skill.SkillSupport.NameVersion;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What a home has installed: {@code skill install}, {@code update}, {@code remove} and {@code list}. */
final class InstallCommands {
    private InstallCommands() {}

    static ObjectNode entry(SkillVerifier.Verified v, URI hub, boolean quarantined, Map<String, String> dirs) {
        ObjectNode e = Json.object();
        e.put("version", v.version());
        e.put("digest", v.digest());
        e.put("hub", hub == null ? null : hub.toString());
        e.put("publisher", v.publisher());
        e.put("logIndex", v.publishIndex());
        e.put("quarantined", quarantined);
        ObjectNode d = e.putObject("dirs");
        dirs.forEach(d::put);
        e.put("installedMs", System.currentTimeMillis());
        return e;
    }

    @Command(name = "install", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Install a skill from the hub after verifying, in order: the author's signature, inclusion in"
                    + " the log and consistency with the trusted checkpoint, revocation, namespace ownership. Then the"
                    + " permissions are shown and installed only with consent (a terminal, --yes or --policy).",
                "Nothing runs at install: the package is data. A version whose bytes differ from the ones seen before is"
                    + " reported as an attack. A local unsigned PKG installs only with --allow-unsigned, quarantined."})
    static final class Install implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Mixin
        ConsentOptions consent;

        @Parameters(index = "0", paramLabel = "NAME[@VERSION]|PKG")
        String target;

        @Option(names = "--dir", paramLabel = "GUEST=HOST", description = "Bind a host folder to a granted directory; repeatable.")
        List<String> dirs = new ArrayList<>();

        @Option(names = "--allow-unsigned", description = "Install a local, unsigned package quarantined: no network,"
                + " no secrets, no folders.")
        boolean allowUnsigned;

        @Option(names = "--bundle", paramLabel = "BUNDLE",
                description = "Install a local PKG verified offline against its bundle (from 'skill fetch').")
        Path bundle;

        @Option(names = "--log-key", paramLabel = "VKEY", description = "With --bundle: the log's key, if this home"
                + " has not pinned it.")
        String logKey;

        @Option(names = "--allow-downgrade", description = "Replace an installed version by an older one.")
        boolean allowDowngrade;

        @Override
        public Integer call() throws Exception {
            Home home = access.homeOptions.open();
            SkillStore store = new SkillStore(home);
            if (target.endsWith(".zip") || Files.isRegularFile(Path.of(target))) {
                return bundle != null ? installBundled(home, store) : installUnsigned(store);
            }
            NameVersion nv = NameVersion.parse(target, false);
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), true); // also checks and records the pin
            Manifest m = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(v.packageBytes()));
            Map<String, String> bound = SandboxCommand.parseDirs(dirs, m);
            refuseDowngrade(store, v);
            boolean confusable = !v.confusableWith().isEmpty();
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified: signature, log index " + v.publishIndex() + ", not revoked, namespace owner";
            consent.require(spec, SkillPermissions.prompt(title, m), v, m, confusable);
            store.savePackage(v.digest(), v.packageBytes());
            JsonNode old = store.entry(v.name());
            store.putEntry(v.name(), entry(v, c.hub(), false, bound));
            if (old != null && !old.path("digest").asString().equals(v.digest())) {
                store.deletePackage(old.path("digest").asString());
            }
            if (HubOptions.remembered(home) == null) {
                HubOptions.remember(home, c.hub()); // the home's hub from now on, whatever is later removed
            }
            print(spec, "installed " + v.name() + "@" + v.version() + "\n");
            return ExitCodes.OK;
        }

        /** An older version than the one installed replaces it only with --allow-downgrade. */
        private void refuseDowngrade(SkillStore store, SkillVerifier.Verified v) throws IOException {
            JsonNode old = store.entry(v.name());
            if (old != null && !allowDowngrade && Manifest.compareVersions(v.version(), old.path("version").asString()) < 0) {
                throw CliException.usage(v.name() + "@" + v.version() + " is older than the installed "
                        + old.path("version").asString() + "; not downgrading (pass --allow-downgrade to replace it)");
            }
        }

        private int installBundled(Home home, SkillStore store) throws IOException, PackageException {
            byte[] bytes = Files.readAllBytes(Path.of(target));
            SkillVerifier.Verified v = OfflineCommands.Verify.offline(bytes, bundle, logKey, home, access.trust);
            store.checkPin(v.name(), v.version(), v.digest());
            Manifest m = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(bytes));
            Map<String, String> bound = SandboxCommand.parseDirs(dirs, m);
            refuseDowngrade(store, v);
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified offline: signature, log proof at index " + v.publishIndex() + ", not revoked in the"
                    + " bundle, namespace owner";
            consent.require(spec, SkillPermissions.prompt(title, m), v, m, false);
            store.pin(v.name(), v.version(), v.digest());
            store.savePackage(v.digest(), bytes);
            store.putEntry(v.name(), entry(v, null, false, bound));
            print(spec, "installed " + v.name() + "@" + v.version() + " (verified offline)\n");
            return ExitCodes.OK;
        }

        private int installUnsigned(SkillStore store) throws IOException {
            Path file = Path.of(target);
            SkillPackage p = readPackage(file);
            if (!allowUnsigned) {
                throw CliException.verification(file + " is a local package with no verified signature or log proof;"
                        + " install from a hub, or pass --allow-unsigned to install it quarantined");
            }
            Manifest m = SkillPermissions.parse(p.manifest());
            module(p);
            if (!dirs.isEmpty()) {
                throw CliException.usage("a quarantined skill gets no folders: drop --dir");
            }
            Manifest quarantined = m.withoutPermissions();
            String title = "Install UNSIGNED " + m.name() + " " + m.version() + " QUARANTINED (sha256 " + p.digest()
                    + ")\n  nobody vouches for these bytes; it runs with no network, no secrets and no folders";
            consent.require(spec, SkillPermissions.prompt(title, quarantined), null, quarantined, false);
            store.checkPin(m.name(), m.version(), p.digest());
            store.pin(m.name(), m.version(), p.digest());
            store.savePackage(p.digest(), p.bytes());
            ObjectNode e = Json.object();
            e.put("version", m.version());
            e.put("digest", p.digest());
            e.put("quarantined", true);
            e.putObject("dirs");
            e.put("installedMs", System.currentTimeMillis());
            store.putEntry(m.name(), e);
            print(spec, "installed " + m.name() + "@" + m.version() + " QUARANTINED\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Update an installed skill to the hub's latest version, verified like install. Wider"
                    + " permissions need consent again and are shown as a diff."})
    static final class Update implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Mixin
        ConsentOptions consent;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--dir", paramLabel = "GUEST=HOST",
                description = "Bind a host folder to a granted directory (a new one, or instead of the folder bound"
                        + " before); repeatable.")
        List<String> dirs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Home home = access.homeOptions.open();
            SkillStore store = new SkillStore(home);
            JsonNode old = store.entry(name);
            if (old == null) {
                throw CliException.usage(name + " is not installed");
            }
            if (old.path("quarantined").asBoolean()) {
                throw CliException.usage(name + " was installed from an unsigned file; remove it and install from a hub");
            }
            if (old.hasNonNull("hub")) {
                access.hubOptions.preferIfUnset(old.path("hub").asString());
            }
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(name, null, true); // also checks and records the pin
            if (v.digest().equals(old.path("digest").asString())) {
                print(spec, name + " is up to date (" + v.version() + ")\n");
                return ExitCodes.OK;
            }
            if (Manifest.compareVersions(v.version(), old.path("version").asString()) < 0) {
                // A registry offering an older version as the latest is attempting a rollback, not an update.
                throw CliException.verification("the registry offers " + v.version() + " as the latest " + name
                        + ", older than the installed " + old.path("version").asString() + "; refusing to downgrade");
            }
            Manifest before = SkillPermissions.parse(SkillPackage.read(store.loadPackage(old.path("digest").asString())).manifest());
            Manifest after = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(v.packageBytes()));
            List<String> widened = SkillPermissions.widened(before.permissions(), after.permissions());
            Map<String, String> bound = new LinkedHashMap<>();
            old.path("dirs").properties().forEach(e -> {
                if (after.permissions().filesystem().stream().anyMatch(g -> g.path().equals(e.getKey()))) {
                    bound.put(e.getKey(), e.getValue().asString());
                }
            });
            bound.putAll(SandboxCommand.parseDirs(dirs, after));
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            if (!widened.isEmpty()) {
                String title = "Update " + name + " " + old.path("version").asString() + " -> " + v.version()
                        + " asks for MORE permissions:\n  " + String.join("\n  ", widened);
                consent.require(spec, SkillPermissions.prompt(title, after), v, after,
                        !v.confusableWith().isEmpty());
            }
            store.savePackage(v.digest(), v.packageBytes());
            store.putEntry(name, entry(v, c.hub(), false, bound));
            store.deletePackage(old.path("digest").asString());
            print(spec, "updated " + name + " to " + v.version() + "\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "List installed skills with their pinned digests.")
    static final class ListInstalled implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode all = new SkillStore(homeOptions.open()).installed();
            if (json) {
                print(spec, Json.compact(all) + "\n");
                return ExitCodes.OK;
            }
            StringBuilder b = new StringBuilder();
            for (var e : all.path("skills").properties()) {
                JsonNode s = e.getValue();
                b.append(e.getKey()).append(' ').append(s.path("version").asString()).append(" sha256 ")
                        .append(s.path("digest").asString())
                        .append(s.path("quarantined").asBoolean() ? " QUARANTINED (unsigned)" : "").append('\n');
            }
            print(spec, b.isEmpty() ? "no skills installed\n" : b.toString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Remove an installed skill (its digest stays pinned, so a swapped version is still caught).")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            SkillStore store = new SkillStore(homeOptions.open());
            JsonNode e = store.entry(name);
            if (e == null) {
                throw CliException.usage(name + " is not installed");
            }
            store.removeEntry(name);
            store.deletePackage(e.path("digest").asString());
            print(spec, "removed " + name + "\n");
            return ExitCodes.OK;
        }
    }
}
