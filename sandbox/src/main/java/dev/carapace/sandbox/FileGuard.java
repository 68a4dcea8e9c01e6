package dev.carapace.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy in front of every WASI path call. Only manifest grants bound to a host folder exist for the guest (as
 * preopened directories). A guest path is resolved in two steps: lexically against the directory it is relative to
 * (absolute paths and ".." above the grant root are refused), then by real path on the host (a symlink that leads
 * outside the grant is refused). Read grants refuse every modification; link and symlink creation are always refused.
 * Every open, close and denial is audited.
 */
final class FileGuard {
    /** A policy refusal or host error, carried to the WASI layer as an errno. */
    static final class Denied extends Exception {
        final int errno;
        final boolean policy;

        Denied(int errno, String reason, boolean policy) {
            super(reason, null, false, false);
            this.errno = errno;
            this.policy = policy;
        }
    }

    record Mount(String guest, Path hostReal, Manifest.Access access) {
        boolean writable() {
            return access == Manifest.Access.READ_WRITE;
        }
    }

    /** An open descriptor: a directory (the preopens and opened directories) or a regular file. */
    static final class Handle {
        final Mount mount;
        final List<String> segments;
        final Path real;
        final boolean directory;
        final boolean preopen;
        final FileChannel channel;
        final boolean canRead;
        final boolean canWrite;
        final boolean append;
        long bytesRead;
        long bytesWritten;

        Handle(Mount mount, List<String> segments, Path real, boolean directory, boolean preopen, FileChannel channel,
                boolean canRead, boolean canWrite, boolean append) {
            this.mount = mount;
            this.segments = List.copyOf(segments);
            this.real = real;
            this.directory = directory;
            this.preopen = preopen;
            this.channel = channel;
            this.canRead = canRead;
            this.canWrite = canWrite;
            this.append = append;
        }

        String guestPath() {
            return FileGuard.guestPath(mount, segments);
        }
    }

    /** A guest path resolved lexically: its grant and its segments below the grant root. */
    record Target(Mount mount, List<String> segments) {
        String guestPath() {
            return FileGuard.guestPath(mount, segments);
        }

        Path lexicalHost() {
            Path p = mount.hostReal();
            for (String s : segments) {
                p = p.resolve(s);
            }
            return p;
        }
    }

    static final int MAX_OPEN = 128;
    static final int MAX_PATH = 4096;

    private final Session session;
    private final TreeMap<Integer, Handle> fds = new TreeMap<>();
    private final List<Mount> mounts = new ArrayList<>();

