package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a skill's manifest grants, in words a person can judge (the consent prompt). What needs consent, and what a
 * policy file consents to, is decided in {@code client.skills.InstallPlan}.
 */
final class SkillPermissions {
    private SkillPermissions() {}

    static Manifest parse(byte[] manifestJson) {
        try {
            return Manifest.parse(manifestJson);
        } catch (ManifestException e) {
            throw unacceptable(e);
        }
    }

    static CliException unacceptable(ManifestException e) {
        return CliException.verification("the skill's manifest is not acceptable: " + e.getMessage());
    }

    /** One line per grant; "nothing" is said explicitly so an empty list is never mistaken for a failure. */
    static List<String> describe(Manifest.Permissions p) {
        List<String> out = new ArrayList<>();
        for (Manifest.FsGrant g : p.filesystem()) {
            out.add((g.access() == Manifest.Access.READ_WRITE ? "read and WRITE files in " : "read files in ")
                    + g.path() + " (a host folder you bind with --dir " + g.path() + "=FOLDER)");
        }
        for (Manifest.NetGrant n : p.network()) {
            out.add("connect to " + n + " over HTTP(S)");
        }
        for (String s : p.secrets()) {
            out.add("read the secret " + s + " (only if you pass it with --secret)");
        }
        for (String v : p.env()) {
            out.add("receive the environment variable " + v + " (only if you pass it with --env)");
        }
        if (out.isEmpty()) {
            out.add("nothing: no files, no network, no secrets, no environment variables");
        }
        return out;
    }

    static String prompt(String title, Manifest m) {
        StringBuilder b = new StringBuilder(title).append('\n').append("It may:\n");
        describe(m.permissions()).forEach(l -> b.append("  - ").append(l).append('\n'));
        Manifest.Limits l = m.limits();
        b.append("Limits: memory ").append(l.memoryPages() * 64).append(" KiB, wall ").append(l.wallMs())
                .append(" ms, CPU ").append(l.cpuMs()).append(" ms")
                .append(m.permissions().network().isEmpty() ? "" : ", " + l.httpRequests() + " HTTP requests").append('\n');
        return b.toString();
    }
}
