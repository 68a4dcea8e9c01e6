package dev.carapace.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.BackendTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outcomes of the identity, KeyPackage, group-log and inbox stores on both backends, and that every refusal
 * leaves nothing behind.
 */
class MessagingStoresTest extends BackendTest {
    private static final GroupLog.Installation ALICE = new GroupLog.Installation("alice", "a1");
    private static final GroupLog.Installation BOB = new GroupLog.Installation("bob", "b1");
    private static final GroupLog.Installation CAROL = new GroupLog.Installation("carol", "c1");
    private static final byte[] BYTES = {1, 2, 3};

    private Database db;
    private GroupLog groups;
    private InboxStore inboxes;
    private KeyPackageStore keyPackages;
    private IdentityStore identities;

    @BeforeEach
    void openStores() throws Exception {
        db = Database.open(f.dbUrl, dir.resolve("stores"));
        groups = new JdbcGroupLog(db);
        inboxes = new JdbcInboxStore(db);
        // Test KeyPackages are "keyid|n": the certifier reads the key id before the bar.
        keyPackages = new JdbcKeyPackageStore(db, kp -> new String(kp, StandardCharsets.UTF_8).split("\\|")[0]);
        identities = new JdbcIdentityStore(db);
    }

    @AfterEach
    void closeStores() {
        db.close();
    }

    private static GroupLog.Commit commit(String group, GroupLog.Installation sender, long epoch,
                                          List<GroupLog.Installation> add, Set<String> adminsAfter) {
        return new GroupLog.Commit(group, sender, epoch, BYTES, false, add, List.of(), add.isEmpty() ? null : BYTES,
                null, adminsAfter);
    }

    private static final GroupLog.ResyncCheck NO_RESYNC = stored -> {
        throw new AssertionError("not an external commit");
    };

    private void newGroup(String group, String directWith) throws Exception {
        assertThat(groups.create(new GroupLog.NewGroup(group, 0, ALICE, Set.of("alice"), directWith, null), 1))
                .isEqualTo(new GroupLog.Created());
    }

    @Test
    void aGroupAndADirectPairAreRegisteredOnce() throws Exception {
        newGroup("g1", "bob");
        assertThat(groups.create(new GroupLog.NewGroup("g1", 0, BOB, Set.of("bob"), null, null), 1))
                .isEqualTo(new GroupLog.GroupExists());
        // The pair has its direct group, whichever of the two asks; a second one is refused and not kept.
        assertThat(groups.create(new GroupLog.NewGroup("g2", 0, BOB, Set.of("bob"), "alice", null), 1))
                .isEqualTo(new GroupLog.DirectExists());
        assertThat(groups.direct("bob", "alice")).contains("g1");
        assertThat(groups.append("g2", BOB, 0, BYTES, 1)).isEqualTo(new GroupLog.NotMember());
        assertThat(groups.create(new GroupLog.NewGroup("g2", 0, BOB, Set.of("bob"), null, null), 1))
                .isEqualTo(new GroupLog.Created());
    }

    @Test
    void oneCommitPerEpochAndARefusedCommitLeavesNothing() throws Exception {
        newGroup("g", null);
        assertThat(groups.commit(commit("g", BOB, 0, List.of(), null), NO_RESYNC, 2))
                .isEqualTo(new GroupLog.NotMember());

        GroupLog.CommitOutcome first = groups.commit(commit("g", ALICE, 0, List.of(BOB), null), NO_RESYNC, 2);
        assertThat(first).isInstanceOfSatisfying(GroupLog.Committed.class, c -> {
            assertThat(c.seq()).isEqualTo(1);
            assertThat(c.routed()).containsExactlyInAnyOrder(ALICE, BOB);
        });
        // Bob got the Welcome (seq 2), not Alice's commit from before he joined.
        assertThat(inboxes.pending("bob", "b1", 10)).extracting(InboxStore.Item::kind).containsExactly("welcome");

        // A second commit for epoch 0, adding Carol: refused, and Carol is neither routed nor welcomed.
        assertThat(groups.commit(commit("g", ALICE, 0, List.of(CAROL), null), NO_RESYNC, 3))
                .isEqualTo(new GroupLog.EpochConflict(1));
        assertThat(inboxes.knows("carol", "c1")).isFalse();
        assertThat(inboxes.pending("bob", "b1", 10)).hasSize(1);

        // Bob is a member, not an admin: he may commit (an update) but not add, nor make himself admin.
        assertThat(groups.commit(commit("g", BOB, 1, List.of(CAROL), null), NO_RESYNC, 4))
                .isEqualTo(new GroupLog.NotAdmin());
        assertThat(groups.commit(commit("g", BOB, 1, List.of(), Set.of("alice", "bob")), NO_RESYNC, 4))
                .isEqualTo(new GroupLog.PolicyChangeRefused(false));
        assertThat(groups.commit(commit("g", BOB, 1, List.of(), Set.of("alice")), NO_RESYNC, 4))
                .isInstanceOf(GroupLog.Committed.class);
    }

