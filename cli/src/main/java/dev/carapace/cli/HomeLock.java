package dev.carapace.cli;

import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One writer at a time per home: an exclusive lock on {@code <home>/.lock} (an OS file lock, released by the
 * kernel when the process dies, so a killed command never leaves the home locked). Every command that reads and
 * then writes the home holds it across its whole read-modify-write; a long-running command ({@code chat watch})
 * takes it only around each step, so other commands interleave. Re-entrant within one process, where threads also
 * queue on an in-process lock (the JVM refuses two file locks on one file).
 */
public final class HomeLock implements AutoCloseable {
    /** A command that takes the home lock itself, step by step, instead of for its whole run. */
    public interface PerStep {}

    private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();
    // The file lock of each home this process holds, with the channel it lives on.
    private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();

    private final Path key;
    private final ReentrantLock local;

    private HomeLock(Path key, ReentrantLock local) {
        this.key = key;
        this.local = local;
    }

    /**
     * Takes the lock of {@code home}, creating the folder (mode 0700) if needed. Waits while another process holds
     * it, saying so once on {@code err}.
     */
    static HomeLock acquire(Path home, PrintWriter err) throws IOException {
        SecureFiles.createPrivateDirectories(home);
        Path key = home.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        if (local.getHoldCount() > 1) {
            return new HomeLock(key, local);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                if (err != null) {
                    err.println("carapace: waiting for another carapace command using " + home + " ...");
                    err.flush();
                }
                lock = ch.lock();
            }
            HELD.put(key, lock);
            return new HomeLock(key, local);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
    }

    /** Like {@link #acquire}, but does nothing for a home that does not exist (a command that only reads it). */
    public static HomeLock acquireIfExists(Path home, PrintWriter err) throws IOException {
        return Files.isDirectory(home) ? acquire(home, err) : null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (local.getHoldCount() == 1) {
                FileLock lock = HELD.remove(key);
                if (lock != null) {
                    lock.channel().close(); // releases the lock
                }
            }
        } finally {
            local.unlock();
        }
    }
}
