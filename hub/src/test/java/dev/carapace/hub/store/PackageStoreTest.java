package dev.carapace.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.BackendTest;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** What the package store answers, and that a refused upload leaves everything as it was. */
class PackageStoreTest extends BackendTest {
    private static final PackageStore.Uploader ALICE = new PackageStore.Uploader("cara1alice", "addr:1");
    private static final String DIGEST = "ab".repeat(32);

    private PackageStore store() {
        return new JdbcPackageStore(f.hub.database(), Clock.systemUTC(), 24L * 3600 * 1000);
    }

    @Test
    void aPackageIsStoredOnceThenOnlyMarkedUsed() throws Exception {
        PackageStore s = store();
        PackageStore.Quota roomy = new PackageStore.Quota(8, 1000);
        assertThat(s.storePackage(DIGEST, new byte[] {1, 2, 3}, ALICE, roomy)).isInstanceOf(PackageStore.Stored.class);
        assertThat(s.storePackage(DIGEST, new byte[] {1, 2, 3}, ALICE, roomy))
                .isInstanceOf(PackageStore.AlreadyStored.class);
        assertThat(s.find(DIGEST)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
        assertThat(s.touch(DIGEST)).isTrue();
        assertThat(s.touch("cd".repeat(32))).isFalse();
    }

    @Test
    void anUploadOverTheQuotaStoresNothing() throws Exception {
        PackageStore s = store();
        PackageStore.Quota oneRow = new PackageStore.Quota(1, 1000);
        assertThat(s.storePackage(DIGEST, new byte[] {1}, ALICE, oneRow)).isInstanceOf(PackageStore.Stored.class);
        // Another address, same uploader (so the same owner): the owner's quota is full.
        PackageStore.Uploader elsewhere = new PackageStore.Uploader(ALICE.identity(), "addr:2");
        assertThat(s.storePackage("cd".repeat(32), new byte[] {2}, elsewhere, oneRow))
                .isInstanceOf(PackageStore.OverQuota.class);
        assertThat(s.find("cd".repeat(32))).isEmpty();
        assertThat(s.storePackage("ef".repeat(32), new byte[] {3, 4}, ALICE, new PackageStore.Quota(8, 2)))
                .isInstanceOf(PackageStore.OverQuota.class);
    }

    /** A refused replacement of a part used to delete the part it was to replace: a refusal now loses nothing. */
    @Test
    void aRefusedPartReplacementKeepsThePartItWasToReplace() throws Exception {
        PackageStore s = store();
        PackageStore.Quota tenBytes = new PackageStore.Quota(64, 10);
        assertThat(s.storePart(DIGEST, 0, new byte[] {7, 7, 7}, ALICE, tenBytes)).isInstanceOf(PackageStore.Stored.class);
        assertThat(s.storePart(DIGEST, 0, new byte[11], ALICE, tenBytes)).isInstanceOf(PackageStore.OverQuota.class);
        assertThat(s.assemble(DIGEST, ALICE.identity(), 1, 100)).isInstanceOfSatisfying(PackageStore.Assembled.class,
                a -> assertThat(a.bytes()).containsExactly(7, 7, 7));
    }

    @Test
    void partsAssembleOnlyWhenAllAreThereAndWithinTheLimit() throws Exception {
        PackageStore s = store();
        PackageStore.Quota roomy = new PackageStore.Quota(64, 1000);
        s.storePart(DIGEST, 0, new byte[] {1, 2}, ALICE, roomy);
        s.storePart(DIGEST, 2, new byte[] {5}, ALICE, roomy);
        assertThat(s.assemble(DIGEST, ALICE.identity(), 3, 100)).isInstanceOf(PackageStore.MissingPart.class);
        assertThat(s.assemble(DIGEST, "cara1someoneelse", 1, 100)).isInstanceOf(PackageStore.MissingPart.class);
        s.storePart(DIGEST, 1, new byte[] {3, 4}, ALICE, roomy);
        assertThat(s.assemble(DIGEST, ALICE.identity(), 3, 4)).isInstanceOf(PackageStore.TooLarge.class);
        assertThat(s.assemble(DIGEST, ALICE.identity(), 3, 5)).isInstanceOfSatisfying(PackageStore.Assembled.class,
                a -> assertThat(a.bytes()).containsExactly(1, 2, 3, 4, 5));
        s.dropParts(DIGEST, ALICE.identity());
        assertThat(s.assemble(DIGEST, ALICE.identity(), 1, 100)).isInstanceOf(PackageStore.MissingPart.class);
    }
}
