package dev.carapace.mls.group;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PublicMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Proposal;
import java.util.Set;

/**
 * Proposals from an external sender (RFC 9420 §12.1.8): a party listed in the group's external_senders extension
 * (e.g. a delivery or admin service) that is not a member. It needs only the group id, the current epoch and
 * its signature key; members accept the proposal and any member may commit it.
 */
public final class ExternalProposals {
    /** The proposal types an external sender may send (RFC 9420 §12.1.8). */
    public static final Set<Integer> ALLOWED = Set.of(Proposal.ADD, Proposal.REMOVE, Proposal.PSK, Proposal.REINIT,
            Proposal.GROUP_CONTEXT_EXTENSIONS);

    private ExternalProposals() {
    }

    /**
     * A PublicMessage (the only form an external sender can send: it holds no group secrets) carrying
     * {@code proposal}, signed by the external sender at {@code senderIndex} of the external_senders list.
     *
     * @throws ProtocolViolationException if external senders may not send this proposal type
     */
    public static MlsMessage propose(CipherSuite suite, byte[] groupId, long epoch, int senderIndex,
            byte[] signaturePrivateKey, Proposal proposal) {
        if (!ALLOWED.contains(proposal.type())) {
            throw new ProtocolViolationException("proposal type " + proposal.type()
                    + " may not come from an external sender");
        }
        if (senderIndex < 0) {
            throw new IllegalArgumentException("negative external sender index");
        }
        FramedContent fc = FramedContent.proposal(groupId, epoch, new Sender(Sender.EXTERNAL, senderIndex),
                new byte[0], proposal);
        // FramedContentTBS binds no GroupContext for external senders, and there is no membership tag.
        byte[] sig = AuthenticatedContent.sign(suite, signaturePrivateKey, MlsMessage.PUBLIC_MESSAGE, fc, null);
        return MlsMessage.of(new PublicMessage(fc, sig, null, null));
    }
}
