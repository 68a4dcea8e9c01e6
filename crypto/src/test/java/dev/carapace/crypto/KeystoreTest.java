package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeystoreTest {
    @TempDir
    Path dir;

    private static final char[] PASS = "correct horse battery staple".toCharArray();

    private Keystore.Keys keys() {
        return new Keystore.Keys(Bytes.random(32), Bytes.random(32));
    }

    @Test
    void roundTripIsPrivateAndUnlocksWithThePassphrase() throws Exception {
        Path f = dir.resolve("keystore.json");
        Keystore.Keys k = keys();
        Ed25519KeyPair expected = k.current();
        Keystore.write(f, "id-a", k, PASS, Keystore.KdfParams.FAST);
        assertThat(SecureFiles.isOwnerOnly(f)).isTrue();
        assertThat(Files.readString(f)).doesNotContain(Bytes.b64url(expected.seed()));
        try (Keystore.Keys back = Keystore.read(f, "id-a", PASS)) {
            assertThat(back.current().publicKey()).isEqualTo(expected.publicKey());
        }
        assertThat(Files.list(dir)).hasSize(1); // no temporary file left behind
    }

    @Test
    void wrongPassphraseIsOneClearLine() throws Exception {
        Path f = dir.resolve("keystore.json");
        Keystore.write(f, "id-a", keys(), PASS, Keystore.KdfParams.FAST);
        assertThatThrownBy(() -> Keystore.read(f, "id-a", "wrong".toCharArray()))
                .isInstanceOf(Keystore.KeystoreException.class)
                .hasMessageStartingWith("wrong passphrase")
                .hasNoCause();
    }

    @Test
    void truncatedOrDamagedFilesAreRefusedCleanly() throws Exception {
        Path f = dir.resolve("keystore.json");
        Keystore.write(f, "id-a", keys(), PASS, Keystore.KdfParams.FAST);
        byte[] full = Files.readAllBytes(f);
        for (int cut : new int[] {0, 1, full.length / 3, full.length / 2, full.length - 3}) {
            Files.write(f, Arrays.copyOf(full, cut));
            assertThatThrownBy(() -> Keystore.read(f, "id-a", PASS))
                    .isInstanceOf(Keystore.KeystoreException.class)
                    .hasMessageContaining("damaged")
                    .hasNoCause();
        }
        String text = new String(full, java.nio.charset.StandardCharsets.UTF_8);
        Files.writeString(f, text.replace("\"iterations\" : 1", "\"iterations\" : 2"));
        assertThatThrownBy(() -> Keystore.read(f, "id-a", PASS)).hasMessageContaining("altered");
        assertThatThrownBy(() -> Keystore.read(dir.resolve("missing.json"), "id-a", PASS))
                .hasMessageContaining("no keystore");
    }

    @Test
    void filesSwappedBetweenIdentitiesAreDetected() throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Keystore.write(a, "id-a", keys(), PASS, Keystore.KdfParams.FAST);
        Keystore.write(b, "id-b", keys(), PASS, Keystore.KdfParams.FAST);
        Path tmp = dir.resolve("tmp");
        Files.move(a, tmp);
        Files.move(b, a);
        Files.move(tmp, b);
        assertThatThrownBy(() -> Keystore.read(a, "id-a", PASS)).hasMessageContaining("belongs to identity id-b");
        // Editing the id inside the file to hide the swap breaks the authentication tag.
        Files.writeString(a, Files.readString(a).replace("id-b", "id-a"));
        assertThatThrownBy(() -> Keystore.read(a, "id-a", PASS)).hasMessageContaining("altered");
    }

    @Test
    void refusesHostileKdfParameters() throws Exception {
        Path f = dir.resolve("keystore.json");
        Keystore.write(f, "id-a", keys(), PASS, Keystore.KdfParams.FAST);
        Files.writeString(f, Files.readString(f).replace("\"memoryKiB\" : 8192", "\"memoryKiB\" : 100000000"));
        assertThatThrownBy(() -> Keystore.read(f, "id-a", PASS)).hasMessageContaining("unacceptable");
    }

    /**
     * A version 1 keystore (nonce and ciphertext in fields of their own), written by the code before {@link Aead}
     * with seeds 0..31 and 100..131 under "correct horse": it still opens, and a write produces version 2.
     */
    @Test
    void version1FilesWrittenByTheOldCodeStillOpen() throws Exception {
        Path f = dir.resolve("keystore.json");
        try (var in = KeystoreTest.class.getResourceAsStream("keystore-v1.json")) {
            Files.write(f, in.readAllBytes());
        }
        String id = "cara1vbpbewiavtfoxsmm7e32qsnjfoszs5srnztwlyjwo5golo45oeda4qgjvq";
        byte[] current = new byte[32];
        byte[] next = new byte[32];
        for (int i = 0; i < 32; i++) {
            current[i] = (byte) i;
            next[i] = (byte) (100 + i);
        }
        try (Keystore.Keys k = Keystore.read(f, id, "correct horse".toCharArray())) {
            assertThat(k.current().seed()).isEqualTo(current);
            assertThat(k.next().seed()).isEqualTo(next);
        }
        assertThatThrownBy(() -> Keystore.read(f, id, "wrong horse".toCharArray()))
                .hasMessageContaining("wrong passphrase");
        // The nonce is authenticated as part of the header, as it was sealed.
        String text = Files.readString(f);
        Files.writeString(f, text.replaceFirst("\"nonce\" : \"[^\"]+\"",
                "\"nonce\" : \"" + Bytes.b64url(Bytes.random(12)) + "\""));
        assertThatThrownBy(() -> Keystore.read(f, id, "correct horse".toCharArray()))
                .hasMessageContaining("wrong passphrase");
        Keystore.write(f, id, new Keystore.Keys(current, next), "correct horse".toCharArray(), Keystore.KdfParams.FAST);
        assertThat(Files.readString(f)).contains("carapace.keystore.v2").contains("\"sealed\"").doesNotContain("nonce");
    }
}
