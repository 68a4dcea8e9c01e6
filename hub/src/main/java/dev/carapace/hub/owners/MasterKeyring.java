package dev.carapace.hub.owners;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hub master keys that wrap owner data keys. They are never stored in the database: they come from
 * {@code $CARAPACE_MASTER_KEY} (base64url, 32 bytes) or from {@code master.key} in the data folder (mode 0600,
 * created on first start). During a rotation {@code master.key.next} holds the new key until every data key is
 * rewrapped, so a crash at any point leaves each wrapped key openable by one of the two files. After it the old key
 * stays as {@code master.key.retired-<id>}: loaded to open (never to wrap) until {@code carapace hub
 * retire-master-key} has checked that no data key is wrapped by it any more and deleted it.
 */
public final class MasterKeyring {
    public static final String ENV = "CARAPACE_MASTER_KEY";
    /** The file name prefix of a retired key; its id follows. */
    public static final String RETIRED_PREFIX = "master.key.retired-";

    private final Map<String, byte[]> keys;
    private final String currentId;

    private MasterKeyring(Map<String, byte[]> keys, String currentId) {
        this.keys = keys;
        this.currentId = currentId;
    }

    public static MasterKeyring fromKey(byte[] key) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        String id = keyId(key);
        m.put(id, key.clone());
        return new MasterKeyring(m, id);
    }

    /** Loads the keyring: the environment variable wins; otherwise the data folder's key files. */
    public static MasterKeyring load(Path dataDir, String envValue) throws IOException, CryptoException {
        if (envValue != null && !envValue.isBlank()) {
            byte[] key = Bytes.fromB64url(envValue.trim());
            if (key.length != 32) {
                throw new CryptoException("$" + ENV + " must hold 32 bytes, base64url");
            }
            return fromKey(key);
        }
        Path file = dataDir.resolve("master.key");
        Path next = dataDir.resolve("master.key.next");
        Map<String, byte[]> m = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            SecureFiles.writeAtomic(file, (Bytes.b64url(Bytes.random(32)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (!SecureFiles.isOwnerOnly(file)) {
            throw new CryptoException(file + " is readable by others; it must be mode 0600");
        }
        byte[] current = readKey(file);
        m.put(keyId(current), current);
        String currentId = keyId(current);
        if (Files.exists(next)) {
            // An interrupted rotation: the new key is the one to wrap with; the old one still opens what is left.
            byte[] n = readKey(next);
            m.put(keyId(n), n);
            currentId = keyId(n);
        }
        try (var files = Files.list(dataDir)) {
            for (Path retired : files.filter(f -> f.getFileName().toString().startsWith(RETIRED_PREFIX))
                    .sorted().toList()) {
                if (!SecureFiles.isOwnerOnly(retired)) {
                    throw new CryptoException(retired + " is readable by others; it must be mode 0600");
                }
                byte[] k = readKey(retired);
                if (!retired.getFileName().toString().equals(RETIRED_PREFIX + keyId(k))) {
                    throw new CryptoException(retired + " does not hold the key its name says");
                }
                m.putIfAbsent(keyId(k), k);
            }
        }
        return new MasterKeyring(m, currentId);
    }

    /** The ids of every key this keyring can open with. */
    public java.util.Set<String> ids() {
        return java.util.Set.copyOf(keys.keySet());
    }

    private static byte[] readKey(Path file) throws IOException, CryptoException {
        byte[] key = Bytes.fromB64url(Files.readString(file, StandardCharsets.UTF_8).trim());
        if (key.length != 32) {
            throw new CryptoException(file + " does not hold a 32-byte key");
        }
        return key;
    }

    /** Short, non-secret name of a key: the first 8 bytes of SHA-256 of it, in hex. */
    public static String keyId(byte[] key) {
        return Bytes.hex(Arrays.copyOf(Bytes.sha256(key), 8));
    }

    public String currentId() {
        return currentId;
    }

    byte[] current() {
        return keys.get(currentId);
    }

    byte[] byId(String id) throws CryptoException {
        byte[] k = keys.get(id);
        if (k == null) {
            throw new CryptoException("master key " + id + " is not available to this hub");
        }
        return k;
    }
}
