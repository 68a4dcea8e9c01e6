package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MessageProtection;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PublicMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.ExternalSender;
import dev.carapace.mls.message.Proposal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proposals from external senders (RFC 9420 §12.1.8). */
class ExternalSenderTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final GroupConfig CFG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);

    private static MlsMessage wire(MlsMessage m) {
        return GroupTest.wire(m);
    }

    private final byte[] dsKey = S.generateSignaturePrivateKey();
    private final ExternalSender ds = new ExternalSender(S.signaturePublicKey(dsKey),
            Credential.basic("delivery-service".getBytes(StandardCharsets.UTF_8)));

    /** Alice, Bob, Carol, with the delivery service as external sender 0. */
    private record Trio(Group alice, Group bob, Group carol) {
    }

    private Trio trio(GroupConfig cfg) {
        KeyPackageBundle b = GroupTest.member("bob");
        KeyPackageBundle c = GroupTest.member("carol");
        Group alice = Group.create(cfg, "ext-senders".getBytes(), GroupTest.member("alice"));
        PendingCommit gce = alice.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(ExternalSender.toExtension(List.of(ds))))));
        alice.merge(gce);
        PendingCommit add = alice.add(List.of(b.keyPackage(), c.keyPackage()));
        alice.merge(add);
        Trio t = new Trio(alice, Group.join(cfg, wire(add.welcome()), b, null),
                Group.join(cfg, wire(add.welcome()), c, null));
        assertThat(ExternalSender.in(t.bob().contextExtensions())).singleElement()
                .satisfies(e -> assertThat(e.signatureKey()).isEqualTo(ds.signatureKey()));
        return t;
    }

    private MlsMessage fromDs(Group g, Proposal p) {
        return ExternalProposals.propose(S, g.groupId(), g.epoch(), 0, dsKey, p);
    }

    @Test
    void externalRemoveCommittedByAMember() {
        Trio t = trio(CFG);
        MlsMessage rm = fromDs(t.alice(), new Proposal.Remove(2));
        assertThat(rm.wireFormat()).isEqualTo(MlsMessage.PUBLIC_MESSAGE);
        Received.ProposalStored stored = (Received.ProposalStored) t.bob().process(wire(rm));
        assertThat(stored.sender()).isEqualTo(new Sender(Sender.EXTERNAL, 0));
        t.alice().process(wire(rm));
        t.carol().process(wire(rm));

        PendingCommit c = t.bob().commit(List.of());
        t.bob().merge(c);
        t.alice().process(wire(c.commit()));
        assertThatThrownBy(() -> t.carol().process(wire(c.commit()))).isInstanceOf(RemovedFromGroupException.class);
        assertThat(t.alice().epochAuthenticator()).isEqualTo(t.bob().epochAuthenticator());
        assertThat(t.alice().members()).containsOnlyKeys(0, 1);
    }

    @Test
    void externalAddCommittedByAMember() {
        Trio t = trio(CFG);
        KeyPackageBundle d = GroupTest.member("dave");
        MlsMessage add = fromDs(t.alice(), new Proposal.Add(d.keyPackage()));
        t.bob().process(wire(add));
        t.carol().process(wire(add));
        PendingCommit c = t.carol().commit(List.of());
        t.carol().merge(c);
        t.bob().process(wire(c.commit()));
        assertThatThrownBy(() -> t.alice().process(wire(c.commit())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("unknown proposal");
        Group dave = Group.join(CFG, wire(c.welcome()), d, null);
        assertThat(dave.epochAuthenticator()).isEqualTo(t.bob().epochAuthenticator())
                .isEqualTo(t.carol().epochAuthenticator());
    }

    @Test
    void unknownIndexWrongKeyAndGroupsWithoutExternalSendersAreRejected() {
        Trio t = trio(CFG);
        MlsMessage badIndex = ExternalProposals.propose(S, t.alice().groupId(), t.alice().epoch(), 1, dsKey,
                new Proposal.Remove(2));
        assertThatThrownBy(() -> t.bob().process(wire(badIndex))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("external sender 1");

        MlsMessage wrongKey = ExternalProposals.propose(S, t.alice().groupId(), t.alice().epoch(), 0,
                S.generateSignaturePrivateKey(), new Proposal.Remove(2));
        assertThatThrownBy(() -> t.bob().process(wire(wrongKey))).isInstanceOf(InvalidSignatureException.class);

        Group plain = Group.create(CFG, "plain".getBytes(), GroupTest.member("p"));
        MlsMessage noList = fromDs(plain, new Proposal.Remove(0));
        assertThatThrownBy(() -> plain.process(wire(noList))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("external_senders");
        // Nothing was cached.
        PendingCommit c = t.bob().commit(List.of());
        assertThat(t.bob().members()).hasSize(3);
        t.bob().merge(c);
        assertThat(t.bob().members()).hasSize(3);
    }

    @Test
    void disallowedProposalTypesAndCommitsFromExternalSendersAreRejected() {
        Trio t = trio(CFG);
        Group bob = t.bob();
        assertThatThrownBy(() -> fromDs(bob, new Proposal.Update(bob.members().get(0))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("type 2");
        assertThatThrownBy(() -> fromDs(bob, new Proposal.ExternalInit(new byte[32])))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("type 6");

        // Signed correctly by the listed sender, but a type it may not send: refused as malformed.
        FramedContent update = FramedContent.proposal(bob.groupId(), bob.epoch(), new Sender(Sender.EXTERNAL, 0),
                new byte[0], new Proposal.Update(bob.members().get(0)));
        assertThatThrownBy(() -> bob.process(wire(signed(update))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("external sender");

        FramedContent commit = FramedContent.commit(bob.groupId(), bob.epoch(), new Sender(Sender.EXTERNAL, 0),
                new byte[0], new Commit(List.of(), null));
        assertThatThrownBy(() -> bob.process(wire(signed(commit))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("only send proposals");
        assertThat(bob.epoch()).isEqualTo(2);
    }

    private MlsMessage signed(FramedContent fc) {
        byte[] sig = AuthenticatedContent.sign(S, dsKey, MlsMessage.PUBLIC_MESSAGE, fc, null);
        PublicMessage pm = new PublicMessage(fc, sig, fc.contentType() == FramedContent.COMMIT ? new byte[32] : null,
                null);
        return MlsMessage.of(pm);
    }

    @Test
    void externalSenderCannotUsePrivateMessage() {
        // A PrivateMessage's encrypted sender data holds a leaf index only: there is no way to name an external
        // sender in it, and the framing refuses to build one.
        Trio t = trio(CFG);
        EpochState st = t.alice().state();
        FramedContent fc = FramedContent.proposal(st.context().groupId(), st.epoch(), new Sender(Sender.EXTERNAL, 0),
                new byte[0], new Proposal.Remove(2));
        assertThatThrownBy(() -> MessageProtection.protectPrivate(st.context(), st.secretTree(),
                st.secrets().senderDataSecret(), dsKey, fc, null, 0))
                .isInstanceOf(MlsException.class).hasMessageContaining("only members");
    }

    @Test
    void externalSenderCredentialsAreValidated() {
        CredentialValidator noDs = (cred, key) -> {
            if (new String(cred.identity(), StandardCharsets.UTF_8).equals("delivery-service")) {
                throw new ProtocolViolationException("unknown external sender");
            }
        };
        Group alice = Group.create(GroupConfig.defaults(noDs), "v".getBytes(), GroupTest.member("alice"));
        List<Extension> exts = List.of(ExternalSender.toExtension(List.of(ds)));
        assertThatThrownBy(() -> alice.commit(List.of(new Proposal.GroupContextExtensions(exts))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("unknown external sender");
        assertThatThrownBy(() -> alice.propose(new Proposal.GroupContextExtensions(exts)))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("unknown external sender");

        // A joiner validates the external senders of the group it joins.
        Trio t = trio(CFG);
        KeyPackageBundle d = GroupTest.member("dave");
        PendingCommit add = t.alice().add(List.of(d.keyPackage()));
        assertThatThrownBy(() -> Group.join(GroupConfig.defaults(noDs), wire(add.welcome()), d, null))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("unknown external sender");
    }
}
