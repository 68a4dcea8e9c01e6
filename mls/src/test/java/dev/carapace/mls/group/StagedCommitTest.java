package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.KeyUnavailableException;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.schedule.RatchetLimits;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Group#stageCommit} and {@link Group#merge(StagedCommit)}: staging changes nothing (byte for byte), merging
 * gives exactly what {@link Group#process} gives, and a commit that fails a check never becomes a StagedCommit.
 * Each test runs with handshake messages as PrivateMessage (the secret-tree key is involved) and as PublicMessage.
 */
class StagedCommitTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

    private static GroupConfig config(boolean encryptHandshake, CredentialValidator credentials) {
        return new GroupConfig(credentials, 2, RatchetLimits.DEFAULT, encryptHandshake, Map.of(), Clock.systemUTC());
    }

    private static KeyPackageBundle member(String name) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                CipherSuite.randomBytes(32), Duration.ofDays(1));
    }

    private static MlsMessage wire(MlsMessage m) {
        return GroupTest.wire(m);
    }

    /** Alice, Bob and Carol in one group at epoch 2; Bob's side uses {@code bobConfig}. */
    private record Trio(Group alice, Group bob, Group carol) {
        static Trio create(GroupConfig cfg, GroupConfig bobConfig) {
            KeyPackageBundle b = member("bob");
            KeyPackageBundle c = member("carol");
            Group alice = Group.create(cfg, "staged".getBytes(), member("alice"));
            PendingCommit addBob = alice.add(List.of(b.keyPackage()));
            alice.merge(addBob);
            Group bob = Group.join(bobConfig, wire(addBob.welcome()), b, null);
            PendingCommit addCarol = alice.add(List.of(c.keyPackage()));
            alice.merge(addCarol);
            bob.process(wire(addCarol.commit()));
            return new Trio(alice, bob, Group.join(cfg, wire(addCarol.welcome()), c, null));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void stageThenDiscardLeavesTheGroupByteIdentical(boolean encrypt) {
        GroupConfig cfg = config(encrypt, CredentialValidator.ACCEPT_ALL);
        Trio t = Trio.create(cfg, cfg);
        Group bob = t.bob();
        PendingCommit addDave = t.alice().add(List.of(member("dave").keyPackage()));
        t.alice().merge(addDave);
        byte[] before = bob.save();

        StagedCommit staged = bob.stageCommit(wire(addDave.commit()));
        assertThat(staged.epoch()).isEqualTo(3);
        assertThat(staged.external()).isFalse();
        assertThat(staged.publicGroup().members()).hasSize(4);
        assertThat(staged.publicGroup().epoch()).isEqualTo(3);

        // Dropped: nothing changed, not even the handshake key that decrypted the commit.
        assertThat(bob.save()).isEqualTo(before);
        assertThat(bob.epoch()).isEqualTo(2);
        assertThat(bob.members()).hasSize(3);
        assertThat(bob.process(wire(addDave.commit()))).isEqualTo(new Received.NewEpoch(3));
        assertThat(bob.epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void stageThenMergeEqualsProcess(boolean encrypt) {
        GroupConfig cfg = config(encrypt, CredentialValidator.ACCEPT_ALL);
        Trio t = Trio.create(cfg, cfg);
        // A commit that brings a proposal by reference: Bob's own Update, whose new leaf key he holds pending.
        MlsMessage bobUpdate = t.bob().proposeUpdate();
        t.alice().process(wire(bobUpdate));
        MlsMessage late = t.carol().encrypt("late".getBytes(), new byte[0]);
        PendingCommit commit = t.alice().commit(List.of());
        t.alice().merge(commit);

        Group viaProcess = Group.load(cfg, t.bob().save());
        Group viaStage = Group.load(cfg, t.bob().save());
        viaProcess.process(wire(commit.commit()));
        viaStage.merge(viaStage.stageCommit(wire(commit.commit())));

        assertThat(viaStage.save()).isEqualTo(viaProcess.save());
        assertThat(viaStage.epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
        // The merged group reads the past epoch's late message and the new epoch's traffic, and the commit's key is
        // spent exactly as by process: a replay of the commit is refused the same way.
        assertThat(((Received.Application) viaStage.process(wire(late))).data()).isEqualTo("late".getBytes());
        MlsMessage hi = t.alice().encrypt("hi".getBytes(), new byte[0]);
        assertThat(((Received.Application) viaStage.process(wire(hi))).data()).isEqualTo("hi".getBytes());
        assertThatThrownBy(() -> viaStage.process(wire(commit.commit()))).isInstanceOf(WrongEpochException.class);
        assertThatThrownBy(() -> viaStage.merge(viaStage.stageCommit(wire(commit.commit()))))
                .isInstanceOf(WrongEpochException.class);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aCommitThatFailsValidationIsNeverStaged(boolean encrypt) {
        GroupConfig lenient = config(encrypt, CredentialValidator.ACCEPT_ALL);
        // Bob's application refuses Mallory's credential; Alice's accepts it and commits the Add.
        GroupConfig strict = config(encrypt, (credential, key) -> {
            if (Arrays.equals(credential.identity(), "mallory".getBytes(StandardCharsets.UTF_8))) {
                throw new MlsException("credential refused");
            }
        });
        Trio t = Trio.create(lenient, strict);
        Group bob = t.bob();
        PendingCommit addMallory = t.alice().add(List.of(member("mallory").keyPackage()));
        t.alice().merge(addMallory);
        byte[] before = bob.save();
        assertThatThrownBy(() -> bob.stageCommit(wire(addMallory.commit()))).isInstanceOf(MlsException.class)
                .hasMessageContaining("credential refused");
        assertThat(bob.save()).isEqualTo(before);

        // A corrupted commit, an application message and a commit of another epoch: refused, nothing changed.
        byte[] corrupt = addMallory.commit().encode();
        corrupt[corrupt.length - 1] ^= 1;
        assertThatThrownBy(() -> bob.stageCommit(MlsMessage.decode(corrupt))).isInstanceOf(MlsException.class);
        MlsMessage hi = t.carol().encrypt("hi".getBytes(), new byte[0]);
        assertThatThrownBy(() -> bob.stageCommit(wire(hi))).isInstanceOf(MlsException.class)
                .hasMessageContaining("not a commit");
        PendingCommit next = t.alice().update();
        assertThatThrownBy(() -> bob.stageCommit(wire(next.commit()))).isInstanceOf(WrongEpochException.class);
        assertThat(bob.save()).isEqualTo(before);
        assertThat(((Received.Application) bob.process(wire(hi))).data()).isEqualTo("hi".getBytes());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aCommitRemovingThisMemberThrowsAtStagingAndLeavesTheGroupUsable(boolean encrypt) {
        GroupConfig cfg = config(encrypt, CredentialValidator.ACCEPT_ALL);
        Trio t = Trio.create(cfg, cfg);
        PendingCommit removeBob = t.alice().remove(List.of(t.bob().myLeafIndex()));
        t.alice().merge(removeBob);
        byte[] before = t.bob().save();
        assertThatThrownBy(() -> t.bob().stageCommit(wire(removeBob.commit())))
                .isInstanceOf(RemovedFromGroupException.class);
        assertThat(t.bob().save()).isEqualTo(before);
        t.bob().encrypt("still here".getBytes(), new byte[0]);
        // process() obeys the removal, as before.
        assertThatThrownBy(() -> t.bob().process(wire(removeBob.commit())))
                .isInstanceOf(RemovedFromGroupException.class);
        assertThatThrownBy(() -> t.bob().encrypt(new byte[1], new byte[0]))
                .isInstanceOf(RemovedFromGroupException.class);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aStagedCommitMergesOnlyIntoItsGroupAndOnce(boolean encrypt) {
        GroupConfig cfg = config(encrypt, CredentialValidator.ACCEPT_ALL);
        Trio t = Trio.create(cfg, cfg);
        PendingCommit update = t.alice().update();
        t.alice().merge(update);
        StagedCommit staged = t.bob().stageCommit(wire(update.commit()));
        Group copy = Group.load(cfg, t.bob().save());
        assertThatThrownBy(() -> copy.merge(staged)).isInstanceOf(IllegalArgumentException.class);

        // The group may be used between staging and merging; the handshake key is then consumed once, at merge.
        MlsMessage hi = t.carol().encrypt("hi".getBytes(), new byte[0]);
        t.bob().process(wire(hi));
        t.bob().merge(staged);
        assertThat(t.bob().epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
        assertThatThrownBy(() -> t.bob().merge(staged)).isInstanceOf(WrongEpochException.class);
        // The copy (from before staging) still processes the commit; the merged group has spent the message key.
        assertThat(copy.process(wire(update.commit()))).isEqualTo(new Received.NewEpoch(3));
        assertThatThrownBy(() -> t.bob().process(wire(hi))).isInstanceOf(KeyUnavailableException.class);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anExternalCommitIsStagedAsExternal(boolean encrypt) {
        GroupConfig cfg = config(encrypt, CredentialValidator.ACCEPT_ALL);
        Trio t = Trio.create(cfg, cfg);
        ExternalJoin dave = Group.joinExternal(cfg, wire(t.alice().groupInfo(true)), null, member("dave"));
        StagedCommit staged = t.bob().stageCommit(wire(dave.commit()));
        assertThat(staged.external()).isTrue();
        assertThat(staged.publicGroup().members()).hasSize(4);
        t.bob().merge(staged);
        assertThat(t.bob().epochAuthenticator()).isEqualTo(dave.group().epochAuthenticator());
    }
}
