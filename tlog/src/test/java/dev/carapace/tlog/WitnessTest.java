package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WitnessTest {
    @TempDir
    Path dir;

    final Ed25519KeyPair logKey = Ed25519KeyPair.generate();
    final NoteVerifier logVkey = NoteVerifier.of("log.example/a", logKey.publicKey());

    String checkpoint(List<byte[]> leaves) {
        return SignedNote.sign(new Checkpoint("log.example/a", leaves.size(), Merkle.root(leaves), List.of()).text(),
                "log.example/a", logKey);
    }

    static List<byte[]> leaves(int n, int salt) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Merkle.leafHash(new byte[] {(byte) i, (byte) salt}));
        }
        return out;
    }

    @Test
    void cosignsConsistentGrowthAndRefusesRollbackAndForks() throws Exception {
        Witness w1 = new Witness("witness.example/w1", Ed25519KeyPair.generate(), logVkey, dir.resolve("w1.json"));
        Witness w2 = new Witness("witness.example/w2", Ed25519KeyPair.generate(), logVkey, dir.resolve("w2.json"));
        List<byte[]> tree = leaves(20, 0);

        String cp10 = checkpoint(tree.subList(0, 10));
        String c1 = w1.cosign(cp10, List.of(), 1_700_000_000L);
        String cp20 = checkpoint(tree);
        String c2 = w1.cosign(cp20, Merkle.consistencyProof(tree, 10), 1_700_000_100L);
        String c3 = w2.cosign(cp20, List.of(), 1_700_000_100L);
        assertThat(c1).startsWith("\u2014 witness.example/w1 ");

        String cosigned = SignedNote.withLines(cp20, List.of(c2, c3));
        Checkpoint ok = Cosigner.requireQuorum(cosigned, logVkey, List.of(w1.cosigner(), w2.cosigner()), 2);
        assertThat(ok.size()).isEqualTo(20);
        assertThatThrownBy(() -> Cosigner.requireQuorum(SignedNote.withLines(cp20, List.of(c2)), logVkey,
                List.of(w1.cosigner(), w2.cosigner()), 2)).isInstanceOf(CryptoException.class)
                .hasMessageContaining("1 of the required 2");
        // A cosignature of another checkpoint does not count for this one.
        assertThatThrownBy(() -> Cosigner.requireQuorum(SignedNote.withLines(cp20, List.of(c1)), logVkey,
                List.of(w1.cosigner()), 1)).isInstanceOf(CryptoException.class);

        assertThatThrownBy(() -> w1.cosign(cp10, List.of(), 1_700_000_200L))
                .isInstanceOf(Witness.RefusedException.class).hasMessageContaining("rollback");
        List<byte[]> fork = leaves(30, 1);
        assertThatThrownBy(() -> w1.cosign(checkpoint(fork), Merkle.consistencyProof(fork, 20), 1_700_000_300L))
                .isInstanceOf(Witness.RefusedException.class).hasMessageContaining("split view");
        // The witness remembers across restarts.
        Witness again = new Witness("witness.example/w1", Ed25519KeyPair.generate(), logVkey, dir.resolve("w1.json"));
        assertThat(again.last().size()).isEqualTo(20);
    }
}
