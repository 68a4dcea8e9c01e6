package dev.carapace.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A passphrase-encrypted file holding an identity's current and next signing keys.
 *
 * <p>The key is derived with Argon2id (BouncyCastle) from the passphrase and a random salt, and the seeds are sealed
 * with {@link Aead} (AES-256-GCM, the nonce inside the sealed value). The whole header, including the identity id and
 * the KDF parameters, is the AEAD's associated data: changing any of it, or swapping files between identities, fails
 * authentication. Version 1 files, which kept the nonce and ciphertext in fields of their own, are still read.
 */
public final class Keystore {
    public static final String VERSION = "carapace.keystore.v2";
    /** Written before {@link Aead}: {@code nonce} and {@code ciphertext} apart, the nonce in the associated data. */
    static final String VERSION_1 = "carapace.keystore.v1";
    static final int MAX_FILE_BYTES = 64 * 1024;

    /** Argon2id cost. {@link #DEFAULT} follows the OWASP recommendation; tests use {@link #FAST}. */
    public record KdfParams(int memoryKiB, int iterations, int parallelism) {
        public static final KdfParams DEFAULT = new KdfParams(64 * 1024, 3, 1);
        public static final KdfParams FAST = new KdfParams(8 * 1024, 1, 1);

        void check() throws KeystoreException {
            // Bounds on read too: a planted file must not make the unlock take minutes or gigabytes.
            if (memoryKiB < 8 * 1024 || memoryKiB > 1024 * 1024 || iterations < 1 || iterations > 16
                    || parallelism < 1 || parallelism > 16) {
                throw new KeystoreException("keystore has unacceptable key-derivation parameters");
            }
        }
    }

    /**
     * What a file is for. A signing keystore holds the current and the next key; a recovery kit holds only the next
     * key, kept apart (offline) so that losing the signing keystore does not lose the identity.
     */
    public enum Purpose {
        SIGNING("signing"),
        RECOVERY("recovery");

        final String wire;

        Purpose(String wire) {
            this.wire = wire;
        }
    }

    /** The unlocked secret seeds. Wipe with {@link #close()}. */
    public static final class Keys implements AutoCloseable {
        private final byte[] current;
        private final byte[] next;

        public Keys(byte[] current, byte[] next) {
            this.current = current.clone();
            this.next = next.clone();
        }

        /** A recovery kit's content: the next key alone. */
        public static Keys recovery(byte[] next) {
            return new Keys(new byte[0], next);
        }

        public Purpose purpose() {
            return current.length == 0 ? Purpose.RECOVERY : Purpose.SIGNING;
        }

        public Ed25519KeyPair current() throws CryptoException {
            if (current.length == 0) {
                throw new KeystoreException("a recovery kit holds no current key");
            }
            return Ed25519KeyPair.fromSeed(current);
        }

        public Ed25519KeyPair next() throws CryptoException {
            return Ed25519KeyPair.fromSeed(next);
        }

        @Override
        public void close() {
            Arrays.fill(current, (byte) 0);
            Arrays.fill(next, (byte) 0);
        }
    }

    /** Every keystore failure; the message is one clear line for the user. */
    public static final class KeystoreException extends CryptoException {
        public KeystoreException(String message) {
            super(message);
        }
    }

    private Keystore() {}

