package dev.carapace.sandbox;

import dev.carapace.skills.Manifest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The filesystem a skill sees, built on open directory handles. Every granted folder is opened once as a
 * {@link SecureDirectoryStream} (a kernel descriptor); every open directory is one too, and every open file keeps its
 * {@link FileChannel}. A guest path is resolved one component at a time from the directory handle it is relative to:
 * each directory is opened relative to the previous one without following symlinks, symlinks are read and followed
 * here with a depth bound, and ".." never climbs above the handle the path started from (the semantics of Linux
 * openat2 with RESOLVE_BENEATH). Nothing is ever looked up by a host path after setup, so renaming or swapping a
 * directory for a symlink, by the skill or by anyone on the host, cannot move an open descriptor or a resolution
 * outside the grant. Read grants refuse every modification; every open, close and denial is audited.
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

    record Mount(String guest, Manifest.Access access) {
        boolean writable() {
            return access == Manifest.Access.READ_WRITE;
        }
    }

    /** An open directory. Operations go relative to its descriptor, whatever happens to its path. */
    static final class Dir implements Closeable {
        final SecureDirectoryStream<Path> stream;
        final int fd;

        Dir(DirectoryStream<Path> s) throws IOException {
            if (!(s instanceof SecureDirectoryStream<Path> secure)) {
                s.close();
                throw new IOException("the platform offers no secure directory streams; the sandbox will not fall"
                        + " back to paths");
            }
            this.stream = secure;
            this.fd = Descriptors.of(secure);
        }

        /** Entry {@code name} of this directory, reached through the descriptor (never through a host path). */
        Path at(String name) {
            return Path.of("/proc/self/fd/" + fd + "/" + name);
        }

        /** This directory itself, through its descriptor. */
        Path self() {
            return Path.of("/proc/self/fd/" + fd);
        }

        /** Opens child directory {@code name}; fails if it is a symlink (O_NOFOLLOW) or not a directory. */
        Dir open(String name) throws IOException {
            return new Dir(stream.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS));
        }

        /** The attributes of entry {@code name}, not following a symlink; null when there is none. */
        BasicFileAttributes lstat(String name) throws IOException {
            try {
                return stream.getFileAttributeView(Path.of(name),
                        java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAttributes();
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (IOException e) {
                // Closing a directory descriptor cannot lose data.
            }
        }
    }

    /** One entry of a directory listing, as fd_readdir returns it. */
    record Entry(String name, long ino, int type) {}

    /** An open descriptor: stdin, stdout or stderr, a directory (preopens included) or a regular file. */
    static final class Handle {
        /** 0, 1 or 2 for the standard streams (which may be renumbered and closed like any descriptor), else -1. */
        final int stdio;
        final Mount mount;
        final String guestPath;
        final Dir dir;
        final FileChannel channel;
        final int fileFd;
        final boolean preopen;
        final boolean readable;
        final boolean writable;
        long rightsBase;
        long rightsInheriting;
        boolean append;
        boolean sync;
        long bytesRead;
        long bytesWritten;
        List<Entry> listing;

        Handle(Mount mount, String guestPath, Dir dir, FileChannel channel, boolean preopen, boolean readable,
                boolean writable, long rightsBase, long rightsInheriting) throws IOException {
            this.stdio = -1;
            this.mount = mount;
            this.guestPath = guestPath;
            this.dir = dir;
            this.channel = channel;
            this.fileFd = channel == null ? -1 : Descriptors.of(channel);
            this.preopen = preopen;
            this.readable = readable;
            this.writable = writable;
            this.rightsBase = rightsBase;
            this.rightsInheriting = rightsInheriting;
        }

        /** A standard stream: stdin is empty, stdout and stderr go to the run's bounded output. */
        Handle(int stdio) {
            this.stdio = stdio;
            this.mount = null;
            this.guestPath = stdio == 0 ? "<stdin>" : stdio == 1 ? "<stdout>" : "<stderr>";
            this.dir = null;
            this.channel = null;
            this.fileFd = -1;
            this.preopen = false;
            this.readable = stdio == 0;
            this.writable = stdio != 0;
            this.rightsBase = (stdio == 0 ? Rights.FD_READ : Rights.FD_WRITE) | Rights.FD_FILESTAT_GET
                    | Rights.POLL_FD_READWRITE;
            this.rightsInheriting = 0;
        }

        boolean directory() {
            return dir != null;
        }

        /** The open object itself, through its descriptor. */
        Path self() {
            return directory() ? dir.self() : Path.of("/proc/self/fd/" + fileFd);
        }

        String guestPath() {
            return guestPath;
        }
    }

    /**
     * A resolved guest path: the directory that holds its last component and that component's name ({@code name} is
     * null when the path names {@code parent} itself, as "." does). Closing it closes the directories opened on the
     * way.
     */
    static final class Resolved implements AutoCloseable {
        final Mount mount;
        final String guestPath;
        final Dir parent;
        final String name;
        final boolean trailingSlash;
        final BasicFileAttributes attrs;
        /** How many directories {@code parent} is below the handle the path started from. */
        final int depth;
        private final List<Dir> opened;

        Resolved(Mount mount, String guestPath, Dir parent, String name, boolean trailingSlash,
                BasicFileAttributes attrs, List<Dir> opened, int depth) {
            this.mount = mount;
            this.guestPath = guestPath;
            this.parent = parent;
            this.name = name;
            this.trailingSlash = trailingSlash;
            this.attrs = attrs;
            this.opened = opened;
            this.depth = depth;
        }

        boolean exists() {
            return name == null || attrs != null;
        }

        boolean isDirectory() {
            return name == null || (attrs != null && attrs.isDirectory());
        }

        /** The object, through its parent's descriptor: for the calls that take a path. */
        Path at() {
            return name == null ? parent.self() : parent.at(name);
        }

        @Override
        public void close() {
            opened.forEach(Dir::close);
        }
    }

    static final int MAX_OPEN = 128;
    static final int MAX_PATH = 4096;
    /**
     * Directories one resolution may hold open (each is a host descriptor, kept so ".." can go back): as deep as one
     * path of MAX_PATH can nest. Without it, symlinks chaining 40 such paths held 80,000 host descriptors in one call.
     */
    static final int MAX_DEPTH = MAX_PATH / 2;
    /** Symlinks followed in one resolution, as Linux's MAXSYMLINKS. */
    static final int MAX_SYMLINKS = 40;

    private final Session session;
    private final TreeMap<Integer, Handle> fds = new TreeMap<>();
    private final List<Mount> mounts = new ArrayList<>();

    /**
     * Opens each granted guest directory that the caller maps to a host folder. A mapping the manifest does not grant,
     * a host folder that is not a directory or is the host's root, or a platform without secure directory streams
     * fails setup: the run does not start.
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
        for (int i = 0; i <= 2; i++) {
            fds.put(i, new Handle(i));
        }
        int fd = 3;
        try {
            for (Manifest.FsGrant g : grants) {
                Path host = hostDirs.get(g.path());
                if (host == null) {
                    continue;
                }
                Path real = host.toRealPath();
                if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("host folder for " + g.path() + " is not a directory: " + host);
                }
                if (real.getParent() == null) {
                    throw new IOException("host folder for " + g.path() + " is the host's root; bind a folder");
                }
                Dir dir = new Dir(Files.newDirectoryStream(real));
                // The descriptor path must name the very directory the stream holds, or /proc is not usable.
                Object key = dir.stream.getFileAttributeView(java.nio.file.attribute.BasicFileAttributeView.class)
                        .readAttributes().fileKey();
                Object viaProc = Files.readAttributes(dir.self(), BasicFileAttributes.class).fileKey();
                if (key == null || !key.equals(viaProc)) {
                    dir.close();
                    throw new IOException("/proc/self/fd does not show the sandbox's directory handles");
                }
                Mount m = new Mount(g.path(), g.access());
                mounts.add(m);
                fds.put(fd++, new Handle(m, g.path(), dir, null, true, true, false, Rights.DIRECTORY, Rights.ALL));
            }
        } catch (IOException | RuntimeException e) {
            fds.values().stream().filter(Handle::directory).forEach(h -> h.dir.close());
            throw e;
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
        if (!h.directory()) {
            throw new Denied(Wasi.ERRNO_NOTDIR, "not a directory", false);
        }
        return h;
    }

    /** Checks that {@code h} holds {@code right}; WASI answers ENOTCAPABLE otherwise. */
    static void require(Handle h, long right) throws Denied {
        if ((h.rightsBase & right) == 0) {
            throw new Denied(Wasi.ERRNO_NOTCAPABLE, "descriptor lacks the right", false);
        }
    }

    private record Component(String name, boolean fromLink) {}

    /**
     * Resolves {@code path} beneath directory descriptor {@code dirFd}. Symlinks on the way are followed by hand
     * (absolute targets and targets climbing above the starting directory are refused); the last component is
     * followed only when {@code followLast} (or when the path ends with a slash). The caller closes the result.
     */
    Resolved resolve(int dirFd, String path, boolean followLast) throws Denied, IOException {
        Handle base = directory(dirFd);
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
        Deque<Component> queue = new ArrayDeque<>();
        push(queue, path, false);
        boolean slash = path.endsWith("/") || path.endsWith("/.");
        List<Dir> stack = new ArrayList<>();
        stack.add(base.dir);
        List<Dir> opened = new ArrayList<>();
        int links = 0;
        String guest = base.guestPath.equals("/") ? "" : base.guestPath;
        // The guest path shown in audit records: a handle's path grows with every handle opened beneath it, so it
        // is clipped, or 20,000 nested opens would write gigabytes of audit log within the record budget.
        String shown = clip(guest + "/" + path);
        try {
            while (!queue.isEmpty()) {
                Component c = queue.pollFirst();
                Dir top = stack.get(stack.size() - 1);
                if (c.name.equals(".")) {
                    continue;
                }
                if (c.name.equals("..")) {
                    if (stack.size() == 1) {
                        throw new Denied(Wasi.ERRNO_NOTCAPABLE, c.fromLink ? "symlink leads outside the grant"
                                : "path escapes the grant root", true);
                    }
                    Dir d = stack.remove(stack.size() - 1);
                    opened.remove(d);
                    d.close();
                    continue;
                }
                boolean last = queue.isEmpty();
                if (last && !followLast && !slash) {
                    return new Resolved(base.mount, shown, top, c.name, false, top.lstat(c.name),
                            opened, stack.size() - 1);
                }
                BasicFileAttributes a = top.lstat(c.name);
                if (a == null) {
                    if (last) {
                        return new Resolved(base.mount, shown, top, c.name, slash, null,
                            opened, stack.size() - 1);
                    }
                    throw new Denied(Wasi.ERRNO_NOENT, "no such file", false);
                }
                if (a.isSymbolicLink()) {
                    if (++links > MAX_SYMLINKS) {
                        throw new Denied(Wasi.ERRNO_LOOP, "too many symlinks", false);
                    }
                    String target = Files.readSymbolicLink(top.at(c.name)).toString();
                    if (target.startsWith("/")) {
                        throw new Denied(Wasi.ERRNO_NOTCAPABLE, "symlink leads outside the grant", true);
                    }
                    if (target.isEmpty()) {
                        throw new Denied(Wasi.ERRNO_NOENT, "empty symlink", false);
                    }
                    if (last && target.endsWith("/")) {
                        slash = true;
                    }
                    push(queue, target, true);
                    continue;
                }
                if (last) {
                    return new Resolved(base.mount, shown, top, c.name, slash, a,
                            opened, stack.size() - 1);
                }
                if (!a.isDirectory()) {
                    throw new Denied(Wasi.ERRNO_NOTDIR, "not a directory", false);
                }
                if (stack.size() > MAX_DEPTH) {
                    throw new Denied(Wasi.ERRNO_NAMETOOLONG, "path nests too deep", false);
                }
                Dir d = top.open(c.name);
                opened.add(d);
                stack.add(d);
            }
            return new Resolved(base.mount, shown, stack.get(stack.size() - 1), null, slash, null,
                            opened, stack.size() - 1);
        } catch (Denied | IOException | RuntimeException e) {
            opened.forEach(Dir::close);
            throw e;
        }
    }

    /** Guest paths longer than this are shown clipped in audit records. */
    static final int SHOWN_PATH = 256;

    static String clip(String guestPath) {
        return guestPath.length() > SHOWN_PATH ? guestPath.substring(0, SHOWN_PATH) + "..." : guestPath;
    }

    private static void push(Deque<Component> queue, String path, boolean fromLink) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty() && !parts[i].equals(".")) {
                queue.addFirst(new Component(parts[i], fromLink));
            }
        }
        if (queue.isEmpty() && !path.isEmpty()) {
            // "." or "./": the directory itself
            queue.addFirst(new Component(".", fromLink));
        }
    }

    static void requireWritable(Mount m) throws Denied {
        if (!m.writable()) {
            throw new Denied(Wasi.ERRNO_ACCES, "read-only grant", true);
        }
    }

    /** A resolved path that a call will create, remove or rename: a named entry, not a grant root or ".". */
    static void requireEntry(Resolved r) throws Denied {
        if (r.name == null) {
            throw new Denied(Wasi.ERRNO_INVAL, "the directory itself cannot be changed", false);
        }
    }

    /** Adds a descriptor at the lowest free number from 3. */
    int add(Handle h) throws Denied {
        if (fds.size() >= MAX_OPEN) {
            throw new Denied(Wasi.ERRNO_NFILE, "too many open files", false);
        }
        int fd = 3;
        while (fds.containsKey(fd)) {
            fd++;
        }
        fds.put(fd, h);
        return fd;
    }

    /** fd_renumber: {@code from} takes number {@code to}; what {@code to} held is closed. */
    void renumber(int from, int to) throws Denied {
        Handle h = fds.get(from);
        Handle old = fds.get(to);
        if (h == null || old == null) {
            throw new Denied(Wasi.ERRNO_BADF, "bad descriptor", false);
        }
        if (from == to) {
            return;
        }
        close(to, old);
        fds.remove(from);
        fds.put(to, h);
        session.audit("fs.renumber", Map.of("from", from, "to", to, "path", h.guestPath()));
    }

    /** Closes everything still open at the end of the run, auditing each close but the preopens'. */
    void closeAll() {
        for (var e : new ArrayList<>(fds.entrySet())) {
            Handle h = e.getValue();
            if (h.stdio >= 0) {
                fds.remove(e.getKey());
            } else if (h.preopen) {
                fds.remove(e.getKey());
                h.dir.close();
            } else {
                close(e.getKey(), h);
            }
        }
    }

    void close(int fd, Handle h) {
        fds.remove(fd);
        if (h.stdio >= 0) {
            return;
        }
        if (h.channel != null) {
            try {
                h.channel.close();
            } catch (IOException e) {
                // Nothing to recover; the close record says what was read and written.
            }
        }
        if (h.dir != null) {
            h.dir.close();
        }
        session.audit("fs.close", Map.of("fd", fd, "path", h.guestPath(), "read", h.bytesRead,
                "written", h.bytesWritten));
    }

    /** WASI rights: what a descriptor may be used for. */
    static final class Rights {
        static final long FD_DATASYNC = 1L;
        static final long FD_READ = 1L << 1;
        static final long FD_SEEK = 1L << 2;
        static final long FD_FDSTAT_SET_FLAGS = 1L << 3;
        static final long FD_SYNC = 1L << 4;
        static final long FD_TELL = 1L << 5;
        static final long FD_WRITE = 1L << 6;
        static final long FD_ADVISE = 1L << 7;
        static final long FD_ALLOCATE = 1L << 8;
        static final long PATH_CREATE_DIRECTORY = 1L << 9;
        static final long PATH_CREATE_FILE = 1L << 10;
        static final long PATH_LINK_SOURCE = 1L << 11;
        static final long PATH_LINK_TARGET = 1L << 12;
        static final long PATH_OPEN = 1L << 13;
        static final long FD_READDIR = 1L << 14;
        static final long PATH_READLINK = 1L << 15;
        static final long PATH_RENAME_SOURCE = 1L << 16;
        static final long PATH_RENAME_TARGET = 1L << 17;
        static final long PATH_FILESTAT_GET = 1L << 18;
        static final long PATH_FILESTAT_SET_SIZE = 1L << 19;
        static final long PATH_FILESTAT_SET_TIMES = 1L << 20;
        static final long FD_FILESTAT_GET = 1L << 21;
        static final long FD_FILESTAT_SET_SIZE = 1L << 22;
        static final long FD_FILESTAT_SET_TIMES = 1L << 23;
        static final long PATH_SYMLINK = 1L << 24;
        static final long PATH_REMOVE_DIRECTORY = 1L << 25;
        static final long PATH_UNLINK_FILE = 1L << 26;
        static final long POLL_FD_READWRITE = 1L << 27;

        static final long ALL = (1L << 29) - 1;
        static final long FILE = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_TELL | FD_WRITE
                | FD_ADVISE | FD_ALLOCATE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES
                | POLL_FD_READWRITE;
        static final long DIRECTORY = FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_ADVISE | PATH_CREATE_DIRECTORY
                | PATH_CREATE_FILE | PATH_LINK_SOURCE | PATH_LINK_TARGET | PATH_OPEN | FD_READDIR | PATH_READLINK
                | PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_GET | PATH_FILESTAT_SET_SIZE
                | PATH_FILESTAT_SET_TIMES | FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES | PATH_SYMLINK
                | PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE | POLL_FD_READWRITE;
        static final long WRITE = FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;

        private Rights() {}
    }
}
