package dev.carapace.sandbox;

import dev.carapace.crypto.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Properties;
import java.util.stream.Stream;
import run.endive.compiler.Cache;

/**
 * Compiled modules kept on disk between processes, so a skill is compiled once per machine rather than once per
 * {@code carapace} run. What is stored is JVM bytecode that will run with the host's privileges, so a stored entry
 * is only loaded when its HMAC-SHA256 verifies under a key that lives beside the entries (created once, 0600, in a
 * 0700 folder): a corrupted, truncated or planted file is deleted and the module is compiled afresh. The MAC covers
 * the compiler release and the module digest as well as the bytes, so an entry cannot be replayed for another module
 * or read by another compiler. Whoever can read the key can also replace the CLI itself; the MAC is against
 * everyone else and against accidents.
 */
final class CompiledModuleStore implements Cache {
    /** Stored modules beyond this many are removed, oldest first, when a new one is added. */
    static final int MAX_ENTRIES = 256;
    /** Larger entries are neither written nor read (the module limit is 16 MiB; its classes stay well below). */
    static final int MAX_ENTRY_BYTES = 64 * 1024 * 1024;
    private static final int MAC_BYTES = 32;
    private static final System.Logger LOG = System.getLogger(CompiledModuleStore.class.getName());
    private static final String COMPILER = compilerRelease();

    private final Path dir;
    private final byte[] key;
    private int hits;
    private int rejected;

    private CompiledModuleStore(Path dir, byte[] key) {
        this.dir = dir;
        this.key = key;
    }

    /** Opens (creating if needed) the store in {@code dir}; fails if the folder or its key cannot be set up. */
    static CompiledModuleStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        restrict(dir, "rwx------");
        Path keyFile = dir.resolve("store.key");
        if (!Files.exists(keyFile)) {
            createKey(dir, keyFile);
        }
        try {
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile));
            if (!perms.endsWith("------")) {
                throw new IOException(keyFile + " is readable or writable by others (" + perms + ")");
            }
        } catch (UnsupportedOperationException notPosix) {
            // Other file systems keep their own access control.
        }
        byte[] key = Files.readAllBytes(keyFile);
        if (key.length != 32) {
            throw new IOException(keyFile + " is not a 32-byte key (delete it to start an empty store)");
        }
        CompiledModuleStore store = new CompiledModuleStore(dir, key);
        store.removeLeftovers();
        return store;
    }

    /**
     * Writes a fresh key durably, then links it into place: a link fails if the name exists, so when two processes
     * race, exactly one key is ever installed and the loser reads the winner's.
     */
    private static void createKey(Path dir, Path keyFile) throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = Files.createTempFile(dir, "key", ".tmp");
        try {
            restrict(tmp, "rw-------");
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(key));
                ch.force(true);
            }
            try {
                Files.createLink(keyFile, tmp);
            } catch (FileAlreadyExistsException raced) {
                // Another process installed its key first; use that one.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Temporary files a crashed process left behind (older than an hour, so none still being written). */
    private void removeLeftovers() {
        long cutoff = System.currentTimeMillis() - 3_600_000L;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().endsWith(".tmp")
                        && Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "compiled-module store not tidied: {0}", e.toString());
        }
    }

    private static void restrict(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException notPosix) {
            // Other file systems keep their own access control.
        }
    }

    /** A stored entry whose MAC verifies, or null; I/O failures mean "not stored", they never fail a run. */
    @Override
    public byte[] get(String digest) {
        try {
            return read(digest);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "compiled-module store unreadable: {0}", e.toString());
            return null;
        }
    }

    private byte[] read(String digest) throws IOException {
        Path file = entry(digest);
        byte[] stored;
        try {
            if (Files.size(file) > MAX_ENTRY_BYTES + MAC_BYTES) {
                return reject(file, "too large");
            }
            stored = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (stored.length < MAC_BYTES) {
            return reject(file, "truncated");
        }
        byte[] body = Arrays.copyOfRange(stored, MAC_BYTES, stored.length);
        if (!Bytes.constantTimeEquals(Arrays.copyOf(stored, MAC_BYTES), mac(digest, body))) {
            return reject(file, "its MAC does not verify");
        }
        synchronized (this) {
            hits++;
        }
        return body;
    }

    private byte[] reject(Path file, String why) throws IOException {
        LOG.log(System.Logger.Level.WARNING, "compiled module {0} ignored and removed: {1}", file.getFileName(), why);
        Files.deleteIfExists(file);
        synchronized (this) {
            rejected++;
        }
        return null;
    }

    /** Stores an entry unless one exists; a store that cannot be written is logged and otherwise ignored. */
    @Override
    public void putIfAbsent(String digest, byte[] classes) {
        try {
            write(digest, classes);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "compiled-module store not written: {0}", e.toString());
        }
    }

    private void write(String digest, byte[] classes) throws IOException {
        if (classes.length > MAX_ENTRY_BYTES) {
            return;
        }
        Path file = entry(digest);
        if (Files.exists(file)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "entry", ".tmp");
        try {
            restrict(tmp, "rw-------");
            byte[] mac = mac(digest, classes);
            try (var out = Files.newOutputStream(tmp)) {
                out.write(mac);
                out.write(classes);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        evictBeyond(MAX_ENTRIES);
    }

    private void evictBeyond(int max) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            Path[] entries = s.filter(p -> p.getFileName().toString().endsWith(".classes")).toArray(Path[]::new);
            if (entries.length <= max) {
                return;
            }
            Arrays.sort(entries, (a, b) -> modified(a).compareTo(modified(b)));
            for (int i = 0; i < entries.length - max; i++) {
                Files.deleteIfExists(entries[i]);
            }
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry's file: named by a hash of the compiler release and module digest, never by guest-chosen text. */
    private Path entry(String digest) {
        return dir.resolve(Bytes.hex(Bytes.sha256((COMPILER + "\n" + digest).getBytes(StandardCharsets.UTF_8)))
                + ".classes");
    }

    private byte[] mac(String digest, byte[] body) {
        return Bytes.hmacSha256(key, ("carapace compiled module v1\n" + COMPILER + "\n" + digest + "\n")
                .getBytes(StandardCharsets.UTF_8), body);
    }

    synchronized int hits() {
        return hits;
    }

    synchronized int rejected() {
        return rejected;
    }

    private static String compilerRelease() {
        Properties p = new Properties();
        try (InputStream in = CompiledModuleStore.class.getResourceAsStream("compiler.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String release = p.getProperty("compiler", "");
        if (release.isEmpty() || release.contains("${")) {
            throw new IllegalStateException("compiler.properties was not filled in by the build");
        }
        // Our compile options are part of what an entry means: change this when they change.
        return release + " fallback=FAIL";
    }
}
