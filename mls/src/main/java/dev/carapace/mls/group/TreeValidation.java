package dev.carapace.mls.group;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.ExternalSender;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.RequiredCapabilities;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.tree.RatchetTree;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/**
 * The RFC 9420 rules for what may stand in a ratchet tree, all on public data: whole received trees (§12.4.3.1),
 * single leaves and KeyPackages (§7.3, §10.1), credential types and required capabilities (§7.3, §11.1), and the
 * credentials of external senders (§5.3.1). {@link PublicGroup}, {@link Joiner}, {@link StagedCommit} and
 * {@link CommitBuilder} call these; none needs a secret.
 */
final class TreeValidation {
    /** Below this many signatures, checking them on one thread is cheaper than forking. */
    private static final int PARALLEL_SIGNATURES = 32;

    private TreeValidation() {
    }

    /**
     * Unmerged leaves, key uniqueness, parent hashes, leaf signatures and credentials of a tree received from others
     * whose tree hash {@link PublicGroup#receivedTree} has already checked.
     */
    static void validateTree(CredentialValidator credentials, CipherSuite s, RatchetTree tree, GroupContext ctx) {
        if (!tree.verifyUnmergedLeaves()) {
            throw new ProtocolViolationException("ratchet tree unmerged_leaves are inconsistent");
        }
        if (!tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("ratchet tree has an encryption key in two nodes");
        }
        if (!tree.hasDistinctSignatureKeys()) {
            throw new ProtocolViolationException("ratchet tree has a signature key in two leaves");
        }
        if (!tree.verifyParentHashes(s)) {
            throw new ProtocolViolationException("ratchet tree parent hashes do not verify");
        }
        List<Integer> leaves = tree.occupiedLeaves();
        verifyAll(leaves.size(), k -> tree.leaf(leaves.get(k)).verifySignature(s, ctx.groupId(), leaves.get(k)),
                k -> "leaf " + leaves.get(k) + " signature");
        for (int i : leaves) {
            LeafNode l = tree.leaf(i);
            credentials.validate(l.credential(), l.signatureKey());
        }
        checkRequiredCapabilities(tree, ctx.extensions());
        checkCredentialTypes(tree);
        checkExternalSenders(credentials, Extension.decodeBody(ctx.extensions()));
    }

    /**
     * A resync (external commit with a Remove) must come from the removed member (RFC 9420 §12.2): this engine
     * requires the very same credential, since the credential validator only judges one credential at a time.
     */
    static void checkResync(LeafNode removed, LeafNode joiner) {
        if (!java.util.Arrays.equals(removed.credential().encode(), joiner.credential().encode())) {
            throw new ProtocolViolationException("external commit removes a leaf with another credential");
        }
    }

    /** {@link #checkCredentialTypes} for one new leaf (replacing the one at {@code replacing}, or -1) up front. */
    static void checkCredentialFits(RatchetTree tree, LeafNode leaf, int replacing, String who) {
        int type = leaf.credential().type();
        for (int i : tree.occupiedLeaves()) {
            if (i == replacing) {
                continue;
            }
            LeafNode l = tree.leaf(i);
            if (!l.capabilities().supportsCredential(type)) {
                throw new ProtocolViolationException("leaf " + i + " does not support credential type " + type
                        + " of the " + who);
            }
            if (!leaf.capabilities().supportsCredential(l.credential().type())) {
                throw new ProtocolViolationException(who + " does not support credential type "
                        + l.credential().type() + " in use in the group");
            }
        }
    }

    /**
     * RFC 9420 §7.3: every member's capabilities list the credential type of every member (so a new leaf must
     * support all types in use, and its own type must be supported by everyone). O(members x types in use).
     */
    static void checkCredentialTypes(RatchetTree tree) {
        List<Integer> leaves = tree.occupiedLeaves();
        Set<Integer> inUse = new java.util.TreeSet<>();
        for (int i : leaves) {
            inUse.add(tree.leaf(i).credential().type());
        }
        for (int i : leaves) {
            for (int type : inUse) {
                if (!tree.leaf(i).capabilities().supportsCredential(type)) {
                    throw new ProtocolViolationException("leaf " + i + " does not support credential type " + type
                            + " in use in the group");
                }
            }
        }
    }

    /**
     * Checks {@code count} independent signatures, across the common fork-join pool when there are many (joining a
     * group of N verifies N leaf signatures; adding N members verifies 2N). Throws for the lowest failing index,
     * so the error does not depend on scheduling. Signature checks are pure; callbacks into the application
     * (credential validation) stay on the caller's thread.
     */
    static void verifyAll(int count, java.util.function.IntPredicate ok, java.util.function.IntFunction<String> what) {
        java.util.stream.IntStream idx = java.util.stream.IntStream.range(0, count);
        if (count >= PARALLEL_SIGNATURES) {
            idx = idx.parallel();
        }
        java.util.OptionalInt bad = idx.filter(k -> !ok.test(k)).min();
        if (bad.isPresent()) {
            throw new InvalidSignatureException(what.apply(bad.getAsInt()));
        }
    }

    /**
     * RFC 9420 §11.1/§12.1.7: every member's leaf must list the types in the group's required_capabilities, and
     * every (non-default) GroupContext extension type in use.
     */
    static void checkRequiredCapabilities(RatchetTree tree, byte[] contextExtensions) {
        List<Extension> exts = Extension.decodeBody(contextExtensions);
        RequiredCapabilities rc = RequiredCapabilities.in(exts);
        for (int i : tree.occupiedLeaves()) {
            checkLeafInGroup(tree.leaf(i), exts, rc, "leaf " + i);
        }
    }

    /** One leaf against the group's extensions: lists every type in use and meets required_capabilities. */
    static void checkLeafInGroup(LeafNode l, List<Extension> groupExtensions, String who) {
        checkLeafInGroup(l, groupExtensions, RequiredCapabilities.in(groupExtensions), who);
    }

    private static void checkLeafInGroup(LeafNode l, List<Extension> groupExtensions, RequiredCapabilities rc,
            String who) {
        for (Extension e : groupExtensions) {
            if (!l.capabilities().supportsExtension(e.type())) {
                throw new ProtocolViolationException(who + " does not support group extension " + e.type());
            }
        }
        checkLeafMeets(l, rc, who);
    }

    static void checkLeafMeets(LeafNode leaf, RequiredCapabilities rc, String who) {
        String unmet = rc == null ? null : rc.unmetBy(leaf.capabilities());
        if (unmet != null) {
            throw new ProtocolViolationException(who + " lacks required capability: " + unmet);
        }
    }

    /** RFC 9420 §5.3.1: the credentials of external senders are validated when the extension appears or changes. */
    static void checkExternalSenders(CredentialValidator credentials, List<Extension> groupExtensions) {
        for (ExternalSender es : ExternalSender.in(groupExtensions)) {
            credentials.validate(es.credential(), es.signatureKey());
        }
    }

    /** Whether {@code leaf}'s signature or encryption key is some member's in {@code tree}, bar the leaves given. */
    static boolean keyInTree(RatchetTree tree, LeafNode leaf, Set<Integer> leaving) {
        for (int i : tree.occupiedLeaves()) {
            if (leaving.contains(i)) {
                continue;
            }
            LeafNode l = tree.leaf(i);
            if (MessageDigest.isEqual(l.signatureKey(), leaf.signatureKey())
                    || MessageDigest.isEqual(l.encryptionKey(), leaf.encryptionKey())) {
                return true;
            }
        }
        return false;
    }
}
