package dev.carapace.sandbox;

import dev.carapace.sandbox.FileGuard.Rights;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import run.endive.runtime.HostFunction;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmFunctionHandle;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.ValType;

/**
 * wasi_snapshot_preview1 as a skill gets it, implemented here rather than by wrapping the runtime's WASI so that every
 * path call is resolved beneath a directory handle by {@link FileGuard}. No sockets (every descriptor answers
 * ENOTSOCK), stdin is empty, the environment holds only the variables the manifest declares and the runner gave.
 * Functions not implemented exist as stubs returning ENOSYS, so modules link but get nothing.
 */
final class Wasi {
    static final String MODULE = "wasi_snapshot_preview1";

    static final int ERRNO_SUCCESS = 0;
    static final int ERRNO_ACCES = 2;
    static final int ERRNO_BADF = 8;
    static final int ERRNO_DQUOT = 19;
    static final int ERRNO_EXIST = 20;
    static final int ERRNO_FAULT = 21;
    static final int ERRNO_INVAL = 28;
    static final int ERRNO_IO = 29;
    static final int ERRNO_ISDIR = 31;
    static final int ERRNO_NAMETOOLONG = 37;
    static final int ERRNO_NFILE = 41;
    static final int ERRNO_NOENT = 44;
    static final int ERRNO_NOSYS = 52;
    static final int ERRNO_NOTDIR = 54;
    static final int ERRNO_NOTEMPTY = 55;
    static final int ERRNO_SPIPE = 70;
    static final int ERRNO_NOTCAPABLE = 76;
    static final int ERRNO_INTR = 27;
    static final int ERRNO_LOOP = 32;
    static final int ERRNO_NOTSOCK = 57;
    static final int ERRNO_PERM = 63;
    static final int ERRNO_XDEV = 75;

    static final int FILETYPE_CHARACTER_DEVICE = 2;
    static final int FILETYPE_DIRECTORY = 3;
    static final int FILETYPE_REGULAR_FILE = 4;
    static final int FILETYPE_SYMBOLIC_LINK = 7;

    static final int OFLAGS_CREAT = 1;
    static final int OFLAGS_DIRECTORY = 2;
    static final int OFLAGS_EXCL = 4;
    static final int OFLAGS_TRUNC = 8;
    static final int FDFLAGS_APPEND = 1;
    static final int FDFLAGS_DSYNC = 2;
    static final int FDFLAGS_RSYNC = 8;
    static final int FDFLAGS_SYNC = 16;
    static final int LOOKUPFLAGS_SYMLINK_FOLLOW = 1;

    /** Upper bound for one host read or write buffer, so a guest cannot make the host allocate its whole heap. */
    static final int MAX_IO = 1 << 20;
    static final int MAX_DIR_ENTRIES = 65_536;

    private static final ValType I32 = ValType.I32;
    private static final ValType I64 = ValType.I64;

    private final Session session;
    private final FileGuard files;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, HostFunction> functions = new LinkedHashMap<>();

    Wasi(Session session, FileGuard files) {
        this.session = session;
        this.files = files;
        define();
    }

    /**
     * The host function for an import of this module, or a stub answering ENOSYS when it is not implemented;
     * null when the import's signature is not the one WASI defines (the module is then refused).
     */
    HostFunction resolve(String name, FunctionType type) {
        HostFunction f = functions.get(name);
        if (f != null) {
            return f.functionType().typesMatch(type) ? f : null;
        }
        if (type.returns().size() == 1 && type.returns().get(0).equals(I32)) {
            return new HostFunction(MODULE, name, type, (inst, args) -> new long[] {ERRNO_NOSYS});
        }
        return null;
    }

    private void fn(String name, List<ValType> params, List<ValType> results, WasmFunctionHandle h) {
        functions.put(name, new HostFunction(MODULE, name, FunctionType.of(params, results), h));
    }

    private interface Errno {
        int call(Memory mem, long[] a) throws FileGuard.Denied, IOException;
    }

    private void errnoFn(String name, List<ValType> params, String op, Errno body) {
        fn(name, params, List.of(I32), (inst, a) -> new long[] {guarded(op, inst.memory(), a, body)});
    }

    private int guarded(String op, Memory mem, long[] a, Errno body) {
        try {
            return body.call(mem, a);
        } catch (FileGuard.Denied d) {
            if (d.policy) {
                session.audit("fs.deny", Map.of("op", op, "path", lastPath, "reason", d.getMessage(), "errno", d.errno));
            }
            return d.errno;
        } catch (NoSuchFileException e) {
            return ERRNO_NOENT;
        } catch (FileAlreadyExistsException e) {
            return ERRNO_EXIST;
        } catch (DirectoryNotEmptyException e) {
            return ERRNO_NOTEMPTY;
        } catch (NotDirectoryException e) {
            return ERRNO_NOTDIR;
        } catch (java.nio.file.FileSystemException e) {
            return errno(e.getReason());
        } catch (IOException e) {
            return ERRNO_IO;
        }
    }

    /** The errno for a host error the JDK reports only by its strerror text. */
    private static int errno(String reason) {
        if (reason == null) {
            return ERRNO_IO;
        }
        if (reason.contains("symbolic link")) {
            return ERRNO_LOOP;
        }
        if (reason.contains("Not a directory")) {
            return ERRNO_NOTDIR;
        }
        if (reason.contains("Is a directory")) {
            return ERRNO_ISDIR;
        }
        if (reason.contains("not empty")) {
            return ERRNO_NOTEMPTY;
        }
        if (reason.contains("File exists")) {
            return ERRNO_EXIST;
        }
        if (reason.contains("Invalid argument") || reason.contains("Device or resource busy")) {
            return ERRNO_INVAL;
        }
        if (reason.contains("Permission denied")) {
            return ERRNO_ACCES;
        }
        if (reason.contains("Operation not permitted")) {
            return ERRNO_PERM;
        }
        if (reason.contains("too long")) {
            return ERRNO_NAMETOOLONG;
        }
        if (reason.contains("cross-device")) {
            return ERRNO_XDEV;
        }
        return ERRNO_IO;
    }

