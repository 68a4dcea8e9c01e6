package dev.carapace.sandbox;

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
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
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
 * The subset of wasi_snapshot_preview1 a skill gets, implemented here rather than by wrapping the runtime's WASI so
 * that every path call goes through {@link FileGuard}. Functions not implemented exist as stubs returning ENOSYS, so
 * modules link but get nothing. No environment variables, no sockets, stdin is empty.
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

    static final int FILETYPE_CHARACTER_DEVICE = 2;
    static final int FILETYPE_DIRECTORY = 3;
    static final int FILETYPE_REGULAR_FILE = 4;
    static final int FILETYPE_SYMBOLIC_LINK = 7;

    static final int OFLAGS_CREAT = 1;
    static final int OFLAGS_DIRECTORY = 2;
    static final int OFLAGS_EXCL = 4;
    static final int OFLAGS_TRUNC = 8;
    static final int FDFLAGS_APPEND = 1;

    static final long RIGHT_FD_READ = 1L << 1;
    static final long RIGHT_FD_WRITE = 1L << 6;
    static final long RIGHT_FD_ALLOCATE = 1L << 8;
    static final long RIGHT_FD_FILESTAT_SET_SIZE = 1L << 22;
    static final long RIGHTS_WRITE = RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE;
    static final long RIGHTS_ALL = (1L << 29) - 1;

    /** Upper bound for one host read or write buffer, so a guest cannot make the host allocate its whole heap. */
    static final int MAX_IO = 1 << 20;
    static final int MAX_DIR_ENTRIES = 10_000;

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
        } catch (IOException e) {
            return ERRNO_IO;
        }
    }

    /** The guest path of the call being guarded, for denial records. */
    private String lastPath = "";

    private String path(Memory mem, long ptr, long len) throws FileGuard.Denied {
        if (len < 0 || len > FileGuard.MAX_PATH) {
            throw new FileGuard.Denied(ERRNO_NAMETOOLONG, "path too long", false);
        }
        String p = new String(mem.readBytes((int) ptr, (int) len), StandardCharsets.UTF_8);
        lastPath = p.length() > 256 ? p.substring(0, 256) + "..." : p;
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

        errnoFn("fd_write", List.of(I32, I32, I32, I32), "fd_write", this::fdWrite);
        errnoFn("fd_read", List.of(I32, I32, I32, I32), "fd_read", this::fdRead);
        errnoFn("fd_close", List.of(I32), "fd_close", (m, a) -> {
            int fd = u32(a[0]);
            FileGuard.Handle h = files.handle(fd);
            if (h == null) {
                return fd >= 0 && fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF;
            }
            if (h.preopen) {
                return ERRNO_NOTCAPABLE;
            }
            files.close(fd, h);
            listings.remove(fd); // the number may come back for another directory
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
        errnoFn("fd_sync", List.of(I32), "fd_sync", (m, a) -> {
            file(u32(a[0]));
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_datasync", List.of(I32), "fd_datasync", (m, a) -> {
            file(u32(a[0]));
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_fdstat_get", List.of(I32, I32), "fd_fdstat_get", (m, a) -> {
            int fd = u32(a[0]);
            int type;
            long rights;
            int flags = 0;
            if (fd >= 0 && fd <= 2 && files.handle(fd) == null) {
                type = FILETYPE_CHARACTER_DEVICE;
                rights = fd == 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE;
            } else {
                FileGuard.Handle h = files.handle(fd);
                if (h == null) {
                    return ERRNO_BADF;
                }
                type = h.directory ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE;
                rights = h.directory ? RIGHTS_ALL : (h.canRead ? RIGHT_FD_READ | (1L << 2) | (1L << 5) | (1L << 21) : 0)
                        | (h.canWrite ? RIGHTS_WRITE : 0);
                flags = h.append ? FDFLAGS_APPEND : 0;
            }
            int p = u32(a[1]);
            m.fill((byte) 0, p, p + 24);
            m.writeByte(p, (byte) type);
            m.writeShort(p + 2, (short) flags);
            m.writeLong(p + 8, rights);
            m.writeLong(p + 16, type == FILETYPE_DIRECTORY ? RIGHTS_ALL : 0);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_fdstat_set_flags", List.of(I32, I32), "fd_fdstat_set_flags", (m, a) -> ERRNO_NOTCAPABLE);
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
            FileGuard.Handle h = files.handle(u32(a[0]));
            if (h == null) {
                return ERRNO_BADF;
            }
            writeFilestat(m, u32(a[1]), h.real);
            return ERRNO_SUCCESS;
        });
        errnoFn("fd_readdir", List.of(I32, I32, I32, I64, I32), "fd_readdir", this::fdReaddir);

        errnoFn("path_open", List.of(I32, I32, I32, I32, I32, I64, I64, I32, I32), "path_open", this::pathOpen);
        errnoFn("path_filestat_get", List.of(I32, I32, I32, I32, I32), "path_filestat_get", (m, a) -> {
            FileGuard.Target t = files.lexical(u32(a[0]), path(m, a[2], a[3]));
            writeFilestat(m, u32(a[4]), files.realExisting(t));
            return ERRNO_SUCCESS;
        });
        errnoFn("path_create_directory", List.of(I32, I32, I32), "path_create_directory", (m, a) -> {
            FileGuard.Target t = files.lexical(u32(a[0]), path(m, a[1], a[2]));
            files.requireWritable(t);
            Path p = files.realChild(t, false);
            Files.createDirectory(p);
            session.audit("fs.mkdir", Map.of("path", t.guestPath()));
            return ERRNO_SUCCESS;
        });
        errnoFn("path_unlink_file", List.of(I32, I32, I32), "path_unlink_file", (m, a) -> {
            FileGuard.Target t = files.lexical(u32(a[0]), path(m, a[1], a[2]));
            files.requireWritable(t);
            Path p = files.realChild(t, true);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return ERRNO_ISDIR;
            }
            Files.delete(p);
            session.audit("fs.unlink", Map.of("path", t.guestPath()));
            return ERRNO_SUCCESS;
        });
        errnoFn("path_remove_directory", List.of(I32, I32, I32), "path_remove_directory", (m, a) -> {
            FileGuard.Target t = files.lexical(u32(a[0]), path(m, a[1], a[2]));
            files.requireWritable(t);
            Path p = files.realChild(t, true);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? ERRNO_NOTDIR : ERRNO_NOENT;
            }
            Files.delete(p);
            session.audit("fs.rmdir", Map.of("path", t.guestPath()));
            return ERRNO_SUCCESS;
        });
        errnoFn("path_rename", List.of(I32, I32, I32, I32, I32, I32), "path_rename", (m, a) -> {
            FileGuard.Target from = files.lexical(u32(a[0]), path(m, a[1], a[2]));
            String fromText = lastPath;
            FileGuard.Target to = files.lexical(u32(a[3]), path(m, a[4], a[5]));
            lastPath = fromText + " -> " + lastPath;
            files.requireWritable(from);
            files.requireWritable(to);
            Path src = files.realChild(from, true);
            Path dst = files.realChild(to, true);
            Files.move(src, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            session.audit("fs.rename", Map.of("from", from.guestPath(), "to", to.guestPath()));
            return ERRNO_SUCCESS;
        });
        errnoFn("path_readlink", List.of(I32, I32, I32, I32, I32, I32), "path_readlink", (m, a) -> {
            FileGuard.Target t = files.lexical(u32(a[0]), path(m, a[1], a[2]));
            Path link = files.realChild(t, true);
            if (!Files.isSymbolicLink(link)) {
                return ERRNO_INVAL;
            }
            // The link text is only shown when it resolves inside the grant; it could name host paths otherwise.
            files.realExisting(t);
            Path text = Files.readSymbolicLink(link);
            if (text.isAbsolute()) {
                throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "absolute symlink target", true);
            }
            byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(b.length, u32(a[4]));
            m.write(u32(a[3]), b, 0, n);
            m.writeI32(u32(a[5]), n);
            return ERRNO_SUCCESS;
        });
        errnoFn("path_symlink", List.of(I32, I32, I32, I32, I32), "path_symlink", (m, a) -> {
            path(m, a[3], a[4]);
            throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "symlink creation is never allowed", true);
        });
        errnoFn("path_link", List.of(I32, I32, I32, I32, I32, I32, I32), "path_link", (m, a) -> {
            path(m, a[2], a[3]);
            throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "hard link creation is never allowed", true);
        });
        errnoFn("path_filestat_set_times", List.of(I32, I32, I32, I32, I64, I64, I32), "path_filestat_set_times",
                (m, a) -> {
                    path(m, a[2], a[3]);
                    throw new FileGuard.Denied(ERRNO_NOTCAPABLE, "changing times is not supported", true);
                });
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

    private FileGuard.Handle file(int fd) throws FileGuard.Denied {
        FileGuard.Handle h = files.handle(fd);
        if (h == null) {
            throw new FileGuard.Denied(fd >= 0 && fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF, "not a file", false);
        }
        if (h.directory) {
            throw new FileGuard.Denied(ERRNO_ISDIR, "is a directory", false);
        }
        return h;
    }

    private int fdWrite(Memory m, long[] a) throws FileGuard.Denied, IOException {
        int fd = u32(a[0]);
        byte[] data = gather(m, u32(a[1]), u32(a[2]));
        if (fd == 1 || fd == 2) {
            if (files.handle(fd) == null) {
                (fd == 1 ? session.stdout : session.stderr).write(data, session.audit);
                m.writeI32(u32(a[3]), data.length);
                return ERRNO_SUCCESS;
            }
        }
        FileGuard.Handle h = file(fd);
        if (!h.canWrite) {
            return ERRNO_BADF;
        }
        // What the write adds to the disk: its bytes plus any hole left by seeking past the end.
        long size = h.channel.size();
        long at = h.append ? size : h.channel.position();
        long cost = data.length + Math.max(0, at - size);
        long quota = session.manifest.limits().fsWriteBytes();
        if (session.fsBytesWritten + cost > quota) {
            if (!session.fsQuotaAudited) {
                session.fsQuotaAudited = true;
                session.audit("limit", Map.of("limit", "fsWriteBytes", "value", quota, "path", h.guestPath()));
            }
            return ERRNO_DQUOT;
        }
        int n = h.append ? h.channel.write(ByteBuffer.wrap(data), size) : h.channel.write(ByteBuffer.wrap(data));
        session.fsBytesWritten += cost;
        h.bytesWritten += n;
        m.writeI32(u32(a[3]), n);
        return ERRNO_SUCCESS;
    }

    private int fdRead(Memory m, long[] a) throws FileGuard.Denied, IOException {
        int fd = u32(a[0]);
        int iovs = u32(a[1]);
        int count = u32(a[2]);
        if (fd == 0 && files.handle(0) == null) {
            m.writeI32(u32(a[3]), 0);
            return ERRNO_SUCCESS;
        }
        FileGuard.Handle h = file(fd);
        if (!h.canRead) {
            return ERRNO_BADF;
        }
        checkIovCount(count);
        int total = 0;
        for (int i = 0; i < count; i++) {
            int buf = m.readInt(iovs + i * 8);
            int len = m.readInt(iovs + i * 8 + 4);
            checkLen(len);
            if (total + len > MAX_IO) {
                len = MAX_IO - total;
            }
            ByteBuffer bb = ByteBuffer.allocate(len);
            int n = h.channel.read(bb);
            if (n <= 0) {
                break;
            }
            m.write(buf, bb.array(), 0, n);
            total += n;
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
        String p = path(m, a[2], a[3]);
        int oflags = u32(a[4]);
        long rights = a[5];
        int fdflags = u32(a[7]);
        FileGuard.Target t = files.lexical(dirFd, p);
        boolean create = (oflags & OFLAGS_CREAT) != 0;
        boolean trunc = (oflags & OFLAGS_TRUNC) != 0;
        boolean append = (fdflags & FDFLAGS_APPEND) != 0;
        boolean wantDir = (oflags & OFLAGS_DIRECTORY) != 0;
        boolean write = create || trunc || append || (rights & RIGHTS_WRITE) != 0;
        boolean read = (rights & RIGHT_FD_READ) != 0 || !write;
        if (write) {
            files.requireWritable(t);
        }
        Path real;
        if (create) {
            real = files.realChild(t, false);
            if ((oflags & OFLAGS_EXCL) != 0 && Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                return ERRNO_EXIST;
            }
        } else {
            real = files.realExisting(t);
        }
        FileGuard.Handle h;
        if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            if (write) {
                return ERRNO_ISDIR;
            }
            h = new FileGuard.Handle(t.mount(), t.segments(), real, true, false, null, true, false, false);
        } else {
            if (wantDir) {
                return ERRNO_NOTDIR;
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
                opts.add((oflags & OFLAGS_EXCL) != 0 ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
            }
            if (trunc) {
                opts.add(StandardOpenOption.TRUNCATE_EXISTING);
            }
            FileChannel ch = FileChannel.open(real, opts);
            h = new FileGuard.Handle(t.mount(), t.segments(), real, false, false, ch, read, write, append);
        }
        int fd = files.add(h);
        m.writeI32(u32(a[8]), fd);
        session.audit("fs.open", Map.of("fd", fd, "path", t.guestPath(), "access", write ? "write" : "read",
                "directory", h.directory));
        return ERRNO_SUCCESS;
    }

    private static void writeFilestat(Memory m, int p, Path real) throws IOException {
        BasicFileAttributes at = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        m.fill((byte) 0, p, p + 64);
        m.writeByte(p + 16, (byte) (at.isDirectory() ? FILETYPE_DIRECTORY
                : at.isSymbolicLink() ? FILETYPE_SYMBOLIC_LINK : FILETYPE_REGULAR_FILE));
        m.writeLong(p + 24, 1);
        m.writeLong(p + 32, at.size());
        m.writeLong(p + 40, at.lastAccessTime().toMillis() * 1_000_000L);
        m.writeLong(p + 48, at.lastModifiedTime().toMillis() * 1_000_000L);
        m.writeLong(p + 56, at.lastModifiedTime().toMillis() * 1_000_000L);
    }

    private final Map<Integer, List<String>> listings = new HashMap<>();

    private int fdReaddir(Memory m, long[] a) throws FileGuard.Denied, IOException {
        int fd = u32(a[0]);
        FileGuard.Handle h = files.directory(fd);
        int buf = u32(a[1]);
        int bufLen = u32(a[2]);
        checkLen(bufLen);
        long cookie = a[3];
        if (cookie < 0) {
            return ERRNO_INVAL;
        }
        if (cookie == 0 || !listings.containsKey(fd)) {
            try (Stream<Path> s = Files.list(h.real)) {
                listings.put(fd, s.limit(MAX_DIR_ENTRIES).map(x -> x.getFileName().toString()).sorted().toList());
            }
        }
        List<String> names = listings.get(fd);
        ByteBuffer out = ByteBuffer.allocate(bufLen).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = cookie; i < names.size() && out.hasRemaining(); i++) {
            byte[] name = names.get((int) i).getBytes(StandardCharsets.UTF_8);
            Path child = h.real.resolve(names.get((int) i));
            int type = Files.isSymbolicLink(child) ? FILETYPE_SYMBOLIC_LINK
                    : Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE;
            ByteBuffer ent = ByteBuffer.allocate(24 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            ent.putLong(i + 1).putLong(0).putInt(name.length).put((byte) type).put(new byte[3]).put(name);
            ent.flip();
            // A partly written last entry tells the guest to call again with a bigger buffer.
            int n = Math.min(ent.remaining(), out.remaining());
            out.put(ent.array(), 0, n);
        }
        m.write(buf, out.array(), 0, out.position());
        m.writeI32(u32(a[4]), out.position());
        return ERRNO_SUCCESS;
    }
}
