package dev.carapace.sandbox;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.file.SecureDirectoryStream;

/**
 * The kernel descriptor numbers behind an open directory stream and an open file channel. The sandbox reaches the
 * "*at" calls that {@link SecureDirectoryStream} lacks (mkdirat, readlinkat, symlinkat, linkat, fstat, utimensat)
 * through {@code /proc/self/fd/N}, which the kernel resolves to the open object itself, never by its path. The JDK
 * keeps these numbers private: reading them needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED},
 * {@code java.base/sun.nio.ch} and {@code java.base/java.io}. Without them the sandbox refuses to run any skill that
 * is granted a directory (it never falls back to paths).
 */
final class Descriptors {
    static final String JVM_OPTIONS = "--add-opens java.base/sun.nio.fs=ALL-UNNAMED"
            + " --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED";

    private static final Field DIRECTORY_FD;
    private static final Field CHANNEL_FD;
    private static final Field FD_NUMBER;
    private static final String FAILURE;

    static {
        Field dir = null;
        Field channel = null;
        Field number = null;
        String failure = null;
        try {
            dir = Class.forName("sun.nio.fs.UnixSecureDirectoryStream").getDeclaredField("dfd");
            dir.setAccessible(true);
            channel = Class.forName("sun.nio.ch.FileChannelImpl").getDeclaredField("fd");
            channel.setAccessible(true);
            number = FileDescriptor.class.getDeclaredField("fd");
            number.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = "this JVM does not give the sandbox its directory handles (" + e.getClass().getSimpleName()
                    + "); run java with " + JVM_OPTIONS;
        }
        DIRECTORY_FD = dir;
        CHANNEL_FD = channel;
        FD_NUMBER = number;
        FAILURE = failure;
    }

    private Descriptors() {}

    /** Fails when descriptor numbers cannot be read on this JVM. */
    static void require() throws IOException {
        if (FAILURE != null) {
            throw new IOException(FAILURE);
        }
    }

    static int of(SecureDirectoryStream<?> stream) throws IOException {
        require();
        try {
            return DIRECTORY_FD.getInt(stream);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            throw new IOException("not a Unix secure directory stream: " + stream.getClass().getName());
        }
    }

    static int of(FileChannel channel) throws IOException {
        require();
        try {
            return FD_NUMBER.getInt(CHANNEL_FD.get(channel));
        } catch (IllegalAccessException | IllegalArgumentException e) {
            throw new IOException("not a file channel of the default provider: " + channel.getClass().getName());
        }
    }
}