    /** The guest path of the call being guarded, for denial records. */
    private String lastPath = "";

    private String path(Memory mem, long ptr, long len) throws FileGuard.Denied {
        if (len < 0 || len > FileGuard.MAX_PATH) {
            throw new FileGuard.Denied(ERRNO_NAMETOOLONG, "path too long", false);
        }
        String p = new String(mem.readBytes((int) ptr, (int) len), StandardCharsets.UTF_8);
        lastPath = FileGuard.clip(p);
        return p;
    }

    private static int u32(long v) {
        return (int) v;
    }

    private static void checkLen(long len) throws FileGuard.Denied {
        if ((len & 0xFFFFFFFFL) > MAX_IO) {
            throw new FileGuard.Denied(ERRNO_INVAL, "buffer too large", false);
        }
    }

    private void define() {
        fn("proc_exit", List.of(I32), List.of(), (inst, a) -> {
            throw new ProcExit(u32(a[0]));
        });
        errnoFn("sched_yield", List.of(), "sched_yield", (m, a) -> ERRNO_SUCCESS);
        errnoFn("args_sizes_get", List.of(I32, I32), "args", (m, a) -> {
            List<byte[]> args = argv();
            m.writeI32(u32(a[0]), args.size());
            m.writeI32(u32(a[1]), args.stream().mapToInt(b -> b.length + 1).sum());
            return ERRNO_SUCCESS;
        });
        errnoFn("args_get", List.of(I32, I32), "args", (m, a) -> writeStrings(m, a, argv()));
        // Only the variables the manifest declares and the runner gave; secrets go through carapace.secret_get.
        errnoFn("environ_sizes_get", List.of(I32, I32), "environ", (m, a) -> {
            List<byte[]> env = environ();
            m.writeI32(u32(a[0]), env.size());
            m.writeI32(u32(a[1]), env.stream().mapToInt(b -> b.length + 1).sum());
            return ERRNO_SUCCESS;
        });
        errnoFn("environ_get", List.of(I32, I32), "environ", (m, a) -> writeStrings(m, a, environ()));
        errnoFn("clock_res_get", List.of(I32, I32), "clock", (m, a) -> {
            if (a[0] < 0 || a[0] > 3) {
                return ERRNO_INVAL;
            }
            m.writeLong(u32(a[1]), 1_000L);
            return ERRNO_SUCCESS;
        });
        errnoFn("clock_time_get", List.of(I32, I64, I32), "clock", (m, a) -> {
            long t = switch ((int) a[0]) {
                case 0 -> System.currentTimeMillis() * 1_000_000L;
                case 1 -> System.nanoTime();
                case 2, 3 -> ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                default -> -1;
            };
            if (t < 0) {
                return ERRNO_INVAL;
            }
            m.writeLong(u32(a[2]), t);
            return ERRNO_SUCCESS;
        });
        errnoFn("random_get", List.of(I32, I32), "random", (m, a) -> {
            checkLen(a[1]);
            byte[] b = new byte[u32(a[1])];
            random.nextBytes(b);
            m.write(u32(a[0]), b);
            return ERRNO_SUCCESS;
        });

        errnoFn("fd_write", List.of(I32, I32, I32, I32), "fd_write", (m, a) -> fdWrite(m, a, -1));
        errnoFn("fd_pwrite", List.of(I32, I32, I32, I64, I32), "fd_pwrite", (m, a) -> {
            if (a[3] < 0) {
                return ERRNO_INVAL;
            }
            return fdWrite(m, new long[] {a[0], a[1], a[2], a[4]}, a[3]);
        });
        errnoFn("fd_read", List.of(I32, I32, I32, I32), "fd_read", (m, a) -> fdRead(m, a, -1));
        errnoFn("fd_pread", List.of(I32, I32, I32, I64, I32), "fd_pread", (m, a) -> {
            if (a[3] < 0) {
                return ERRNO_INVAL;
            }
            return fdRead(m, new long[] {a[0], a[1], a[2], a[4]}, a[3]);
        });
        errnoFn("fd_close", List.of(I32), "fd_close", (m, a) -> {
            int fd = u32(a[0]);
            FileGuard.Handle h = files.handle(fd);
            if (h == null) {
                return ERRNO_BADF;
            }
            files.close(fd, h);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_renumber", List.of(I32, I32), "fd_renumber", (m, a) -> {
            files.renumber(u32(a[0]), u32(a[1]));
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_seek", List.of(I32, I64, I32, I32), "fd_seek", (m, a) -> {
            FileGuard.Handle h = file(u32(a[0]));
            long base = switch ((int) a[2]) {
                case 0 -> 0;
                case 1 -> h.channel.position();
                case 2 -> h.channel.size();
                default -> -1;
            };
            if (base < 0 || base + a[1] < 0) {
                return ERRNO_INVAL;
            }
            h.channel.position(base + a[1]);
            m.writeLong(u32(a[3]), base + a[1]);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_tell", List.of(I32, I32), "fd_tell", (m, a) -> {
            FileGuard.Handle h = file(u32(a[0]));
            m.writeLong(u32(a[1]), h.channel.position());
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_sync", List.of(I32), "fd_sync", (m, a) -> sync(u32(a[0]), true));
        errnoFn("fd_datasync", List.of(I32), "fd_datasync", (m, a) -> sync(u32(a[0]), false));
        errnoFn("fd_advise", List.of(I32, I64, I64, I32), "fd_advise", (m, a) -> {
            FileGuard.Handle h = file(u32(a[0]));
            if (a[3] < 0 || a[3] > 5 || a[1] < 0 || a[2] < 0) {
                return ERRNO_INVAL;
            }
            FileGuard.require(h, Rights.FD_ADVISE);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_allocate", List.of(I32, I64, I64), "fd_allocate", (m, a) -> {
            FileGuard.Handle h = file(u32(a[0]));
            FileGuard.require(h, Rights.FD_ALLOCATE);
            if (a[1] < 0 || a[2] <= 0 || a[1] + a[2] < 0) {
                return ERRNO_INVAL;
            }
            if (!h.writable) {
                return ERRNO_BADF;
            }
            growTo(h, a[1] + a[2]);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_filestat_set_size", List.of(I32, I64), "fd_filestat_set_size", (m, a) -> {
            FileGuard.Handle h = file(u32(a[0]));
            FileGuard.require(h, Rights.FD_FILESTAT_SET_SIZE);
            if (a[1] < 0) {
                return ERRNO_INVAL;
            }
            if (!h.writable) {
                return ERRNO_BADF;
            }
            if (a[1] < h.channel.size()) {
                h.channel.truncate(a[1]);
            } else {
                growTo(h, a[1]);
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_filestat_set_times", List.of(I32, I64, I64, I32), "fd_filestat_set_times", (m, a) -> {
            FileGuard.Handle h = open(u32(a[0]));
            FileGuard.require(h, Rights.FD_FILESTAT_SET_TIMES);
            FileGuard.requireWritable(h.mount);
            setTimes(h.self(), a[1], a[2], u32(a[3]), true);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_fdstat_get", List.of(I32, I32), "fd_fdstat_get", (m, a) -> {
            int fd = u32(a[0]);
            int type;
            long base;
            long inheriting = 0;
            int flags = 0;
            FileGuard.Handle h = open(fd);
            if (h.stdio >= 0) {
                type = FILETYPE_CHARACTER_DEVICE;
            } else {
                type = h.directory() ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE;
                flags = (h.append ? FDFLAGS_APPEND : 0) | (h.sync ? FDFLAGS_SYNC : 0);
            }
            base = h.rightsBase;
            inheriting = h.rightsInheriting;
            int p = u32(a[1]);
            m.fill((byte) 0, p, p + 24);
            m.writeByte(p, (byte) type);
            m.writeShort(p + 2, (short) flags);
            m.writeLong(p + 8, base);
            m.writeLong(p + 16, inheriting);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_fdstat_set_flags", List.of(I32, I32), "fd_fdstat_set_flags", (m, a) -> {
            FileGuard.Handle h = open(u32(a[0]));
            FileGuard.require(h, Rights.FD_FDSTAT_SET_FLAGS);
            int flags = u32(a[1]);
            if ((flags & ~0x1F) != 0) {
                return ERRNO_INVAL;
            }
            if (!h.directory()) {
                h.append = (flags & FDFLAGS_APPEND) != 0;
                h.sync = (flags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC)) != 0;
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_fdstat_set_rights", List.of(I32, I64, I64), "fd_fdstat_set_rights", (m, a) -> {
            FileGuard.Handle h = open(u32(a[0]));
            // Rights can only be dropped.
            if ((a[1] & ~h.rightsBase) != 0 || (a[2] & ~h.rightsInheriting) != 0) {
                return ERRNO_NOTCAPABLE;
            }
            h.rightsBase = a[1];
            h.rightsInheriting = a[2];
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_prestat_get", List.of(I32, I32), "fd_prestat_get", (m, a) -> {
            FileGuard.Handle h = files.handle(u32(a[0]));
            if (h == null || !h.preopen) {
                return ERRNO_BADF;
            }
            int p = u32(a[1]);
            m.writeI32(p, 0);
            m.writeI32(p + 4, h.mount.guest().getBytes(StandardCharsets.UTF_8).length);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_prestat_dir_name", List.of(I32, I32, I32), "fd_prestat_dir_name", (m, a) -> {
            FileGuard.Handle h = files.handle(u32(a[0]));
            if (h == null || !h.preopen) {
                return ERRNO_BADF;
            }
            byte[] name = h.mount.guest().getBytes(StandardCharsets.UTF_8);
            if (u32(a[2]) < name.length) {
                return ERRNO_NAMETOOLONG;
            }
            m.write(u32(a[1]), name);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_filestat_get", List.of(I32, I32), "fd_filestat_get", (m, a) -> {
            int fd = u32(a[0]);
            FileGuard.Handle h = open(fd);
            if (h.stdio >= 0) {
                int p = u32(a[1]);
                m.fill((byte) 0, p, p + 64);
                m.writeByte(p + 16, (byte) FILETYPE_CHARACTER_DEVICE);
                m.writeLong(p + 24, 1);
                return ERRNO_SUCCESS;
            }
            FileGuard.require(h, Rights.FD_FILESTAT_GET);
            writeFilestat(m, u32(a[1]), h.self(), true);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_readdir", List.of(I32, I32, I32, I64, I32), "fd_readdir", this::fdReaddir);

        errnoFn("path_open", List.of(I32, I32, I32, I32, I32, I64, I64, I32, I32), "path_open", this::pathOpen);
        errnoFn("path_filestat_get", List.of(I32, I32, I32, I32, I32), "path_filestat_get", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_FILESTAT_GET);
            try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[2], a[3]), follow(a[1]))) {
                existing(r);
                // Only the descriptor link itself is followed (for a path naming the directory); never a guest symlink.
                writeFilestat(m, u32(a[4]), r.at(), r.name == null);
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_filestat_set_times", List.of(I32, I32, I32, I32, I64, I64, I32), "path_filestat_set_times",
                (m, a) -> {
                    FileGuard.require(files.directory(u32(a[0])), Rights.PATH_FILESTAT_SET_TIMES);
                    try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[2], a[3]), follow(a[1]))) {
                        FileGuard.requireWritable(r.mount);
                        existing(r);
                        setTimes(r.at(), a[4], a[5], u32(a[6]), r.name == null);
                    }
                    return ERRNO_SUCCESS;
                });
        errnoFn("path_create_directory", List.of(I32, I32, I32), "path_create_directory", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_CREATE_DIRECTORY);
            try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[1], a[2]), false)) {
                FileGuard.requireWritable(r.mount);
                FileGuard.requireEntry(r);
                if (r.exists()) {
                    return ERRNO_EXIST;
                }
                Files.createDirectory(r.at());
                session.audit("fs.mkdir", Map.of("path", r.guestPath));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_unlink_file", List.of(I32, I32, I32), "path_unlink_file", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_UNLINK_FILE);
            try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[1], a[2]), false)) {
                FileGuard.requireWritable(r.mount);
                FileGuard.requireEntry(r);
                existing(r);
                if (r.attrs.isDirectory()) {
                    return ERRNO_ISDIR;
                }
                if (r.trailingSlash) {
                    return ERRNO_NOTDIR;
                }
                r.parent.stream.deleteFile(Path.of(r.name));
                session.audit("fs.unlink", Map.of("path", r.guestPath));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_remove_directory", List.of(I32, I32, I32), "path_remove_directory", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_REMOVE_DIRECTORY);
            try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[1], a[2]), false)) {
                FileGuard.requireWritable(r.mount);
                FileGuard.requireEntry(r);
                existing(r);
                if (!r.attrs.isDirectory()) {
                    return ERRNO_NOTDIR;
                }
                r.parent.stream.deleteDirectory(Path.of(r.name));
                session.audit("fs.rmdir", Map.of("path", r.guestPath));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_rename", List.of(I32, I32, I32, I32, I32, I32), "path_rename", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_RENAME_SOURCE);
            FileGuard.require(files.directory(u32(a[3])), Rights.PATH_RENAME_TARGET);
            String fromText = path(m, a[1], a[2]);
            String toText = path(m, a[4], a[5]);
            lastPath = FileGuard.clip(fromText) + " -> " + FileGuard.clip(toText);
            try (FileGuard.Resolved from = files.resolve(u32(a[0]), fromText, false);
                    FileGuard.Resolved to = files.resolve(u32(a[3]), toText, false)) {
                FileGuard.requireWritable(from.mount);
                FileGuard.requireWritable(to.mount);
                FileGuard.requireEntry(from);
                FileGuard.requireEntry(to);
                existing(from);
                if (from.mount != to.mount) {
                    return ERRNO_XDEV;
                }
                if (!from.attrs.isDirectory() && (from.trailingSlash || to.trailingSlash)) {
                    return ERRNO_NOTDIR;
                }
                if (to.attrs != null && to.attrs.isDirectory() && !from.attrs.isDirectory()) {
                    return ERRNO_ISDIR;
                }
                if (to.attrs != null && !to.attrs.isDirectory() && from.attrs.isDirectory()) {
                    return ERRNO_NOTDIR;
                }
                from.parent.stream.move(Path.of(from.name), to.parent.stream, Path.of(to.name));
                session.audit("fs.rename", Map.of("from", from.guestPath, "to", to.guestPath));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_readlink", List.of(I32, I32, I32, I32, I32, I32), "path_readlink", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_READLINK);
            try (FileGuard.Resolved r = files.resolve(u32(a[0]), path(m, a[1], a[2]), false)) {
                existing(r);
                if (!r.attrs.isSymbolicLink()) {
                    return ERRNO_INVAL;
                }
                String text = Files.readSymbolicLink(r.at()).toString();
                // The link text could name host paths: only shown when it stays inside the grant.
                if (text.startsWith("/") || escapes(text, r.depth)) {
                    throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "symlink leads outside the grant", true);
                }
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                int n = Math.min(b.length, u32(a[4]));
                m.write(u32(a[3]), b, 0, n);
                m.writeI32(u32(a[5]), n);
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_symlink", List.of(I32, I32, I32, I32, I32), "path_symlink", (m, a) -> {
            String target = path(m, a[0], a[1]);
            FileGuard.require(files.directory(u32(a[2])), Rights.PATH_SYMLINK);
            String linkText = path(m, a[3], a[4]);
            lastPath = FileGuard.clip(linkText) + " -> " + FileGuard.clip(target);
            try (FileGuard.Resolved r = files.resolve(u32(a[2]), linkText, false)) {
                FileGuard.requireWritable(r.mount);
                FileGuard.requireEntry(r);
                if (r.exists()) {
                    return ERRNO_EXIST;
                }
                if (r.trailingSlash) {
                    return ERRNO_NOENT;
                }
                if (target.isEmpty()) {
                    return ERRNO_NOENT;
                }
                // Only links whose target stays beneath the directory the path started from (so inside the grant).
                if (target.startsWith("/") || escapes(target, r.depth)) {
                    throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "symlink target leads outside the grant", true);
                }
                // The target is stored on disk (a block per long link): it counts against the write quota.
                if (!charge(r.guestPath, target.getBytes(StandardCharsets.UTF_8).length)) {
                    return ERRNO_DQUOT;
                }
                Files.createSymbolicLink(r.at(), Path.of(target));
                session.audit("fs.symlink", Map.of("path", r.guestPath, "target", target));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("path_link", List.of(I32, I32, I32, I32, I32, I32, I32), "path_link", (m, a) -> {
            FileGuard.require(files.directory(u32(a[0])), Rights.PATH_LINK_SOURCE);
            FileGuard.require(files.directory(u32(a[4])), Rights.PATH_LINK_TARGET);
            String fromText = path(m, a[2], a[3]);
            String toText = path(m, a[5], a[6]);
            lastPath = FileGuard.clip(fromText) + " -> " + FileGuard.clip(toText);
            try (FileGuard.Resolved from = files.resolve(u32(a[0]), fromText, follow(a[1]));
                    FileGuard.Resolved to = files.resolve(u32(a[4]), toText, false)) {
                FileGuard.requireWritable(to.mount);
                FileGuard.requireEntry(from);
                FileGuard.requireEntry(to);
                existing(from);
                if (from.mount != to.mount) {
                    throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "hard link across grants", true);
                }
                if (from.attrs.isDirectory()) {
                    return ERRNO_PERM;
                }
                if (to.exists()) {
                    return ERRNO_EXIST;
                }
                if (from.trailingSlash) {
                    return ERRNO_NOTDIR;
                }
                if (to.trailingSlash) {
                    return ERRNO_NOENT;
                }
                if (from.attrs.isSymbolicLink()) {
                    // A new name for a symlink is a symlink: its target must stay beneath the new directory too.
                    String target = Files.readSymbolicLink(from.at()).toString();
                    if (target.startsWith("/") || escapes(target, to.depth)) {
                        throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "symlink target leads outside the grant", true);
                    }
                }
                Files.createLink(to.at(), from.at());
                session.audit("fs.link", Map.of("from", from.guestPath, "to", to.guestPath));
            }
            return ERRNO_SUCCESS;
        });
        errnoFn("poll_oneoff", List.of(I32, I32, I32, I32), "poll_oneoff", this::pollOneoff);
        // No sockets are ever offered: every descriptor is either unknown or not a socket.
        for (String sock : List.of("sock_accept", "sock_recv", "sock_send", "sock_shutdown")) {
            List<ValType> params = switch (sock) {
                case "sock_accept" -> List.of(I32, I32, I32);
                case "sock_recv" -> List.of(I32, I32, I32, I32, I32, I32);
                case "sock_send" -> List.of(I32, I32, I32, I32, I32);
                default -> List.of(I32, I32);
            };
            errnoFn(sock, params, sock, (m, a) -> {
                int fd = u32(a[0]);
                return files.handle(fd) != null ? ERRNO_NOTSOCK : ERRNO_BADF;
            });
        }
    }

    /** args_get / environ_get: a pointer per string at a[0], the NUL-terminated strings at a[1]. */
    private static int writeStrings(Memory m, long[] a, List<byte[]> strings) {
        int ptrs = u32(a[0]);
        int buf = u32(a[1]);
        for (byte[] b : strings) {
            m.writeI32(ptrs, buf);
            ptrs += 4;
            m.write(buf, b);
            m.writeByte(buf + b.length, (byte) 0);
            buf += b.length + 1;
        }
        return ERRNO_SUCCESS;
    }

    private List<byte[]> environ() {
        List<byte[]> out = new ArrayList<>();
        session.env.forEach((k, v) -> out.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    private List<byte[]> argv() {
        List<byte[]> out = new ArrayList<>();
        out.add(session.manifest.name().getBytes(StandardCharsets.UTF_8));
        session.args.forEach(s -> out.add(s.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    private static boolean follow(long lookupFlags) {
        return (lookupFlags & LOOKUPFLAGS_SYMLINK_FOLLOW) != 0;
    }

    /**
     * Whether a relative symlink target, in a directory {@code depth} levels below the starting directory handle,
     * climbs above that handle.
     */
    private static boolean escapes(String target, int depth) {
        for (String s : target.split("/")) {
            if (s.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else if (!s.isEmpty() && !s.equals(".")) {
                depth++;
            }
        }
        return false;
    }

    private static void existing(FileGuard.Resolved r) throws FileGuard.Denied {
        if (!r.exists()) {
            throw new FileGuard.Denied(ERRNO_NOENT, "no such file", false);
        }
        if (r.trailingSlash && r.name != null && !r.attrs.isDirectory() && !r.attrs.isSymbolicLink()) {
            throw new FileGuard.Denied(ERRNO_NOTDIR, "not a directory", false);
        }
    }

    private FileGuard.Handle open(int fd) throws FileGuard.Denied {
        FileGuard.Handle h = files.handle(fd);
        if (h == null) {
            throw new FileGuard.Denied(ERRNO_BADF, "bad descriptor", false);
        }
        return h;
    }

    private FileGuard.Handle file(int fd) throws FileGuard.Denied {
        FileGuard.Handle h = files.handle(fd);
        if (h == null) {
            throw new FileGuard.Denied(ERRNO_BADF, "bad descriptor", false);
        }
        if (h.stdio >= 0) {
            throw new FileGuard.Denied(ERRNO_SPIPE, "not a file", false);
        }
        if (h.directory()) {
            throw new FileGuard.Denied(ERRNO_ISDIR, "is a directory", false);
        }
        return h;
    }

    private int sync(int fd, boolean metadata) throws FileGuard.Denied, IOException {
        FileGuard.Handle h = open(fd);
        FileGuard.require(h, metadata ? Rights.FD_SYNC : Rights.FD_DATASYNC | Rights.FD_SYNC);
        if (h.channel != null) {
            h.channel.force(metadata);
        }
        return ERRNO_SUCCESS;
    }

    /**
     * Charges {@code cost} bytes, written to the object at guest path {@code path}, to the run's write quota; false
     * (and one audit record) when it is spent.
     */
    private boolean charge(String path, long cost) {
        long quota = session.manifest.limits().fsWriteBytes();
        // A cost that wrapped (a write at offset 2^63-1 adds a hole that large) is negative: refused, never credited.
        // Compared as what is left of the quota, so the sum cannot wrap either.
        if (cost < 0 || cost > quota - session.fsBytesWritten) {
            if (!session.fsQuotaAudited) {
                session.fsQuotaAudited = true;
                session.audit("limit", Map.of("limit", "fsWriteBytes", "value", quota, "path", path));
            }
            return false;
        }
        session.fsBytesWritten += cost;
        return true;
    }

    /** Extends a file to {@code size} bytes (a hole, charged to the quota as if written). */
    private void growTo(FileGuard.Handle h, long size) throws FileGuard.Denied, IOException {
        long old = h.channel.size();
        if (size <= old) {
            return;
        }
        if (!charge(h.guestPath(), size - old)) {
            throw new FileGuard.Denied(ERRNO_DQUOT, "write quota", false);
        }
        h.channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
    }

    /** fd_write, or fd_pwrite at {@code offset} (>= 0) without moving the file position. */
    private int fdWrite(Memory m, long[] a, long offset) throws FileGuard.Denied, IOException {
        int fd = u32(a[0]);
        byte[] data = gather(m, u32(a[1]), u32(a[2]));
        FileGuard.Handle std = files.handle(fd);
        if (std != null && std.stdio >= 0) {
            if (std.stdio == 0) {
                return ERRNO_BADF;
            }
            if (offset >= 0) {
                return ERRNO_SPIPE;
            }
            (std.stdio == 1 ? session.stdout : session.stderr).write(data, session.audit);
            m.writeI32(u32(a[3]), data.length);
            return ERRNO_SUCCESS;
        }
        FileGuard.Handle h = file(fd);
        if ((h.rightsBase & Rights.FD_WRITE) == 0 || !h.writable) {
            return ERRNO_BADF;
        }
        // What the write adds to the disk: its bytes plus any hole left by seeking past the end.
        long size = h.channel.size();
        long at = offset >= 0 ? offset : h.append ? size : h.channel.position();
        long cost = data.length + Math.max(0, at - size);
        if (!charge(h.guestPath(), cost)) {
            return ERRNO_DQUOT;
        }
        int n;
        if (offset >= 0) {
            n = h.channel.write(ByteBuffer.wrap(data), at);
        } else if (h.append) {
            n = h.channel.write(ByteBuffer.wrap(data), at);
            h.channel.position(at + n);
        } else {
            n = h.channel.write(ByteBuffer.wrap(data));
        }
        if (h.sync) {
            h.channel.force(true);
        }
        h.bytesWritten += n;
        m.writeI32(u32(a[3]), n);
        return ERRNO_SUCCESS;
    }

    /** fd_read, or fd_pread at {@code offset} (>= 0) without moving the file position. */
    private int fdRead(Memory m, long[] a, long offset) throws FileGuard.Denied, IOException {
        int fd = u32(a[0]);
        int iovs = u32(a[1]);
        int count = u32(a[2]);
        FileGuard.Handle std = files.handle(fd);
        if (std != null && std.stdio >= 0) {
            if (std.stdio != 0) {
                return ERRNO_BADF;
            }
            if (offset >= 0) {
                return ERRNO_SPIPE;
            }
            m.writeI32(u32(a[3]), 0);
            return ERRNO_SUCCESS;
        }
        FileGuard.Handle h = file(fd);
        if ((h.rightsBase & Rights.FD_READ) == 0 || !h.readable) {
            return ERRNO_BADF;
        }
        checkIovCount(count);
        int total = 0;
        long at = offset;
        for (int i = 0; i < count; i++) {
            int buf = m.readInt(iovs + i * 8);
            int len = m.readInt(iovs + i * 8 + 4);
            checkLen(len);
            if (total + len > MAX_IO) {
                len = MAX_IO - total;
            }
            ByteBuffer bb = ByteBuffer.allocate(len);
            int n = offset >= 0 ? h.channel.read(bb, at) : h.channel.read(bb);
            if (n <= 0) {
                break;
            }
            m.write(buf, bb.array(), 0, n);
            total += n;
            at += n;
            if (n < len || total >= MAX_IO) {
                break;
            }
        }
        h.bytesRead += total;
        m.writeI32(u32(a[3]), total);
        return ERRNO_SUCCESS;
    }

    private static void checkIovCount(int count) throws FileGuard.Denied {
        if (count < 0 || count > 1024) {
            throw new FileGuard.Denied(ERRNO_INVAL, "too many iovecs", false);
        }
    }

    private static byte[] gather(Memory m, int iovs, int count) throws FileGuard.Denied {
        checkIovCount(count);
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += m.readInt(iovs + i * 8 + 4) & 0xFFFFFFFFL;
        }
        checkLen(total);
        ByteBuffer out = ByteBuffer.allocate((int) total);
        for (int i = 0; i < count; i++) {
            int buf = m.readInt(iovs + i * 8);
            int len = m.readInt(iovs + i * 8 + 4);
            out.put(m.readBytes(buf, len));
        }
        return out.array();
    }

    private int pathOpen(Memory m, long[] a) throws FileGuard.Denied, IOException {
        int dirFd = u32(a[0]);
        FileGuard.Handle dir = files.directory(dirFd);
        String p = path(m, a[2], a[3]);
        int oflags = u32(a[4]);
        long rights = a[5] & dir.rightsInheriting;
        long inheriting = a[6] & dir.rightsInheriting;
        int fdflags = u32(a[7]);
        boolean create = (oflags & OFLAGS_CREAT) != 0;
        boolean exclusive = (oflags & OFLAGS_EXCL) != 0;
        boolean trunc = (oflags & OFLAGS_TRUNC) != 0;
        boolean append = (fdflags & FDFLAGS_APPEND) != 0;
        boolean wantDir = (oflags & OFLAGS_DIRECTORY) != 0;
        boolean write = create || trunc || append || (a[5] & Rights.WRITE) != 0;
        boolean read = (a[5] & (Rights.FD_READ | Rights.FD_READDIR)) != 0 || !write;
        if ((oflags & ~0xF) != 0 || (fdflags & ~0x1F) != 0) {
            return ERRNO_INVAL;
        }
        FileGuard.require(dir, Rights.PATH_OPEN);
        if (create) {
            FileGuard.require(dir, Rights.PATH_CREATE_FILE);
        }
        if (trunc) {
            FileGuard.require(dir, Rights.PATH_FILESTAT_SET_SIZE);
        }
        try (FileGuard.Resolved r = files.resolve(dirFd, p, follow(a[1]))) {
            if (write) {
                FileGuard.requireWritable(r.mount);
            }
            if (r.exists() && create && exclusive) {
                return ERRNO_EXIST;
            }
            if (!r.exists() && !create) {
                return ERRNO_NOENT;
            }
            FileGuard.Handle h;
            if (r.isDirectory()) {
                if (write) {
                    return ERRNO_ISDIR;
                }
                FileGuard.Dir d = r.name == null ? r.parent.open(".") : r.parent.open(r.name);
                h = new FileGuard.Handle(r.mount, r.guestPath, d, null, false, true, false,
                        rights & Rights.DIRECTORY, inheriting);
            } else {
                if (r.attrs != null && r.attrs.isSymbolicLink()) {
                    // Reached only without lookupflags.symlink_follow: POSIX O_NOFOLLOW answers ELOOP.
                    return wantDir ? ERRNO_NOTDIR : ERRNO_LOOP;
                }
                if (wantDir) {
                    return r.exists() ? ERRNO_NOTDIR : ERRNO_NOENT;
                }
                if (r.trailingSlash) {
                    return r.exists() ? ERRNO_NOTDIR : ERRNO_ISDIR;
                }
                if (r.attrs != null && !r.attrs.isRegularFile()) {
                    // Devices, FIFOs and sockets inside a grant are not for skills (a FIFO would block the host).
                    throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "not a regular file", true);
                }
                Set<OpenOption> opts = new HashSet<>();
                opts.add(LinkOption.NOFOLLOW_LINKS);
                if (read) {
                    opts.add(StandardOpenOption.READ);
                }
                if (write) {
                    opts.add(StandardOpenOption.WRITE);
                }
                if (create) {
                    opts.add(exclusive ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
                }
                if (trunc) {
                    opts.add(StandardOpenOption.TRUNCATE_EXISTING);
                }
                FileChannel ch = (FileChannel) r.parent.stream.newByteChannel(Path.of(r.name), opts);
                try {
                    h = new FileGuard.Handle(r.mount, r.guestPath, null, ch, false, read, write,
                            rights & Rights.FILE, inheriting);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                h.append = append;
                h.sync = (fdflags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC)) != 0;
            }
            int fd;
            try {
                fd = files.add(h);
            } catch (FileGuard.Denied d) {
                if (h.channel != null) {
                    h.channel.close();
                }
                if (h.dir != null) {
                    h.dir.close();
                }
                throw d;
            }
            m.writeI32(u32(a[8]), fd);
            session.audit("fs.open", Map.of("fd", fd, "path", h.guestPath(), "access", write ? "write" : "read",
                    "directory", h.directory()));
        }
        return ERRNO_SUCCESS;
    }

    /**
     * Writes a filestat for {@code object} (a descriptor or an entry reached through one); {@code follow} says
     * whether the last step may follow a symlink (only the /proc descriptor link itself, never a guest symlink).
     */
    private static void writeFilestat(Memory m, int p, Path object, boolean follow) throws IOException {
        Map<String, Object> at = follow ? Files.readAttributes(object, UNIX_STAT)
                : Files.readAttributes(object, UNIX_STAT, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) at.get("mode");
        int type = switch (mode & 0xF000) {
            case 0x4000 -> FILETYPE_DIRECTORY;
            case 0x8000 -> FILETYPE_REGULAR_FILE;
            case 0xA000 -> FILETYPE_SYMBOLIC_LINK;
            case 0x2000 -> FILETYPE_CHARACTER_DEVICE;
            case 0x6000 -> 1; // block device
            case 0xC000 -> 6; // socket (stream)
            default -> 0;
        };
        m.fill((byte) 0, p, p + 64);
        m.writeLong(p, (Long) at.get("dev"));
        m.writeLong(p + 8, (Long) at.get("ino"));
        m.writeByte(p + 16, (byte) type);
        m.writeLong(p + 24, ((Integer) at.get("nlink")).longValue());
        m.writeLong(p + 32, (Long) at.get("size"));
        m.writeLong(p + 40, nanos((FileTime) at.get("lastAccessTime")));
        m.writeLong(p + 48, nanos((FileTime) at.get("lastModifiedTime")));
        m.writeLong(p + 56, nanos((FileTime) at.get("ctime")));
    }

    private static final String UNIX_STAT = "unix:mode,dev,ino,nlink,size,lastAccessTime,lastModifiedTime,ctime";

    private static long nanos(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** fd_filestat_set_times / path_filestat_set_times: fstflags ATIM=1, ATIM_NOW=2, MTIM=4, MTIM_NOW=8. */
    private static void setTimes(Path object, long atim, long mtim, int flags, boolean follow)
            throws FileGuard.Denied, IOException {
        if ((flags & ~0xF) != 0 || (flags & 3) == 3 || (flags & 12) == 12) {
            throw new FileGuard.Denied(ERRNO_INVAL, "bad fstflags", false);
        }
        FileTime now = FileTime.from(java.time.Instant.now());
        FileTime access = (flags & 2) != 0 ? now : (flags & 1) != 0 ? time(atim) : null;
        FileTime modified = (flags & 8) != 0 ? now : (flags & 4) != 0 ? time(mtim) : null;
        if (access == null && modified == null) {
            return;
        }
        BasicFileAttributeView v = follow ? Files.getFileAttributeView(object, BasicFileAttributeView.class)
                : Files.getFileAttributeView(object, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        v.setTimes(modified, access, null);
    }

    private static FileTime time(long nanos) {
        return FileTime.from(java.time.Instant.ofEpochSecond(Long.divideUnsigned(nanos, 1_000_000_000L),
                Long.remainderUnsigned(nanos, 1_000_000_000L)));
    }

    /** The descriptor whose listing is cached (fd_readdir continues from a cookie into it). */
    private FileGuard.Handle listed;

    private int fdReaddir(Memory m, long[] a) throws FileGuard.Denied, IOException {
        FileGuard.Handle h = files.directory(u32(a[0]));
        FileGuard.require(h, Rights.FD_READDIR);
        int buf = u32(a[1]);
        int bufLen = u32(a[2]);
        checkLen(bufLen);
        long cookie = a[3];
        if (cookie < 0) {
            return ERRNO_INVAL;
        }
        if (cookie == 0 || h.listing == null) {
            // One listing is kept at a time, so 128 descriptors cannot each pin 65,536 names on the host's heap.
            if (listed != null && listed != h) {
                listed.listing = null;
            }
            h.listing = list(h.dir);
            listed = h;
        }
        List<FileGuard.Entry> entries = h.listing;
        ByteBuffer out = ByteBuffer.allocate(bufLen).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = cookie; i < entries.size() && out.hasRemaining(); i++) {
            FileGuard.Entry e = entries.get((int) i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            ByteBuffer ent = ByteBuffer.allocate(24 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            ent.putLong(i + 1).putLong(e.ino()).putInt(name.length).put((byte) e.type()).put(new byte[3]).put(name);
            ent.flip();
            // A partly written last entry tells the guest to call again with a bigger buffer.
            int n = Math.min(ent.remaining(), out.remaining());
            out.put(ent.array(), 0, n);
        }
        m.write(buf, out.array(), 0, out.position());
        m.writeI32(u32(a[4]), out.position());
        return ERRNO_SUCCESS;
    }

    /** The entries of the open directory itself (read through a fresh descriptor for "."), "." and ".." first. */
    private static List<FileGuard.Entry> list(FileGuard.Dir dir) throws IOException {
        List<FileGuard.Entry> out = new ArrayList<>();
        out.add(entry(dir, "."));
        out.add(entry(dir, ".."));
        List<String> names = new ArrayList<>();
        try (FileGuard.Dir again = dir.open(".")) {
            for (Path p : again.stream) {
                names.add(p.getFileName().toString());
                if (names.size() >= MAX_DIR_ENTRIES) {
                    break;
                }
            }
        }
        Collections.sort(names);
        for (String n : names) {
            FileGuard.Entry e = entry(dir, n);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private static FileGuard.Entry entry(FileGuard.Dir dir, String name) throws IOException {
        BasicFileAttributes at = dir.lstat(name);
        if (at == null) {
            return null; // removed since it was listed
        }
        int type = at.isSymbolicLink() ? FILETYPE_SYMBOLIC_LINK : at.isDirectory() ? FILETYPE_DIRECTORY
                : at.isRegularFile() ? FILETYPE_REGULAR_FILE : 0;
        return new FileGuard.Entry(name, inode(at.fileKey()), type);
    }

    /** The inode number in a Unix file key, which prints as "(dev=HEX,ino=DECIMAL)". */
    private static long inode(Object fileKey) {
        if (fileKey == null) {
            return 0;
        }
        String k = fileKey.toString();
        int i = k.indexOf("ino=");
        if (i < 0) {
            return 0;
        }
        int end = i + 4;
        while (end < k.length() && Character.isDigit(k.charAt(end))) {
            end++;
        }
        return end > i + 4 ? Long.parseLong(k.substring(i + 4, end)) : 0;
    }

    /**
     * poll_oneoff: descriptor subscriptions are ready at once (files never block; stdin is empty); clock
     * subscriptions sleep until the earliest one, bounded by the run's wall budget.
     */
    private int pollOneoff(Memory m, long[] a) throws FileGuard.Denied {
        int in = u32(a[0]);
        int out = u32(a[1]);
        int n = u32(a[2]);
        if (n <= 0 || n > 4096) {
            return ERRNO_INVAL;
        }
        long now = System.nanoTime();
        long wake = Long.MAX_VALUE;
        List<Integer> clocks = new ArrayList<>();
        long[] deadline = new long[n];
        int events = 0;
        for (int i = 0; i < n; i++) {
            int s = in + i * 48;
            long userdata = m.readLong(s);
            int tag = m.read(s + 8) & 0xFF;
            if (tag == 0) {
                int clock = m.readInt(s + 16);
                long timeout = m.readLong(s + 24);
                int flags = m.readShort(s + 40) & 0xFFFF;
                if (clock < 0 || clock > 3) {
                    writeEvent(m, out + events++ * 32, userdata, ERRNO_INVAL, 0, 0);
                    continue;
                }
                long rel = timeout;
                if ((flags & 1) != 0) {
                    long current = clock == 0 ? System.currentTimeMillis() * 1_000_000L : System.nanoTime();
                    rel = timeout - current;
                }
                deadline[i] = now + Math.max(0, rel);
                wake = Math.min(wake, deadline[i]);
                clocks.add(i);
            } else if (tag == 1 || tag == 2) {
                int fd = m.readInt(s + 16);
                FileGuard.Handle h = files.handle(fd);
                int error = ERRNO_SUCCESS;
                long nbytes = 0;
                if (h == null || h.directory()) {
                    error = ERRNO_BADF;
                } else if (h.channel != null && tag == 1) {
                    try {
                        nbytes = Math.max(0, h.channel.size() - h.channel.position());
                    } catch (IOException e) {
                        error = ERRNO_IO;
                    }
                }
                writeEvent(m, out + events++ * 32, userdata, error, tag, nbytes);
            } else {
                return ERRNO_INVAL;
            }
        }
        if (events == 0 && !clocks.isEmpty()) {
            long sleep = wake - System.nanoTime();
            long budget = session.remainingMillis() * 1_000_000L;
            if (sleep > budget) {
                // The run would be stopped before the clock fires: stop it now, as the watchdog would.
                throw new ViolationException(SandboxViolation.limit("wallMs", session.manifest.limits().wallMs()));
            }
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ERRNO_INTR;
                }
            }
            long t = System.nanoTime();
            for (int i : clocks) {
                if (deadline[i] <= t) {
                    writeEvent(m, out + events++ * 32, m.readLong(in + i * 48), ERRNO_SUCCESS, 0, 0);
                }
            }
        }
        m.writeI32(u32(a[3]), events);
        return ERRNO_SUCCESS;
    }

    private static void writeEvent(Memory m, int p, long userdata, int error, int type, long nbytes) {
        m.fill((byte) 0, p, p + 32);
        m.writeLong(p, userdata);
        m.writeShort(p + 8, (short) error);
        m.writeByte(p + 10, (byte) type);
        m.writeLong(p + 16, nbytes);
    }
}
