package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.KeyUnavailableException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final GroupConfig CFG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);

    static KeyPackageBundle member(String name) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                CipherSuite.randomBytes(32), Duration.ofDays(30));
    }

    /** Serialises and re-parses, as a delivery service would. */
    static MlsMessage wire(MlsMessage m) {
        return MlsMessage.decode(m.encode());
    }

    @Test
    void createAddMessageUpdateRemove() {
        KeyPackageBundle a = member("alice");
        KeyPackageBundle b = member("bob");
        KeyPackageBundle c = member("carol");
        Group alice = Group.create(CFG, "g1".getBytes(), a);

        PendingCommit addBob = alice.add(List.of(b.keyPackage()));
        alice.merge(addBob);
        Group bob = Group.join(CFG, wire(addBob.welcome()), b, null);
        assertThat(bob.epoch()).isEqualTo(1);
        assertThat(bob.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
        assertThat(bob.export("x", new byte[] {1}, 16)).isEqualTo(alice.export("x", new byte[] {1}, 16));

        MlsMessage hi = alice.encrypt("hi bob".getBytes(), new byte[] {7});
        Received.Application got = (Received.Application) bob.process(wire(hi));
        assertThat(got.data()).isEqualTo("hi bob".getBytes());
        assertThat(got.senderLeaf()).isZero();
        assertThat(got.authenticatedData()).containsExactly(7);
        assertThatThrownBy(() -> bob.process(wire(hi))).isInstanceOf(KeyUnavailableException.class);

        // Bob adds Carol; Alice follows; Carol joins with the tree in the GroupInfo extension.
        PendingCommit addCarol = bob.add(List.of(c.keyPackage()));
        bob.merge(addCarol);
        assertThat(alice.process(wire(addCarol.commit()))).isEqualTo(new Received.NewEpoch(2));
        Group carol = Group.join(CFG, wire(addCarol.welcome()), c, null);
        assertThat(carol.epochAuthenticator()).isEqualTo(alice.epochAuthenticator())
                .isEqualTo(bob.epochAuthenticator());

        // Carol refreshes her keys.
        PendingCommit upd = carol.update();
        carol.merge(upd);
        alice.process(wire(upd.commit()));
        bob.process(wire(upd.commit()));
        assertThat(alice.epochAuthenticator()).isEqualTo(carol.epochAuthenticator())
                .isEqualTo(bob.epochAuthenticator());

        // Alice removes Bob: Bob learns it through a typed exception and the group is unusable for him.
        PendingCommit rm = alice.remove(List.of(bob.myLeafIndex()));
        alice.merge(rm);
        carol.process(wire(rm.commit()));
        assertThat(carol.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
        assertThatThrownBy(() -> bob.process(wire(rm.commit()))).isInstanceOf(RemovedFromGroupException.class);
        assertThatThrownBy(() -> bob.encrypt(new byte[1], new byte[0]))
                .isInstanceOf(RemovedFromGroupException.class);
        assertThat(alice.members()).hasSize(2);

        MlsMessage toCarol = alice.encrypt("bye".getBytes(), new byte[0]);
        assertThat(((Received.Application) carol.process(wire(toCarol))).data()).isEqualTo("bye".getBytes());
    }

    @Test
    void publicHandshakeAndPastEpochs() {
        GroupConfig pub = new GroupConfig(CredentialValidator.ACCEPT_ALL, 1,
                dev.carapace.mls.schedule.RatchetLimits.DEFAULT, false, Map.of(), java.time.Clock.systemUTC());
        KeyPackageBundle a = member("alice");
        KeyPackageBundle b = member("bob");
        Group alice = Group.create(pub, "g2".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage()));
        assertThat(add.commit().wireFormat()).isEqualTo(MlsMessage.PUBLIC_MESSAGE);
        alice.merge(add);
        Group bob = Group.join(pub, wire(add.welcome()), b, null);

        MlsMessage late = alice.encrypt("late".getBytes(), new byte[0]);
        PendingCommit upd = alice.update();
        alice.merge(upd);
        bob.process(wire(upd.commit()));
        // One past epoch is kept: the late message from epoch 1 still decrypts in epoch 2.
        assertThat(((Received.Application) bob.process(wire(late))).epoch()).isEqualTo(1);
        MlsMessage older = alice.encrypt("x".getBytes(), new byte[0]);
        PendingCommit u2 = alice.update();
        alice.merge(u2);
        bob.process(wire(u2.commit()));
        PendingCommit u3 = alice.update();
        alice.merge(u3);
        bob.process(wire(u3.commit()));
        assertThatThrownBy(() -> bob.process(wire(older))).isInstanceOf(WrongEpochException.class);
    }

    @Test
    void pendingCommitCanBeDroppedAndStaleOneRejected() {
        KeyPackageBundle a = member("alice");
        Group alice = Group.create(CFG, "g3".getBytes(), a);
        PendingCommit dropped = alice.update();
        assertThat(alice.epoch()).isZero();
        alice.merge(alice.update());
        assertThatThrownBy(() -> alice.merge(dropped)).isInstanceOf(WrongEpochException.class);
    }

    @Test
    void saveAndLoadContinuesTheGroup() {
        KeyPackageBundle a = member("alice");
        KeyPackageBundle b = member("bob");
        Group alice = Group.create(CFG, "g4".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage()));
        alice.merge(add);
        Group bob = Group.join(CFG, wire(add.welcome()), b, null);
        MlsMessage m1 = alice.encrypt("one".getBytes(), new byte[0]);
        bob.process(wire(m1));

        byte[] saved = bob.save();
        Group bob2 = Group.load(CFG, saved);
        assertThat(bob2.epochAuthenticator()).isEqualTo(bob.epochAuthenticator());
        // Keys consumed before saving stay consumed after loading.
        assertThatThrownBy(() -> bob2.process(wire(m1))).isInstanceOf(KeyUnavailableException.class);
        MlsMessage m2 = alice.encrypt("two".getBytes(), new byte[0]);
        assertThat(((Received.Application) bob2.process(wire(m2))).data()).isEqualTo("two".getBytes());
        PendingCommit upd = bob2.update();
        bob2.merge(upd);
        alice.process(wire(upd.commit()));
        assertThat(alice.epochAuthenticator()).isEqualTo(bob2.epochAuthenticator());

        saved[0] = 9;
        assertThatThrownBy(() -> Group.load(CFG, saved)).isInstanceOf(dev.carapace.mls.codec.DecodeException.class);
    }

    @Test
    void credentialValidatorIsConsultedAndCanReject() {
        List<String> seen = new ArrayList<>();
        CredentialValidator onlyAlice = (cred, key) -> {
            String id = new String(cred.identity(), StandardCharsets.UTF_8);
            seen.add(id);
            if (!id.equals("alice")) {
                throw new ProtocolViolationException("unknown identity " + id);
            }
        };
        Group alice = Group.create(GroupConfig.defaults(onlyAlice), "g5".getBytes(), member("alice"));
        KeyPackage mallory = member("mallory").keyPackage();
        assertThatThrownBy(() -> alice.add(List.of(mallory))).isInstanceOf(ProtocolViolationException.class);
        assertThat(seen).contains("alice", "mallory");
        assertThat(alice.epoch()).isZero();
    }

    @Test
    void expiredKeyPackageRejected() {
        Group alice = Group.create(CFG, "g6".getBytes(), member("alice"));
        KeyPackageBundle old = KeyPackageBundle.create(S, Credential.basic("old".getBytes()),
                CipherSuite.randomBytes(32), Duration.ofSeconds(-7200));
        assertThatThrownBy(() -> alice.add(List.of(old.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("lifetime");
    }

    @Test
    void tamperedCommitRejectedWithoutStateChange() {
        KeyPackageBundle a = member("alice");
        KeyPackageBundle b = member("bob");
        Group alice = Group.create(CFG, "g7".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage()));
        alice.merge(add);
        Group bob = Group.join(CFG, wire(add.welcome()), b, null);
        PendingCommit upd = alice.update();
        byte[] enc = upd.commit().encode();
        enc[enc.length - 5] ^= 1;
        assertThatThrownBy(() -> bob.process(MlsMessage.decode(enc))).isInstanceOf(dev.carapace.mls.MlsException.class);
        assertThat(bob.epoch()).isEqualTo(1);
        bob.process(wire(upd.commit()));
        alice.merge(upd);
        assertThat(bob.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
    }
}
