package dev.carapace.hub.owners;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.JdbcOwnerStore;
import dev.carapace.hub.store.OwnerStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The owner store's outcomes, through the service that seals what it stores. */
class OwnerServiceTest extends BackendTest {
    private static byte[] key() {
        return Bytes.random(32);
    }

    private static void writeKey(Path file, byte[] key) throws Exception {
        SecureFiles.writeAtomic(file, (Bytes.b64url(key) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private OwnerService service(MasterKeyring keyring) {
        Database db = f.hub.database();
        return new OwnerService(db, new JdbcOwnerStore(db), keyring, Ed25519KeyPair.generate(), "test");
    }

    @Test
    void deletionNamesTheUnlinkedAgentsAndAnUnknownOwnerIsNoSuchOwner() throws Exception {
        Database db = f.hub.database();
        OwnerStore store = new JdbcOwnerStore(db);
        OwnerService owners = service(MasterKeyring.fromKey(key()));
        db.inTransaction(c -> owners.insert(c, "owner-1", "o@example.org", "O", 1L));
        db.inTransaction(c -> store.insertLink(c, "agent-b", "owner-1", "{}", 2L)
                && store.insertLink(c, "agent-a", "owner-1", "{}", 2L));
        assertThat(store.delete("owner-1")).isEqualTo(new OwnerStore.Deleted(List.of("agent-a", "agent-b")));
        assertThat(store.delete("owner-1")).isEqualTo(new OwnerStore.NoSuchOwner());
        assertThat(owners.delete("owner-1", 3L)).isEmpty();
        assertThat(store.ownerOf("agent-a")).isEmpty();
        List<OwnerStore.Access> left = db.read(c -> store.accessLog(c, "owner-1"));
        assertThat(left).isEmpty();
    }

    /** A data key that does not open stops the rotation, and what was rewrapped before it is rolled back. */
    @Test
    void aRewrapThatCannotOpenEveryDataKeyChangesNothing() throws Exception {
        byte[] a = key();
        byte[] b = key();
        byte[] c = key();
        Database db = f.hub.database();
        OwnerService underB = service(MasterKeyring.fromKey(b));
        OwnerService underA = service(MasterKeyring.fromKey(a));
        db.inTransaction(x -> underB.insert(x, "1-first", "b@example.org", "B", 1L)); // rewrapped first (by id)
        db.inTransaction(x -> underA.insert(x, "2-second", "a@example.org", "A", 1L));

        // Rotating from B to C, with A lost: B's data key opens, A's does not.
        Path ring = dir.resolve("ring");
        writeKey(ring.resolve("master.key"), b);
        writeKey(ring.resolve("master.key.next"), c);
        OwnerService rotating = service(MasterKeyring.load(ring, null));
        Map<String, Integer> before = rotating.dataKeysByMasterKey();
        assertThat(rotating.rewrapAll()).isInstanceOfSatisfying(OwnerService.CannotRewrap.class,
                r -> assertThat(r.ownerId()).isEqualTo("2-second"));
        assertThat(rotating.dataKeysByMasterKey()).isEqualTo(before);
        assertThat(underB.read("1-first", "test", "check", 2L)).hasValueSatisfying(
                p -> assertThat(p.email()).isEqualTo("b@example.org"));
    }
}