    /**
     * Binds each granted guest directory that the caller maps to a host folder. A mapping the manifest does not grant,
     * or a host folder that is not a directory, fails setup: the run does not start.
     */
    FileGuard(Session session, List<Manifest.FsGrant> grants, Map<String, Path> hostDirs) throws IOException {
        this.session = session;
        Map<String, Manifest.FsGrant> byPath = new LinkedHashMap<>();
        grants.forEach(g -> byPath.put(g.path(), g));
        for (String guest : hostDirs.keySet()) {
            if (!byPath.containsKey(guest)) {
                throw new IllegalArgumentException("directory " + guest + " is not declared in the manifest");
            }
        }
        int fd = 3;
        for (Manifest.FsGrant g : grants) {
            Path host = hostDirs.get(g.path());
            if (host == null) {
                continue;
            }
            Path real = host.toRealPath();
            if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("host folder for " + g.path() + " is not a directory: " + host);
            }
            Mount m = new Mount(g.path(), real, g.access());
            mounts.add(m);
            fds.put(fd++, new Handle(m, List.of(), real, true, true, null, true, false, false));
        }
    }

    List<Mount> mounts() {
        return Collections.unmodifiableList(mounts);
    }

    Handle handle(int fd) {
        return fds.get(fd);
    }

    Handle directory(int fd) throws Denied {
        Handle h = fds.get(fd);
        if (h == null) {
            throw new Denied(Wasi.ERRNO_BADF, "bad descriptor", false);
        }
        if (!h.directory) {
            throw new Denied(Wasi.ERRNO_NOTDIR, "not a directory", false);
        }
        return h;
    }

    /** Lexical step: relative to the directory fd, no absolute path, no ".." above the grant root. */
    Target lexical(int dirFd, String path) throws Denied {
        Handle dir = directory(dirFd);
        if (path.isEmpty()) {
            throw new Denied(Wasi.ERRNO_NOENT, "empty path", false);
        }
        if (path.length() > MAX_PATH) {
            throw new Denied(Wasi.ERRNO_NAMETOOLONG, "path too long", false);
        }
        if (path.indexOf('\0') >= 0) {
            throw new Denied(Wasi.ERRNO_INVAL, "NUL in path", true);
        }
        if (path.startsWith("/")) {
            throw new Denied(Wasi.ERRNO_NOTCAPABLE, "absolute path", true);
        }
        if (path.indexOf('\\') >= 0) {
            throw new Denied(Wasi.ERRNO_NOTCAPABLE, "backslash in path", true);
        }
        List<String> segs = new ArrayList<>(dir.segments);
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segs.isEmpty()) {
                    throw new Denied(Wasi.ERRNO_NOTCAPABLE, "path escapes the grant root", true);
                }
                segs.remove(segs.size() - 1);
            } else {
                segs.add(s);
            }
        }
        return new Target(dir.mount, segs);
    }

    /** Real-path step for an existing object: follows symlinks, which must stay inside the grant. */
    Path realExisting(Target t) throws Denied {
        Path real;
        try {
            real = t.lexicalHost().toRealPath();
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(t.lexicalHost())) {
                throw new Denied(Wasi.ERRNO_NOTCAPABLE, "dangling symlink", true);
            }
            throw new Denied(Wasi.ERRNO_NOENT, "no such file", false);
        } catch (IOException e) {
            throw new Denied(Wasi.ERRNO_IO, "cannot resolve path", false);
        }
        if (!real.startsWith(t.mount().hostReal())) {
            throw new Denied(Wasi.ERRNO_NOTCAPABLE, "symlink leads outside the grant", true);
        }
        return real;
    }

    /**
     * Real-path step for an object to create, remove or rename: its parent must resolve inside the grant; the last
     * component is used as is (never followed), and a symlink there is refused unless the caller only removes it.
     */
    Path realChild(Target t, boolean allowSymlinkLeaf) throws Denied {
        if (t.segments().isEmpty()) {
            throw new Denied(Wasi.ERRNO_NOTCAPABLE, "the grant root itself cannot be changed", true);
        }
        Target parent = new Target(t.mount(), t.segments().subList(0, t.segments().size() - 1));
        Path parentReal = realExisting(parent);
        if (!Files.isDirectory(parentReal)) {
            throw new Denied(Wasi.ERRNO_NOTDIR, "parent is not a directory", false);
        }
        Path child = parentReal.resolve(t.segments().get(t.segments().size() - 1));
        if (!allowSymlinkLeaf && Files.isSymbolicLink(child)) {
            Path target;
            try {
                target = child.toRealPath();
            } catch (IOException e) {
                throw new Denied(Wasi.ERRNO_NOTCAPABLE, "dangling symlink", true);
            }
            if (!target.startsWith(t.mount().hostReal())) {
                throw new Denied(Wasi.ERRNO_NOTCAPABLE, "symlink leads outside the grant", true);
            }
            return target;
        }
        return child;
    }

    void requireWritable(Target t) throws Denied {
        if (!t.mount().writable()) {
            throw new Denied(Wasi.ERRNO_ACCES, "read-only grant", true);
        }
    }

    int add(Handle h) throws Denied {
        if (fds.size() >= MAX_OPEN) {
            throw new Denied(Wasi.ERRNO_NFILE, "too many open files", false);
        }
        int fd = fds.isEmpty() ? 3 : fds.lastKey() + 1;
        fds.put(fd, h);
        return fd;
    }

    Handle remove(int fd) {
        return fds.remove(fd);
    }

    /** Closes everything still open at the end of the run, auditing each close. */
    void closeAll() {
        for (var e : new ArrayList<>(fds.entrySet())) {
            Handle h = e.getValue();
            if (!h.preopen) {
                close(e.getKey(), h);
            }
        }
    }

    void close(int fd, Handle h) {
        fds.remove(fd);
        if (h.channel != null) {
            try {
                h.channel.close();
            } catch (IOException e) {
                // Nothing to recover; the close record says what was read and written.
            }
        }
        session.audit("fs.close", Map.of("fd", fd, "path", h.guestPath(), "read", h.bytesRead,
                "written", h.bytesWritten));
    }

    static String guestPath(Mount m, List<String> segments) {
        return segments.isEmpty() ? m.guest() : (m.guest().equals("/") ? "" : m.guest()) + "/"
                + String.join("/", segments);
    }
}
