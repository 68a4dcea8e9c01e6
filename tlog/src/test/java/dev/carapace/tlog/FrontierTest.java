package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrontierTest {
    @Test
    void incrementalRootEqualsTheFullRootAtEverySize() {
        Frontier f = new Frontier();
        List<byte[]> leaves = new ArrayList<>();
        assertThat(f.root()).isEqualTo(Merkle.root(leaves));
        for (int i = 0; i < 300; i++) {
            byte[] leaf = Merkle.leafHash(new byte[] {(byte) i, (byte) (i >> 8)});
            leaves.add(leaf);
            f.append(leaf);
            assertThat(f.root()).as("size %d", i + 1).isEqualTo(Merkle.root(leaves));
            assertThat(f.size()).isEqualTo(i + 1);
        }
    }

    @Test
    void savedFrontierResumes() {
        Frontier f = new Frontier();
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] leaf = Merkle.leafHash(new byte[] {(byte) i});
            leaves.add(leaf);
            f.append(leaf);
            Frontier restored = Frontier.of(f.size(), f.hashes());
            byte[] next = Merkle.leafHash(new byte[] {(byte) i, 1});
            restored.append(next);
            List<byte[]> more = new ArrayList<>(leaves);
            more.add(next);
            assertThat(restored.root()).isEqualTo(Merkle.root(more));
        }
        assertThatThrownBy(() -> Frontier.of(5, f.hashes())).isInstanceOf(IllegalArgumentException.class);
    }
}
