package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignedNoteTest {

    /** The example of c2sp.org/signed-note. */
    @Test
    void specificationExampleVerifies() throws Exception {
        NoteVerifier v = NoteVerifier.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
        String note = "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONnc"
                + "AlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        SignedNote.Opened o = SignedNote.open(note, List.of(v));
        assertThat(o.text()).isEqualTo("This is an example message.\n");
        assertThat(o.signers()).containsExactly("example.com/foo");
        assertThat(v.encode()).isEqualTo("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
        assertThatThrownBy(() -> SignedNote.open(note.replace("example message", "exemplary message"), List.of(v)))
                .hasMessageContaining("invalid signature");
    }

    @Test
    void checkpointsRoundTripAndUnknownKeysAreIgnored() throws Exception {
        Ed25519KeyPair log = Ed25519KeyPair.generate();
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        Checkpoint c = new Checkpoint("carapace.example/log", 42, new byte[32], List.of("ext one"));
        String note = SignedNote.sign(c.text(), List.of("carapace.example/log", "witness.example/w1"),
                List.of(log, other));
        NoteVerifier vk = NoteVerifier.of("carapace.example/log", log.publicKey());
        Checkpoint back = Checkpoint.open(note, NoteVerifier.parse(vk.encode()));
        assertThat(back.size()).isEqualTo(42);
        assertThat(back.extensions()).containsExactly("ext one");
        assertThat(back.text()).isEqualTo(c.text());

        NoteVerifier stranger = NoteVerifier.of("carapace.example/log", other.publicKey());
        assertThatThrownBy(() -> Checkpoint.open(SignedNote.sign(c.text(), "witness.example/w1", other), vk))
                .hasMessageContaining("no signature by a known key");
        assertThatThrownBy(() -> Checkpoint.open(note, stranger)).isInstanceOf(CryptoException.class);
    }

    @Test
    void malformedCheckpointsAreRefused() {
        assertThatThrownBy(() -> Checkpoint.parse("origin\n042\n" + "A".repeat(43) + "=\n"))
                .hasMessageContaining("leading zeros");
        assertThatThrownBy(() -> Checkpoint.parse("origin\n1\nAAAA\n")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> Checkpoint.parse("origin\n1\n")).hasMessageContaining("three lines");
        assertThatThrownBy(() -> Checkpoint.parse("origin\n1\n" + "A".repeat(43) + "=\n\n"))
                .hasMessageContaining("non-empty");
        assertThatThrownBy(() -> NoteVerifier.parse("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"))
                .hasMessageContaining("key ID");
    }

    @Test
    void verifierKeysWhoseBase64HoldsPlusSignsParse() throws Exception {
        int withPlus = 0;
        for (int i = 0; i < 200; i++) {
            NoteVerifier v = NoteVerifier.of("log.example/x", Ed25519KeyPair.generate().publicKey());
            String encoded = v.encode();
            if (encoded.chars().filter(c -> c == '+').count() > 2) {
                withPlus++;
            }
            assertThat(NoteVerifier.parse(encoded).key()).isEqualTo(v.key());
        }
        assertThat(withPlus).isPositive();
    }
}
