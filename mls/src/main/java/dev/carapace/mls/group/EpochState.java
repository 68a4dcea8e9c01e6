package dev.carapace.mls.group;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.RatchetTree;
import java.util.Map;

/**
 * Everything one member knows about one epoch. Treated as immutable: the tree is never mutated after construction
 * (changes work on a copy) and the key map is read-only. The one exception is the secret tree, whose keys are
 * consumed as messages are sent and received; {@link Group} is the single writer.
 */
record EpochState(CipherSuite suite, GroupContext context, RatchetTree tree, int myLeaf,
        Map<Integer, byte[]> nodeKeys, EpochSecrets secrets, SecretTree secretTree, byte[] interimTranscriptHash) {

    EpochState {
        nodeKeys = Map.copyOf(nodeKeys);
    }

    long epoch() {
        return context.epoch();
    }
}
