package dev.carapace.client.chat;

import dev.carapace.client.HubException;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The group records of one installation ({@code groups/<id>.bin}, each sealed under its own purpose), read once and
 * kept in memory until {@link #forget}; every save writes through, revision-checked ({@link SealedDocument}).
 */
final class GroupStore {
    /** Brings this installation up to date with the hub, e.g. to receive a Welcome that is waiting. */
    @FunctionalInterface
    interface Syncer {
        void sync() throws IOException, HubException;
    }

    private final StateVault vault;
    private final Path dir;
    private final GroupConfig config;
    private final Map<String, GroupRecord> records = new HashMap<>();

    GroupStore(StateVault vault, Path dir, GroupConfig config) {
        this.vault = vault;
        this.dir = dir;
        this.config = config;
    }

    /** Forgets what was read, so the next load reads the disk again (another process may have written). */
    void forget() {
        records.clear();
    }

    private Path file(String group) {
        return dir.resolve(group + ".bin");
    }

    private static String purpose(String group) {
        return "group:" + group;
    }

    /** The record of {@code group}, or null if this installation has none. */
    GroupRecord load(String group) throws IOException {
        if (!group.matches("[A-Za-z0-9_-]{22,44}")) {
            throw new IllegalArgumentException("not a group id: " + group);
        }
        GroupRecord cached = records.get(group);
        if (cached != null) {
            return cached;
        }
        JsonNode doc = SealedDocument.read(vault, file(group), purpose(group));
        if (doc == null) {
            return null;
        }
        GroupRecord r = GroupRecord.fromJson(group, doc, saved -> {
            try {
                return Group.load(config, Bytes.fromB64url(saved));
            } catch (CryptoException e) {
                throw new IllegalArgumentException("not base64url");
            }
        });
        records.put(group, r);
        return r;
    }

    void save(GroupRecord r) throws IOException {
        r.rev = SealedDocument.write(vault, file(r.group), purpose(r.group), r.toJson(), r.rev);
        records.put(r.group, r);
    }

    /** The record of a group this installation is a member of; syncs once first if it has none (a Welcome?). */
    GroupRecord require(String group, Syncer syncer) throws IOException, HubException {
        GroupRecord r = load(group);
        if (r == null) {
            syncer.sync(); // perhaps a Welcome is waiting
            r = load(group);
        }
        if (r == null) {
            throw new IllegalArgumentException("this installation is not in group " + group);
        }
        if (r.removed()) {
            throw new IllegalStateException("this installation is no longer a member of group " + group);
        }
        return r;
    }

    /** Every group this installation has a record for, in id order. */
    List<GroupRecord> all() throws IOException {
        List<GroupRecord> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".bin")) {
                    GroupRecord r = load(name.substring(0, name.length() - 4));
                    if (r != null) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
