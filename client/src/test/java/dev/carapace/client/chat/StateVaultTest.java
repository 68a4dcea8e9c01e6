package dev.carapace.client.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateVaultTest {
    @TempDir
    Path dir;

    @Test
    void sealedFilesOpenOnlyWithTheirKeyAndPurpose() throws Exception {
        StateVault v = new StateVault(Bytes.random(32));
        Path f = dir.resolve("g.bin");
        v.write(f, "group:a", "secret state".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(v.read(f, "group:a"), StandardCharsets.UTF_8)).isEqualTo("secret state");
        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).doesNotContain("secret state");
        assertThatThrownBy(() -> v.read(f, "group:b")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new StateVault(Bytes.random(32)).read(f, "group:a")).isInstanceOf(IOException.class);
        byte[] raw = Files.readAllBytes(f);
        raw[raw.length - 1] ^= 1;
        Files.write(f, raw);
        assertThatThrownBy(() -> v.read(f, "group:a")).isInstanceOf(IOException.class);
    }

    @Test
    void storageKeySurvivesRotationsAndNeedsTheKeystoreKeys() throws Exception {
        Path file = dir.resolve("storage-key.json");
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        Ed25519KeyPair k2 = Ed25519KeyPair.generate();
        Ed25519KeyPair k3 = Ed25519KeyPair.generate();
        byte[] key = StateVault.storageKey(file, k0, k1);
        assertThat(StateVault.storageKey(file, k0, k1)).isEqualTo(key);
        // Rotation: next becomes current, a new next appears; twice in a row.
        assertThat(StateVault.storageKey(file, k1, k2)).isEqualTo(key);
        assertThat(StateVault.storageKey(file, k2, k3)).isEqualTo(key);
        Ed25519KeyPair stranger = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> StateVault.storageKey(file, stranger, Ed25519KeyPair.generate()))
                .isInstanceOf(IOException.class);
    }

    /**
     * A storage-key file (wraps with nonce and ct apart) and a state file written by the code before
     * {@code crypto.Aead}, from identity seeds 0..31 and 100..131 and, for the state file, key bytes 7*i: both open.
     */
    @Test
    void filesWrittenByTheOldCodeStillOpen() throws Exception {
        byte[] s0 = new byte[32];
        byte[] s1 = new byte[32];
        byte[] stateKey = new byte[32];
        for (int i = 0; i < 32; i++) {
            s0[i] = (byte) i;
            s1[i] = (byte) (100 + i);
            stateKey[i] = (byte) (7 * i);
        }
        Path keyFile = dir.resolve("storage-key.json");
        Path state = dir.resolve("state.bin");
        try (var k = StateVaultTest.class.getResourceAsStream("storage-key-v1.json");
                var st = StateVaultTest.class.getResourceAsStream("state-v1.bin")) {
            Files.write(keyFile, k.readAllBytes());
            Files.write(state, st.readAllBytes());
        }
        assertThat(StateVault.storageKey(keyFile, Ed25519KeyPair.fromSeed(s0), Ed25519KeyPair.fromSeed(s1)))
                .isEqualTo(java.util.HexFormat.of().parseHex(
                        "0979f1f1026adbc4f0854f73e87ddf9ba179364a7353506e17636ff3263723ce"));
        assertThat(new String(new StateVault(stateKey).read(state, "group:a"), StandardCharsets.UTF_8))
                .isEqualTo("hello state");
    }
}
