package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Property: in random trees every generated proof verifies, and every single-bit change to a proof is refused. */
class MerklePropertyTest {
    static Stream<Long> seeds() {
        return LongStream.range(0, 60).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void generatedProofsVerifyAndTampersFail(long seed) throws Exception {
        Random rnd = new Random(seed);
        int n = 1 + rnd.nextInt(300);
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] e = new byte[rnd.nextInt(40)];
            rnd.nextBytes(e);
            leaves.add(Merkle.leafHash(e));
        }
        byte[] root = Merkle.root(leaves);

        int idx = rnd.nextInt(n);
        List<byte[]> inc = Merkle.inclusionProof(leaves, idx);
        Merkle.verifyInclusion(idx, n, leaves.get(idx), inc, root);
        if (!inc.isEmpty()) {
            List<byte[]> bad = flip(inc, rnd);
            assertThatThrownBy(() -> Merkle.verifyInclusion(idx, n, leaves.get(idx), bad, root))
                    .isInstanceOf(ProofException.class);
            assertThatThrownBy(() -> Merkle.verifyInclusion(idx, n, leaves.get(idx), inc.subList(1, inc.size()),
                    root)).isInstanceOf(ProofException.class);
        }
        if (n > 1) {
            int other = (idx + 1 + rnd.nextInt(n - 1)) % n;
            assertThatThrownBy(() -> Merkle.verifyInclusion(other, n, leaves.get(idx), inc, root))
                    .isInstanceOf(ProofException.class);
        }

        int m = 1 + rnd.nextInt(n);
        byte[] root1 = Merkle.root(leaves.subList(0, m));
        List<byte[]> cons = Merkle.consistencyProof(leaves, m);
        Merkle.verifyConsistency(m, n, root1, root, cons);
        if (!cons.isEmpty()) {
            List<byte[]> bad = flip(cons, rnd);
            assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, root1, root, bad))
                    .isInstanceOf(ProofException.class);
            byte[] otherRoot = root1.clone();
            otherRoot[0] ^= 1;
            assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, otherRoot, root, cons))
                    .isInstanceOf(ProofException.class);
        }
        assertThat(Merkle.root(leaves)).isEqualTo(root);
    }

    private static List<byte[]> flip(List<byte[]> proof, Random rnd) {
        List<byte[]> bad = new ArrayList<>();
        for (byte[] h : proof) {
            bad.add(h.clone());
        }
        byte[] t = bad.get(rnd.nextInt(bad.size()));
        t[rnd.nextInt(t.length)] ^= (byte) (1 << rnd.nextInt(8));
        return bad;
    }
}