    public static void write(Path file, String identityId, Keys keys, char[] passphrase, KdfParams params)
            throws IOException, KeystoreException {
        params.check();
        byte[] salt = Bytes.random(16);
        ObjectNode header = Json.object();
        header.put("v", VERSION);
        header.put("id", identityId);
        header.put("purpose", keys.purpose().wire);
        ObjectNode kdf = header.putObject("kdf");
        kdf.put("alg", "argon2id");
        kdf.put("memoryKiB", params.memoryKiB());
        kdf.put("iterations", params.iterations());
        kdf.put("parallelism", params.parallelism());
        kdf.put("salt", Bytes.b64url(salt));
        header.put("cipher", "aes-256-gcm");

        ObjectNode secret = Json.object();
        if (keys.purpose() == Purpose.SIGNING) {
            secret.put("current", Bytes.b64url(keys.current));
        }
        secret.put("next", Bytes.b64url(keys.next));
        byte[] plaintext = Json.compact(secret).getBytes(StandardCharsets.UTF_8);
        byte[] key = deriveKey(passphrase, salt, params);
        try {
            header.put("sealed", Bytes.b64url(new Aead(key).seal(plaintext, aad(header))));
            SecureFiles.writeAtomic(file, (Json.pretty(header) + "\n").getBytes(StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /**
     * Opens a keystore. {@code expectedId}, when given, must be the identity the file was written for.
     *
     * @throws KeystoreException with one user-facing line on a wrong passphrase, a damaged, truncated or foreign file
     */
    public static Keys read(Path file, String expectedId, char[] passphrase) throws IOException, KeystoreException {
        return read(file, expectedId, Purpose.SIGNING, passphrase);
    }

    /** Opens a keystore or recovery kit, which must be for {@code purpose}. */
    public static Keys read(Path file, String expectedId, Purpose purpose, char[] passphrase)
            throws IOException, KeystoreException {
        byte[] raw;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new KeystoreException("keystore " + file + " is too large to be a keystore");
            }
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeystoreException("no keystore at " + file);
        }
        ObjectNode header;
        KdfParams params;
        byte[] salt;
        byte[] sealed;
        String id;
        String filePurpose;
        try {
            JsonNode node = Json.parse(raw);
            if (!node.isObject()) {
                throw new CryptoException("not an object");
            }
            header = (ObjectNode) node;
            String v = Json.text(header, "v");
            boolean v1 = VERSION_1.equals(v);
            if (!v1 && !VERSION.equals(v)) {
                throw new CryptoException("unknown version");
            }
            if (v1) {
                Json.onlyFields(header, "keystore", "v", "id", "purpose", "kdf", "cipher", "nonce", "ciphertext");
            } else {
                Json.onlyFields(header, "keystore", "v", "id", "purpose", "kdf", "cipher", "sealed");
            }
            id = Json.text(header, "id");
            filePurpose = Json.text(header, "purpose");
            JsonNode kdf = header.get("kdf");
            if (kdf == null || !"argon2id".equals(Json.text(kdf, "alg"))
                    || !"aes-256-gcm".equals(Json.text(header, "cipher"))) {
                throw new CryptoException("unsupported algorithms");
            }
            params = new KdfParams((int) Json.integer(kdf, "memoryKiB"), (int) Json.integer(kdf, "iterations"),
                    (int) Json.integer(kdf, "parallelism"));
            salt = Bytes.fromB64url(Json.text(kdf, "salt"));
            if (v1) {
                // The same bytes Aead.seal writes; the nonce stays in the associated data, as it was sealed.
                byte[] nonce = Bytes.fromB64url(Json.text(header, "nonce"));
                if (nonce.length != 12) {
                    throw new CryptoException("bad field sizes");
                }
                sealed = Aead.framed(nonce, Bytes.fromB64url(Json.text(header, "ciphertext")));
                header.remove("ciphertext");
            } else {
                sealed = Bytes.fromB64url(Json.text(header, "sealed"));
                header.remove("sealed");
            }
            if (salt.length < 16) {
                throw new CryptoException("bad field sizes");
            }
        } catch (CryptoException e) {
            throw new KeystoreException("keystore " + file + " is damaged or truncated (" + e.getMessage() + ")");
        }
        if (expectedId != null && !expectedId.equals(id)) {
            throw new KeystoreException("keystore " + file + " belongs to identity " + id + ", not " + expectedId);
        }
        if (!purpose.wire.equals(filePurpose)) {
            throw new KeystoreException(file + " is a " + filePurpose + " file, not a " + purpose.wire + " file");
        }
        params.check();
        byte[] key = deriveKey(passphrase, salt, params);
        byte[] plaintext = null;
        try {
            try {
                plaintext = new Aead(key).open(sealed, aad(header));
            } catch (CryptoException e) {
                throw new KeystoreException("wrong passphrase, or keystore " + file + " was altered");
            }
            JsonNode secret = Json.parse(plaintext);
            byte[] current = purpose == Purpose.SIGNING ? Bytes.fromB64url(Json.text(secret, "current")) : new byte[32];
            byte[] next = Bytes.fromB64url(Json.text(secret, "next"));
            if (current.length != 32 || next.length != 32) {
                throw new KeystoreException("keystore " + file + " is damaged (bad key length)");
            }
            Keys keys = purpose == Purpose.SIGNING ? new Keys(current, next) : Keys.recovery(next);
            Arrays.fill(current, (byte) 0);
            Arrays.fill(next, (byte) 0);
            return keys;
        } catch (KeystoreException e) {
            throw e;
        } catch (CryptoException e) {
            throw new KeystoreException("keystore " + file + " is damaged (" + e.getMessage() + ")");
        } finally {
            Arrays.fill(key, (byte) 0);
            if (plaintext != null) {
                Arrays.fill(plaintext, (byte) 0);
            }
        }
    }

    private static byte[] aad(ObjectNode headerWithoutCiphertext) {
        try {
            return CanonicalJson.encode(headerWithoutCiphertext);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] deriveKey(char[] passphrase, byte[] salt, KdfParams p) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(p.memoryKiB())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] pw = new byte[encoded.remaining()];
        encoded.get(pw);
        Arrays.fill(encoded.array(), (byte) 0);
        byte[] key = new byte[32];
        gen.generateBytes(pw, key);
        Arrays.fill(pw, (byte) 0);
        return key;
    }
}
