package dev.carapace.mls.group;

import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Proposal;

/** What {@link Group#process} got out of one incoming message. */
public sealed interface Received {
    /** Decrypted application data from a member. */
    record Application(long epoch, int senderLeaf, byte[] authenticatedData, byte[] data) implements Received {
    }

    /** A proposal was verified and cached until a commit references it. */
    record ProposalStored(Proposal proposal, Sender sender, byte[] reference) implements Received {
    }

    /** A commit was verified and applied: the group is now in {@code epoch}. */
    record NewEpoch(long epoch) implements Received {
    }
}
