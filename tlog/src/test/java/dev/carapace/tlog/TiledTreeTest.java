package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TiledTreeTest {
    static final List<byte[]> LEAVES = new ArrayList<>();

    static {
        for (int i = 0; i < 140_000; i++) {
            LEAVES.add(Merkle.leafHash(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)}));
        }
    }

    final AtomicLong leavesRead = new AtomicLong();
    final TiledTree<RuntimeException> tree = new TiledTree<>((from, to) -> {
        leavesRead.addAndGet(to - from);
        return LEAVES.subList((int) from, (int) to);
    });

    @Test
    void proofsEqualThoseFromTheFullLeafList() {
        Random rnd = new Random(7);
        List<Integer> sizes = new ArrayList<>(List.of(1, 2, 3, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537,
                131_072, 140_000));
        for (int i = 0; i < 12; i++) {
            sizes.add(1 + rnd.nextInt(LEAVES.size()));
        }
        for (int size : sizes) {
            List<byte[]> prefix = LEAVES.subList(0, size);
            var at = tree.at(size);
            assertThat(at.root(0, size)).as("root of %d", size).isEqualTo(Merkle.root(prefix));
            for (int j = 0; j < 5; j++) {
                int index = j == 0 ? size - 1 : rnd.nextInt(size);
                assertThat(Merkle.inclusionProof(at, index, size)).as("inclusion %d in %d", index, size)
                        .containsExactlyElementsOf(Merkle.inclusionProof(prefix, index));
                int m = j == 0 ? size : 1 + rnd.nextInt(size);
                assertThat(Merkle.consistencyProof(at, m, size)).as("consistency %d to %d", m, size)
                        .containsExactlyElementsOf(Merkle.consistencyProof(prefix, m));
            }
        }
    }

    @Test
    void aProofReadsAFewTilesNotTheLog() {
        tree.at(140_000); // catching up reads every leaf once
        long before = leavesRead.get();
        var at = tree.at(140_000);
        for (int i = 0; i < 100; i++) {
            Merkle.inclusionProof(at, i * 1_399L, 140_000);
        }
        Merkle.consistencyProof(at, 77_777, 140_000);
        // 100 leaf tiles of 256 at most, plus the partial tiles at the edges; far below one pass over the log.
        assertThat(leavesRead.get() - before).isLessThan(110 * 256);
    }
}
