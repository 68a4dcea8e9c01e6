package dev.carapace.client.chat;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.GroupAdmins;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.group.PublicGroup;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.LeafNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A group's roles, carried in the MLS GroupContext as a private-use extension so that every member holds the same
 * policy, authenticated by the key schedule: only admins may add or remove members or change the policy; every
 * member may refresh its own keys. The data is the RFC 8785 form of {@code {"v": 1, "admins": [agent ids]}}
 * ({@link GroupAdmins}); the hub reads the same data from uploaded GroupInfos to decide who may change routing.
 */
public record GroupPolicy(Set<String> admins) {
    /** The policy's extension type; its data format is {@link GroupAdmins}, which the hub reads too. */
    public static final int EXTENSION_TYPE = GroupAdmins.EXTENSION_TYPE;

    public GroupPolicy {
        admins = Set.copyOf(new TreeSet<>(admins));
    }

    public boolean isAdmin(String agentId) {
        return admins.contains(agentId);
    }

    public Extension toExtension() {
        return new Extension(EXTENSION_TYPE, GroupAdmins.encode(admins));
    }

    /**
     * Checks a commit that takes {@code before} to {@code after} (the epoch of the staged commit) against the
     * policy in force before it, and returns the committer's agent id. Membership and policy changes need an admin.
     * The committer is the one existing member whose leaf the commit replaced (every commit here carries an
     * UpdatePath); a commit that cannot be attributed that way is refused.
     */
    public static String checkCommit(PublicGroup before, PublicGroup after) {
        Map<Integer, LeafNode> b = before.members();
        Map<Integer, LeafNode> a = after.members();
        boolean membershipChanged = false;
        List<Integer> replaced = new ArrayList<>();
        for (var e : b.entrySet()) {
            LeafNode now = a.get(e.getKey());
            if (now == null || !sameInstallation(now, e.getValue())) {
                membershipChanged = true;
            } else if (!Arrays.equals(now.encode(), e.getValue().encode())) {
                replaced.add(e.getKey());
            }
        }
        for (var e : a.entrySet()) {
            LeafNode was = b.get(e.getKey());
            if (was == null || !sameInstallation(was, e.getValue())) {
                membershipChanged = true;
            }
        }
        GroupPolicy policy = from(before.contextExtensions());
        boolean policyChanged = !policy.equals(from(after.contextExtensions()));
        if (replaced.size() != 1) {
            throw new MlsException("the commit cannot be attributed to one member");
        }
        String committer;
        try {
            committer = InstallationCertificate.peek(b.get(replaced.get(0)).credential().identity()).agent();
        } catch (CryptoException e) {
            throw new MlsException("the committer's credential is unreadable");
        }
        if ((membershipChanged || policyChanged) && !policy.isAdmin(committer)) {
            throw new MlsException("a commit by " + committer + ", who is not an admin, changes the membership or"
                    + " the policy");
        }
        return committer;
    }

    /**
     * Whether two leaves are the same member: certificates for the same agent's same installation. A member whose
     * identity rotated re-certifies its leaf with a certificate by the new key; that is not a membership change.
     */
    private static boolean sameInstallation(LeafNode x, LeafNode y) {
        if (Arrays.equals(x.credential().identity(), y.credential().identity())) {
            return true;
        }
        try {
            InstallationCertificate.Claims cx = InstallationCertificate.peek(x.credential().identity());
            InstallationCertificate.Claims cy = InstallationCertificate.peek(y.credential().identity());
            return cx.agent().equals(cy.agent()) && cx.installation().equals(cy.installation());
        } catch (CryptoException e) {
            return false;
        }
    }

    /**
     * Checks an external commit (from a new_member_commit sender) that takes {@code before} to {@code after}: it is
     * accepted only as a resync, i.e. a member replacing its own leaf with the very same credential. The membership
     * by credential and the policy must be unchanged, and every leaf that changed must carry that one credential;
     * anyone else joining from a GroupInfo (even an admin) is refused, since members are added by admins only.
     * Returns the resyncing agent's id.
     */
    public static String checkResync(PublicGroup before, PublicGroup after) {
        Map<Integer, LeafNode> b = before.members();
        Map<Integer, LeafNode> a = after.members();
        List<String> was = new ArrayList<>();
        List<String> now = new ArrayList<>();
        b.values().forEach(l -> was.add(java.util.HexFormat.of().formatHex(l.credential().encode())));
        a.values().forEach(l -> now.add(java.util.HexFormat.of().formatHex(l.credential().encode())));
        was.sort(null);
        now.sort(null);
        if (!was.equals(now)) {
            throw new MlsException("an external commit is accepted only as a member's resync of its own"
                    + " installation; this one changes the membership");
        }
        if (!from(before.contextExtensions()).equals(from(after.contextExtensions()))) {
            throw new MlsException("an external commit may not change the group policy");
        }
        Set<String> changed = new TreeSet<>();
        Set<Integer> indices = new TreeSet<>(b.keySet());
        indices.addAll(a.keySet());
        for (int i : indices) {
            LeafNode x = b.get(i);
            LeafNode y = a.get(i);
            if (x == null || y == null || !Arrays.equals(x.encode(), y.encode())) {
                changed.add(java.util.HexFormat.of().formatHex((x != null ? x : y).credential().encode()));
                if (x != null && y != null) {
                    changed.add(java.util.HexFormat.of().formatHex(y.credential().encode()));
                }
            }
        }
        if (changed.size() != 1) {
            throw new MlsException("an external commit must resync exactly one installation");
        }
        LeafNode resynced = a.values().stream().filter(l -> java.util.HexFormat.of()
                .formatHex(l.credential().encode()).equals(changed.iterator().next())).findFirst().orElseThrow();
        try {
            return InstallationCertificate.peek(resynced.credential().identity()).agent();
        } catch (CryptoException e) {
            throw new MlsException("the resyncing member's credential is unreadable");
        }
    }

    /** The policy in these GroupContext extensions; fails closed (no admins) when absent or malformed. */
    public static GroupPolicy from(List<Extension> extensions) {
        Extension e = Extension.find(extensions, EXTENSION_TYPE);
        return new GroupPolicy(e == null ? Set.of() : GroupAdmins.decode(e.data()));
    }
}
