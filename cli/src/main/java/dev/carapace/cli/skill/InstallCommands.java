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
import dev.carapace.client.skills.InstallPlan;
import dev.carapace.client.skills.InstallRefusedException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
import java.io.IOException;
import java.net.URI;
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

    /** A verified version as the install rules see it. */
    static InstallPlan.Candidate candidate(SkillVerifier.Verified v) {
        try {
            return InstallPlan.Candidate.verified(v);
        } catch (ManifestException e) {
            throw SkillPermissions.unacceptable(e);
        }
    }

    /** What the plan refuses, as a CLI failure: an attack or a rollback fails verification, the rest is usage. */
    static CliException refused(InstallRefusedException e, String hint) {
        return switch (e.reason()) {
            case PIN_MISMATCH -> CliException.verification(e.getMessage());
            case DOWNGRADE -> hint == null ? CliException.verification(e.getMessage())
                    : CliException.usage(e.getMessage() + " (" + hint + ")");
            case NOT_INSTALLED, UNSIGNED_INSTALLED -> CliException.usage(e.getMessage());
        };
    }

    /** The installed entry: what is pinned, where from, and the folders bound to its grants. */
    static ObjectNode entry(InstallPlan.Candidate c, SkillVerifier.Verified v, URI hub, Map<String, String> dirs) {
        ObjectNode e = Json.object();
        e.put("version", c.version());
        e.put("digest", c.digest());
        if (v != null) {
            e.put("hub", hub == null ? null : hub.toString());
            e.put("publisher", v.publisher());
            e.put("logIndex", v.publishIndex());
        }
        e.put("quarantined", !c.signed());
        ObjectNode d = e.putObject("dirs");
        dirs.forEach(d::put);
        e.put("installedMs", System.currentTimeMillis());
        return e;
    }

    /** Carries out a plan that has consent: pins the digest, stores the package and the entry, drops the old bytes. */
    static void commit(SkillStore store, InstallPlan plan, byte[] bytes, ObjectNode entry) throws IOException {
        InstallPlan.Candidate c = plan.candidate();
        store.pin(c.name(), c.version(), c.digest());
        store.savePackage(c.digest(), bytes);
        store.putEntry(c.name(), entry);
        if (plan.installed() != null && !plan.installed().digest().equals(c.digest())) {
            store.deletePackage(plan.installed().digest());
        }
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
            InstallPlan.Candidate candidate = candidate(v);
            module(SkillPackage.read(v.packageBytes()));
            Map<String, String> bound = SandboxCommand.parseDirs(dirs, candidate.manifest());
            InstallPlan plan = plan(store, candidate);
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified: signature, log index " + v.publishIndex() + ", not revoked, namespace owner";
            consent.obtain(spec, SkillPermissions.prompt(title, candidate.manifest()), plan);
            commit(store, plan, v.packageBytes(), entry(candidate, v, c.hub(), bound));
            if (HubOptions.remembered(home) == null) {
                HubOptions.remember(home, c.hub()); // the home's hub from now on, whatever is later removed
            }
            print(spec, "installed " + v.name() + "@" + v.version() + "\n");
            return ExitCodes.OK;
        }

        /** The install rules against what this home has installed and pinned. */
        private InstallPlan plan(SkillStore store, InstallPlan.Candidate candidate) throws IOException {
            try {
                return InstallPlan.install(candidate, store.installedSkill(candidate.name(), false),
                        store.pinned(candidate.name(), candidate.version()), allowDowngrade, consent.by());
            } catch (InstallRefusedException e) {
                throw refused(e, "pass --allow-downgrade to replace it");
            }
        }

        private int installBundled(Home home, SkillStore store) throws IOException, PackageException {
            byte[] bytes = Files.readAllBytes(Path.of(target));
            SkillVerifier.Verified v = OfflineCommands.Verify.offline(bytes, bundle, logKey, home, access.trust);
            InstallPlan.Candidate candidate = candidate(v);
            module(SkillPackage.read(bytes));
            Map<String, String> bound = SandboxCommand.parseDirs(dirs, candidate.manifest());
            InstallPlan plan = plan(store, candidate);
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified offline: signature, log proof at index " + v.publishIndex() + ", not revoked in the"
                    + " bundle, namespace owner";
            consent.obtain(spec, SkillPermissions.prompt(title, candidate.manifest()), plan);
            commit(store, plan, bytes, entry(candidate, v, null, bound));
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
            InstallPlan.Candidate candidate;
            try {
                candidate = InstallPlan.Candidate.unsigned(p);
            } catch (ManifestException e) {
                throw SkillPermissions.unacceptable(e);
            }
            module(p);
            if (!dirs.isEmpty()) {
                throw CliException.usage("a quarantined skill gets no folders: drop --dir");
            }
            InstallPlan plan = plan(store, candidate);
            String title = "Install UNSIGNED " + candidate.name() + " " + candidate.version() + " QUARANTINED (sha256 "
                    + p.digest() + ")\n  nobody vouches for these bytes; it runs with no network, no secrets and no"
                    + " folders";
            consent.obtain(spec, SkillPermissions.prompt(title, candidate.manifest()), plan);
            commit(store, plan, p.bytes(), entry(candidate, null, null, Map.of()));
            print(spec, "installed " + candidate.name() + "@" + candidate.version() + " QUARANTINED\n");
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
            try {
                InstallPlan.requireUpdatable(name, store.installedSkill(name, false)); // before any network
            } catch (InstallRefusedException e) {
                throw refused(e, null);
            }
            if (old.hasNonNull("hub")) {
                access.hubOptions.preferIfUnset(old.path("hub").asString());
            }
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(name, null, true); // also checks and records the pin
            InstallPlan.Candidate candidate = candidate(v);
            InstallPlan plan;
            try {
                plan = InstallPlan.update(candidate, store.installedSkill(name, true),
                        store.pinned(name, candidate.version()), consent.by());
            } catch (InstallRefusedException e) {
                throw refused(e, null);
            }
            if (plan.upToDate()) {
                print(spec, name + " is up to date (" + v.version() + ")\n");
                return ExitCodes.OK;
            }
            Manifest after = candidate.manifest();
            module(SkillPackage.read(v.packageBytes()));
            Map<String, String> bound = new LinkedHashMap<>();
            old.path("dirs").properties().forEach(e -> {
                if (after.permissions().filesystem().stream().anyMatch(g -> g.path().equals(e.getKey()))) {
                    bound.put(e.getKey(), e.getValue().asString());
                }
            });
            bound.putAll(SandboxCommand.parseDirs(dirs, after));
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            String title = "Update " + name + " " + plan.installed().version() + " -> " + v.version()
                    + " asks for MORE permissions:\n  "
                    + String.join("\n  ", plan.widened().stream().map(Object::toString).toList());
            consent.obtain(spec, SkillPermissions.prompt(title, after), plan); // nothing is asked if nothing widened
            commit(store, plan, v.packageBytes(), entry(candidate, v, c.hub(), bound));
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
