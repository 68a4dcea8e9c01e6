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
}