    @Test
    void messagesOfAnOldEpochAndFromFormerMembersAreRefused() throws Exception {
        newGroup("g", null);
        assertThat(groups.commit(commit("g", ALICE, 0, List.of(BOB), null), NO_RESYNC, 2))
                .isInstanceOf(GroupLog.Committed.class);
        assertThat(groups.append("g", BOB, 0, BYTES, 3)).isEqualTo(new GroupLog.StaleEpoch(1));
        assertThat(groups.append("g", BOB, 1, BYTES, 3)).isInstanceOfSatisfying(GroupLog.Appended.class,
                a -> assertThat(a.routed()).containsExactlyInAnyOrder(ALICE, BOB));
        assertThat(inboxes.pending("alice", "a1", 10)).extracting(InboxStore.Item::kind)
                .containsExactly("application");

        assertThat(groups.leave("g", BOB, 4)).isInstanceOf(GroupLog.Left.class);
        assertThat(groups.leave("g", BOB, 4)).isEqualTo(new GroupLog.NotMember());
        assertThat(groups.append("g", BOB, 1, BYTES, 5)).isEqualTo(new GroupLog.NotMember());
        assertThat(groups.groupInfo("g", BOB)).isEqualTo(new GroupLog.NotMember());
        assertThat(groups.groupInfo("g", ALICE)).isEqualTo(new GroupLog.NoGroupInfo());
    }

    @Test
    void anExternalCommitIsJudgedByTheStoredGroupInfoInsideItsTransaction() throws Exception {
        newGroup("g", null);
        GroupLog.Commit external = new GroupLog.Commit("g", ALICE, 0, BYTES, true, List.of(), List.of(), null,
                null, null);
        assertThat(groups.commit(external, NO_RESYNC, 2)).isEqualTo(new GroupLog.NoGroupInfo());

        byte[] info = {9, 9};
        assertThat(groups.commit(new GroupLog.Commit("g", ALICE, 0, BYTES, false, List.of(), List.of(), null, info,
                null), NO_RESYNC, 2)).isInstanceOf(GroupLog.Committed.class);
        assertThat(groups.groupInfo("g", ALICE)).isInstanceOfSatisfying(GroupLog.GroupInfo.class, gi -> {
            assertThat(gi.epoch()).isEqualTo(1);
            assertThat(gi.body()).isEqualTo(info);
        });
        Exception why = new Exception("not your leaf");
        List<byte[]> judged = new ArrayList<>();
        GroupLog.Commit resync = new GroupLog.Commit("g", ALICE, 1, BYTES, true, List.of(), List.of(), null, null,
                null);
        assertThat(groups.commit(resync, stored -> {
            judged.add(stored);
            throw why;
        }, 3)).isEqualTo(new GroupLog.ResyncRefused(why));
        assertThat(judged).containsExactly(info);
        // Refused: the epoch and the GroupInfo are as they were.
        assertThat(groups.groupInfo("g", ALICE)).isInstanceOfSatisfying(GroupLog.GroupInfo.class,
                gi -> assertThat(gi.groupEpoch()).isEqualTo(1));
        assertThat(groups.commit(resync, stored -> { }, 3)).isInstanceOf(GroupLog.Committed.class);
    }

    @Test
    void acknowledgementsMoveCursorsAndDenialsDropTexts() throws Exception {
        newGroup("g", null);
        groups.commit(commit("g", ALICE, 0, List.of(BOB), null), NO_RESYNC, 2);
        inboxes.deny("bob", "alice", 3);
        inboxes.deny("bob", "alice", 3);
        assertThat(inboxes.denies("bob", "alice")).isTrue();
        groups.append("g", ALICE, 1, BYTES, 4);
        // The Welcome and the text from a denied sender are dropped; nothing else was sent to Bob.
        assertThat(inboxes.pending("bob", "b1", 10)).isEmpty();
        inboxes.allow("bob", "alice");
        List<InboxStore.Item> items = inboxes.pending("bob", "b1", 10);
        assertThat(items).extracting(InboxStore.Item::kind).containsExactly("welcome", "application");
        inboxes.acknowledge("bob", "b1", List.of(new InboxStore.Ack("g", items.get(0).seq())));
        assertThat(inboxes.pending("bob", "b1", 10)).extracting(InboxStore.Item::kind)
                .containsExactly("application");
        // Cursors never move back.
        inboxes.acknowledge("bob", "b1", List.of(new InboxStore.Ack("g", 0)));
        assertThat(inboxes.pending("bob", "b1", 10)).hasSize(1);
    }

