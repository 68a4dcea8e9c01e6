package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlogProofTest {
    @TempDir
    Path dir;

    final Ed25519KeyPair logKey = Ed25519KeyPair.generate();
    final NoteVerifier logVkey = NoteVerifier.of("log.example/a", logKey.publicKey());
    final List<byte[]> entries = new ArrayList<>();
    final List<byte[]> leaves = new ArrayList<>();

    TlogProofTest() {
        for (int i = 0; i < 13; i++) {
            byte[] e = ("statement " + i).getBytes(StandardCharsets.UTF_8);
            entries.add(e);
            leaves.add(Merkle.leafHash(e));
        }
    }

    String checkpoint() {
        return SignedNote.sign(new Checkpoint("log.example/a", leaves.size(), Merkle.root(leaves), List.of()).text(),
                "log.example/a", logKey);
    }

    @Test
    void roundTripsAndVerifiesOfflineWithWitnessQuorum() throws Exception {
        Witness w = new Witness("witness.example/w1", Ed25519KeyPair.generate(), logVkey, dir.resolve("w.json"));
        String cp = checkpoint();
        String cosigned = SignedNote.withLines(cp, List.of(w.cosign(cp, List.of(), 1_700_000_000L)));
        TlogProof p = new TlogProof(entries.get(5), 5, Merkle.inclusionProof(leaves, 5), cosigned);

        String text = p.encode();
        assertThat(text).startsWith("c2sp.org/tlog-proof@v1\nextra ").contains("\nindex 5\n");
        TlogProof back = TlogProof.parse(text);
        assertThat(back.encode()).isEqualTo(text);
        assertThat(back.verifyCarriedEntry(logVkey, List.of(w.cosigner()), 1)).isEqualTo(entries.get(5));
        assertThat(back.verify(leaves.get(5), logVkey, List.of(), 0).size()).isEqualTo(13);

        // Wrong entry, wrong index, missing witness, other log key: each fails.
        assertThatThrownBy(() -> back.verify(leaves.get(6), logVkey, List.of(), 0))
                .isInstanceOf(ProofException.class);
        TlogProof shifted = new TlogProof(entries.get(5), 6, back.proof(), cosigned);
        assertThatThrownBy(() -> shifted.verifyCarriedEntry(logVkey, List.of(), 0))
                .isInstanceOf(ProofException.class);
        TlogProof uncosigned = new TlogProof(entries.get(5), 5, back.proof(), cp);
        assertThatThrownBy(() -> uncosigned.verifyCarriedEntry(logVkey, List.of(w.cosigner()), 1))
                .isInstanceOf(CryptoException.class).hasMessageContaining("0 of the required 1");
        NoteVerifier other = NoteVerifier.of("log.example/a", Ed25519KeyPair.generate().publicKey());
        assertThatThrownBy(() -> back.verifyCarriedEntry(other, List.of(), 0)).isInstanceOf(CryptoException.class);
    }

    @Test
    void proofWithoutExtraNeedsTheEntry() throws Exception {
        TlogProof p = new TlogProof(null, 0, Merkle.inclusionProof(leaves, 0), checkpoint());
        TlogProof back = TlogProof.parse(p.encode());
        assertThat(back.extra()).isNull();
        assertThat(back.verify(leaves.get(0), logVkey, List.of(), 0).size()).isEqualTo(13);
        assertThatThrownBy(() -> back.verifyCarriedEntry(logVkey, List.of(), 0))
                .hasMessageContaining("carries no entry");
    }

    @Test
    void rejectsMalformedText() {
        String good = new TlogProof(null, 3, Merkle.inclusionProof(leaves, 3), checkpoint()).encode();
        for (String bad : List.of(
                good.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
                good.replace("index 3", "index 03"),
                good.replace("index 3", "index -3"),
                good.replace("index 3\n", "index 3\nnot-base64!\n"),
                good.replace("index 3\n", "index 3\nAAAA\n"),
                good.replace("\n\n", "\n"),
                good.substring(0, good.length() - 1))) {
            assertThatThrownBy(() -> TlogProof.parse(bad)).as(bad).isInstanceOf(CryptoException.class);
        }
    }

    @Test
    void witnessKeysRoundTrip() throws Exception {
        Cosigner c = new Cosigner("witness.example/w1", Ed25519KeyPair.generate().publicKey());
        Cosigner back = Cosigner.parse(c.encode());
        assertThat(back.keyId()).isEqualTo(c.keyId());
        assertThat(back.encode()).isEqualTo(c.encode());
        String logStyle = NoteVerifier.of("witness.example/w1", c.key()).encode();
        assertThatThrownBy(() -> Cosigner.parse(logStyle)).hasMessageContaining("type 0x04");
        String wrongId = c.encode().replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+");
        assertThatThrownBy(() -> Cosigner.parse(wrongId)).hasMessageContaining("key ID");
    }
}
