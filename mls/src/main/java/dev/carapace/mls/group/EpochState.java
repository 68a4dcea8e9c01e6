package dev.carapace.mls.group;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.RatchetTree;
import java.util.Map;

/**
 * Everything one member knows about one epoch: the epoch's {@link PublicGroup} (tree and GroupContext) and this
 * member's own part (its leaf, the private keys of the nodes it holds, the epoch secrets and the secret tree).
 * Treated as immutable: the tree is never mutated after construction (changes work on a copy) and the key map is
 * read-only. The one exception is the secret tree, whose keys are consumed as messages are sent and received;
 * {@link Group} is the single writer.
 */
record EpochState(PublicGroup publicGroup, int myLeaf, Map<Integer, byte[]> nodeKeys, EpochSecrets secrets,
        SecretTree secretTree) {

    EpochState {
        nodeKeys = Map.copyOf(nodeKeys);
    }

    EpochState(CipherSuite suite, GroupContext context, RatchetTree tree, int myLeaf, Map<Integer, byte[]> nodeKeys,
            EpochSecrets secrets, SecretTree secretTree, byte[] interimTranscriptHash) {
        this(new PublicGroup(suite, context, tree, interimTranscriptHash), myLeaf, nodeKeys, secrets, secretTree);
    }

    CipherSuite suite() {
        return publicGroup.suite();
    }

    GroupContext context() {
        return publicGroup.context();
    }

    /** The epoch's tree: never to be changed (copy first). */
    RatchetTree tree() {
        return publicGroup.tree();
    }

    byte[] interimTranscriptHash() {
        return publicGroup.interimTranscriptHash();
    }

    long epoch() {
        return publicGroup.epoch();
    }

    /** The same epoch with {@code tree} as its secret tree (see {@link StagedCommit}). */
    EpochState withSecretTree(SecretTree tree) {
        return new EpochState(publicGroup, myLeaf, nodeKeys, secrets, tree);
    }
}