    private static KeyPackageStore.KeyPackage kp(String keyId, int n) {
        return new KeyPackageStore.KeyPackage(keyId + "/" + n, (keyId + "|" + n).getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void keyPackageQuotasRefuseWholeUploads() throws Exception {
        KeyPackageStore.Quota quota = new KeyPackageStore.Quota(2, 3);
        assertThat(keyPackages.upload("alice", "a1", "alice#0", List.of(kp("alice#0", 1), kp("alice#0", 2)), null,
                quota, 1)).isEqualTo(new KeyPackageStore.Stored(2));
        assertThat(keyPackages.upload("alice", "a1", "alice#0", List.of(kp("alice#0", 3), kp("alice#0", 4)),
                kp("alice#0", 5), quota, 2)).isEqualTo(new KeyPackageStore.TooManyKeyPackages(3, 2));
        assertThat(keyPackages.supply("alice", "a1", "alice#0")).isEqualTo(new KeyPackageStore.Supply(2, false));
        assertThat(keyPackages.upload("alice", "a2", "alice#0", List.of(kp("alice#0", 6)), null, quota, 3))
                .isInstanceOf(KeyPackageStore.Stored.class);
        assertThat(keyPackages.upload("alice", "a3", "alice#0", List.of(kp("alice#0", 7)), null, quota, 4))
                .isEqualTo(new KeyPackageStore.TooManyInstallations(2));
        assertThat(inboxes.knows("alice", "a3")).isFalse();
        assertThat(inboxes.knows("alice", "a2")).isTrue();
    }

    @Test
    void claimsTakeOneTimeKeyPackagesOnceThenTheLastResortOneWhichStays() throws Exception {
        KeyPackageStore.Quota quota = new KeyPackageStore.Quota(2, 10);
        keyPackages.upload("alice", "a1", "alice#0", List.of(kp("alice#0", 1), kp("alice#0", 2)), kp("alice#0", 0),
                quota, 1);
        assertThat(keyPackages.claim("alice", "alice#0", true)).singleElement().satisfies(c -> {
            assertThat(text(c.keyPackage())).isEqualTo("alice#0|1");
            assertThat(c.lastResort()).isFalse();
        });
        // Past the claimer's share: the last-resort one, which is not consumed.
        assertThat(keyPackages.claim("alice", "alice#0", false)).singleElement()
                .satisfies(c -> assertThat(c.lastResort()).isTrue());
        assertThat(text(keyPackages.claim("alice", "alice#0", true).get(0).keyPackage())).isEqualTo("alice#0|2");
        for (int i = 0; i < 3; i++) {
            assertThat(keyPackages.claim("alice", "alice#0", true)).singleElement().satisfies(c -> {
                assertThat(text(c.keyPackage())).isEqualTo("alice#0|0");
                assertThat(c.lastResort()).isTrue();
            });
        }
        assertThat(keyPackages.supply("alice", "a1", "alice#0")).isEqualTo(new KeyPackageStore.Supply(0, true));
    }

    @Test
    void keyPackagesOfARotatedOutKeyAreNeitherHandedOutNorCountedAndTheNextUploadReplacesThem() throws Exception {
        KeyPackageStore.Quota quota = new KeyPackageStore.Quota(2, 3);
        keyPackages.upload("alice", "a1", "alice#0", List.of(kp("alice#0", 1), kp("alice#0", 2), kp("alice#0", 3)),
                kp("alice#0", 0), quota, 1);
        assertThat(keyPackages.supply("alice", "a1", "alice#1")).isEqualTo(new KeyPackageStore.Supply(0, false));
        assertThat(keyPackages.claim("alice", "alice#1", true)).isEmpty();
        // The full quota of stale ones does not block the new key's upload: they are dropped first.
        assertThat(keyPackages.upload("alice", "a1", "alice#1", List.of(kp("alice#1", 1), kp("alice#1", 2),
                kp("alice#1", 3)), null, quota, 2)).isEqualTo(new KeyPackageStore.Stored(3));
        assertThat(text(keyPackages.claim("alice", "alice#1", true).get(0).keyPackage())).startsWith("alice#1|");
    }

    @Test
    void identitiesRegisterOnceAndExtendOnlyTheirOwnHistory() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", key, next.publicKey(), 1_000);
        String id = log.id().toString();
        KeyEventLog rotated = log.rotate(next, Ed25519KeyPair.generate().publicKey(), 2_000);
        KeyEventLog forked = log.rotate(next, Ed25519KeyPair.generate().publicKey(), 3_000);

        assertThat(identities.extend(rotated, 5, (c, from) -> "owed"))
                .isEqualTo(new IdentityStore.UnknownIdentity<String>());
        assertThat(identities.find(id)).isEmpty();

        assertThat(identities.register(log, 10, (c, from) -> "from " + from))
                .isEqualTo(new IdentityStore.Registered<>("from 0"));
        assertThat(identities.register(log, 11, (c, from) -> "again"))
                .isEqualTo(new IdentityStore.AlreadyRegistered<String>());
        assertThat(identities.createdMs(id)).contains(10L);

        assertThat(identities.extend(rotated, 20, (c, from) -> "from " + from))
                .isEqualTo(new IdentityStore.Extended<>("from 1"));
        assertThat(identities.extend(forked, 21, (c, from) -> "owed"))
                .isInstanceOf(IdentityStore.Fork.class);
        assertThat(identities.extend(rotated, 22, (c, from) -> "owed"))
                .isEqualTo(new IdentityStore.NotNewer<String>());
        assertThat(identities.currentKey(id).orElseThrow().seq()).isEqualTo(1);
    }
}
