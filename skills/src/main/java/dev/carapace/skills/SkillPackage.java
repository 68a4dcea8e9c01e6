package dev.carapace.skills;

import dev.carapace.crypto.Bytes;
import dev.carapace.skills.PackageException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A skill package: a deterministic ZIP archive (STORED entries, names sorted, fixed timestamps, no extra
 * fields, zero attributes) holding {@code manifest.json}, wasm modules and docs.
 *
 * <p>{@link #read(byte[])} is a strict reader written over the raw ZIP structures rather than
 * {@code java.util.zip.ZipInputStream}, which tolerates exactly the ambiguities attackers use
 * (local/central mismatch, overlapping entries, trailing data). There is no install hook: every entry is data.
 */
public final class SkillPackage {
    public static final String MANIFEST = "manifest.json";
    public static final int MAX_PACKAGE_BYTES = 16 * 1024 * 1024;
    public static final int MAX_ENTRIES = 256;
    public static final int MAX_ENTRY_BYTES = 8 * 1024 * 1024;
    public static final long MAX_TOTAL_BYTES = 32L * 1024 * 1024;
    /** Largest accepted inflated/compressed ratio for a DEFLATED entry. */
    public static final int MAX_RATIO = 100;
    public static final int MAX_NAME_LENGTH = 255;

    private static final int LOCAL_SIG = 0x04034b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int EOCD_SIG = 0x06054b50;
    private static final int EOCD_LEN = 22;
    private static final int DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;

    private final byte[] bytes;
    private final Map<String, byte[]> entries;

    private SkillPackage(byte[] bytes, Map<String, byte[]> entries) {
        this.bytes = bytes;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** The package bytes (a copy). */
    public byte[] bytes() { return bytes.clone(); }

    /** SHA-256 of the package bytes, lower-case hex: the package digest. */
    public String digest() { return Bytes.hex(Bytes.sha256(bytes)); }

    /** Entry names in sorted order. */
    public List<String> names() { return List.copyOf(entries.keySet()); }

    /** The content of an entry (a copy), or null. */
    public byte[] entry(String name) {
        byte[] b = entries.get(name);
        return b == null ? null : b.clone();
    }

    public byte[] manifest() { return entry(MANIFEST); }

    /** Packs every regular file under {@code dir} into a deterministic package, then re-reads it strictly. */
    public static byte[] pack(Path dir) throws PackageException {
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                if (Files.isSymbolicLink(p)) throw new PackageException(Reason.SYMLINK, name, "symbolic links are not packed");
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
                checkName(name);
                long size = Files.size(p);
                if (size > MAX_ENTRY_BYTES) throw new PackageException(Reason.ENTRY_TOO_LARGE, name, size + " bytes > " + MAX_ENTRY_BYTES);
                files.put(name, Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new PackageException(Reason.IO, dir.toString(), e.getMessage());
        }
        byte[] out = build(files);
        read(out); // the writer must never produce what the reader rejects
        return out;
    }

    /** Deterministically encodes the given entries (sorted by name) as a STORED ZIP. */
    public static byte[] build(Map<String, byte[]> files) throws PackageException {
        TreeMap<String, byte[]> sorted = new TreeMap<>(files);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
            checkName(e.getKey());
            byte[] name = e.getKey().getBytes(StandardCharsets.US_ASCII);
            byte[] content = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(content);
            int offset = data.size();
            ByteBuffer lh = le(30 + name.length);
            lh.putInt(LOCAL_SIG).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) DOS_DATE_1980_01_01).putInt((int) crc.getValue())
                    .putInt(content.length).putInt(content.length).putShort((short) name.length).putShort((short) 0).put(name);
            data.writeBytes(lh.array());
            data.writeBytes(content);
            ByteBuffer ch = le(46 + name.length);
            ch.putInt(CENTRAL_SIG).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) DOS_DATE_1980_01_01).putInt((int) crc.getValue())
                    .putInt(content.length).putInt(content.length).putShort((short) name.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(offset).put(name);
            central.writeBytes(ch.array());
        }
        ByteBuffer eocd = le(EOCD_LEN);
        eocd.putInt(EOCD_SIG).putShort((short) 0).putShort((short) 0).putShort((short) sorted.size())
                .putShort((short) sorted.size()).putInt(central.size()).putInt(data.size()).putShort((short) 0);
        data.writeBytes(central.toByteArray());
        data.writeBytes(eocd.array());
        return data.toByteArray();
    }

    /** Strictly parses and verifies a package. Every rejection is a {@link PackageException}. */
    public static SkillPackage read(byte[] zip) throws PackageException {
        if (zip.length > MAX_PACKAGE_BYTES) throw new PackageException(Reason.TOO_LARGE, "package", zip.length + " bytes > " + MAX_PACKAGE_BYTES);
        if (zip.length < EOCD_LEN) throw new PackageException(Reason.MALFORMED, "eocd", "too short for an end-of-central-directory record");
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - EOCD_LEN; // no archive comment is allowed, so the EOCD sits at a fixed place
        if (b.getInt(eocd) != EOCD_SIG) throw new PackageException(Reason.MALFORMED, "eocd", "no end-of-central-directory record at the end (archive comments are not allowed)");
        int disk = u16(b, eocd + 4), cdDisk = u16(b, eocd + 6), onDisk = u16(b, eocd + 8), total = u16(b, eocd + 10);
        long cdSize = u32(b, eocd + 12), cdOffset = u32(b, eocd + 16);
        if (total == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) throw new PackageException(Reason.UNSUPPORTED, "eocd", "zip64 is not supported");
        if (disk != 0 || cdDisk != 0 || onDisk != total) throw new PackageException(Reason.UNSUPPORTED, "eocd", "multi-disk archives are not supported");
        if (total > MAX_ENTRIES) throw new PackageException(Reason.TOO_MANY_ENTRIES, "eocd", total + " entries > " + MAX_ENTRIES);
        if (cdOffset + cdSize != eocd) throw new PackageException(Reason.MALFORMED, "eocd", "central directory does not end where the EOCD begins");

        record Span(String name, long start, long end) {}
        List<Span> spans = new ArrayList<>();
        TreeMap<String, byte[]> entries = new TreeMap<>();
        Set<String> folded = new HashSet<>();
        long totalBytes = 0;
        int p = (int) cdOffset;
        for (int i = 0; i < total; i++) {
            if (p + 46 > eocd || b.getInt(p) != CENTRAL_SIG) throw new PackageException(Reason.MALFORMED, "central[" + i + "]", "bad central directory header");
            int flags = u16(b, p + 8), method = u16(b, p + 10);
            long crc = u32(b, p + 16), csize = u32(b, p + 20), usize = u32(b, p + 24);
            int nameLen = u16(b, p + 28), extraLen = u16(b, p + 30), commentLen = u16(b, p + 32);
            int diskStart = u16(b, p + 34);
            long external = u32(b, p + 38), localOff = u32(b, p + 42);
            if (p + 46L + nameLen > eocd) throw new PackageException(Reason.MALFORMED, "central[" + i + "]", "name runs past the central directory");
            String name = ascii(zip, p + 46, nameLen, "central[" + i + "]");
            checkName(name);
            if ((flags & 0x41) != 0) throw new PackageException(Reason.ENCRYPTED, name, "encrypted entries are not allowed");
            if ((flags & 0x08) != 0) throw new PackageException(Reason.UNSUPPORTED, name, "data descriptors are not allowed");
            if (method != 0 && method != 8) throw new PackageException(Reason.UNSUPPORTED, name, "compression method " + method);
            if (extraLen != 0 || commentLen != 0) throw new PackageException(Reason.UNSUPPORTED, name, "extra fields and entry comments are not allowed");
            if (diskStart != 0) throw new PackageException(Reason.UNSUPPORTED, name, "multi-disk entry");
            int mode = (int) (external >>> 16) & 0xF000;
            if (mode == 0xA000) throw new PackageException(Reason.SYMLINK, name, "symbolic link (unix mode in external attributes)");
            if (mode != 0 && mode != 0x8000) throw new PackageException(Reason.UNSUPPORTED, name, "not a regular file (mode " + Integer.toOctalString(mode) + ")");
            if ((external & 0x10) != 0) throw new PackageException(Reason.UNSUPPORTED, name, "directory entries are not allowed");
            if (usize > MAX_ENTRY_BYTES) throw new PackageException(Reason.ENTRY_TOO_LARGE, name, usize + " bytes > " + MAX_ENTRY_BYTES);
            if (entries.containsKey(name)) throw new PackageException(Reason.DUPLICATE, name, "duplicate entry");
            if (!folded.add(name.toLowerCase(Locale.ROOT))) throw new PackageException(Reason.DUPLICATE, name, "duplicate entry when case is folded");
            totalBytes += usize;
            if (totalBytes > MAX_TOTAL_BYTES) throw new PackageException(Reason.TOTAL_TOO_LARGE, name, "uncompressed total exceeds " + MAX_TOTAL_BYTES);

            // The local header must agree with the central directory field by field.
            long lo = localOff;
            if (lo + 30 > cdOffset || b.getInt((int) lo) != LOCAL_SIG) throw new PackageException(Reason.MALFORMED, name, "bad local header offset");
            int l = (int) lo;
            if (u16(b, l + 6) != flags || u16(b, l + 8) != method || u32(b, l + 14) != crc
                    || u32(b, l + 18) != csize || u32(b, l + 22) != usize || u16(b, l + 26) != nameLen)
                throw new PackageException(Reason.MALFORMED, name, "local header disagrees with central directory");
            if (u16(b, l + 28) != 0) throw new PackageException(Reason.UNSUPPORTED, name, "local extra fields are not allowed");
            if (lo + 30 + nameLen > cdOffset || !ascii(zip, l + 30, nameLen, name).equals(name))
                throw new PackageException(Reason.MALFORMED, name, "local name disagrees with central directory");
            long dataStart = lo + 30 + nameLen, dataEnd = dataStart + csize;
            if (dataEnd > cdOffset) throw new PackageException(Reason.MALFORMED, name, "entry data runs into the central directory");
            spans.add(new Span(name, lo, dataEnd));

            byte[] content;
            if (method == 0) {
                if (csize != usize) throw new PackageException(Reason.MALFORMED, name, "stored entry with differing sizes");
                content = java.util.Arrays.copyOfRange(zip, (int) dataStart, (int) dataEnd);
            } else {
                content = inflate(zip, (int) dataStart, (int) csize, usize, name);
            }
            CRC32 c = new CRC32();
            c.update(content);
            if (c.getValue() != crc) throw new PackageException(Reason.CRC_MISMATCH, name, "CRC-32 does not match");
            entries.put(name, content);
            p += 46 + nameLen;
        }
        if (p != eocd) throw new PackageException(Reason.MALFORMED, "central", "central directory size disagrees with its entries");
        spans.sort((x, y) -> Long.compare(x.start(), y.start()));
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i).start() < spans.get(i - 1).end())
                throw new PackageException(Reason.MALFORMED, spans.get(i).name(), "overlaps entry " + spans.get(i - 1).name());
        }
        if (!entries.containsKey(MANIFEST)) throw new PackageException(Reason.MISSING_MANIFEST, MANIFEST, "package has no manifest.json");
        return new SkillPackage(zip.clone(), entries);
    }

    /** Streaming inflation capped by the absolute entry limit and by {@link #MAX_RATIO}. */
    private static byte[] inflate(byte[] zip, int off, int csize, long usize, String name) throws PackageException {
        long cap = Math.min(MAX_ENTRY_BYTES, (long) Math.max(csize, 1) * MAX_RATIO);
        if (usize > cap) throw new PackageException(Reason.BOMB, name, "declared ratio exceeds " + MAX_RATIO);
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(zip, off, csize);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) throw new PackageException(Reason.MALFORMED, name, "truncated deflate stream");
                out.write(buf, 0, n);
                if (out.size() > cap || out.size() > usize) throw new PackageException(Reason.BOMB, name, "inflates beyond its declared size or the ratio cap");
            }
            if (inf.getRemaining() != 0) throw new PackageException(Reason.MALFORMED, name, "trailing bytes after deflate stream");
            if (out.size() != usize) throw new PackageException(Reason.MALFORMED, name, "inflated size disagrees with declared size");
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new PackageException(Reason.MALFORMED, name, "bad deflate stream: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    /** Entry names: relative, '/'-separated, normalized, of [A-Za-z0-9._-] segments only. */
    static void checkName(String name) throws PackageException {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) throw new PackageException(Reason.BAD_NAME, name, "empty or longer than " + MAX_NAME_LENGTH);
        if (name.indexOf('\0') >= 0) throw new PackageException(Reason.BAD_NAME, name, "NUL in name");
        if (name.indexOf('\\') >= 0) throw new PackageException(Reason.BAD_NAME, name, "backslash in name");
        if (name.startsWith("/")) throw new PackageException(Reason.BAD_NAME, name, "absolute path");
        if (name.length() >= 2 && name.charAt(1) == ':') throw new PackageException(Reason.BAD_NAME, name, "drive letter");
        for (String seg : name.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) throw new PackageException(Reason.BAD_NAME, name, "non-normalized path or traversal");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
            if (!ok) throw new PackageException(Reason.BAD_NAME, name, "character U+" + String.format("%04X", (int) c) + " not allowed");
        }
    }

    private static String ascii(byte[] zip, int off, int len, String where) throws PackageException {
        for (int i = off; i < off + len; i++) {
            if (zip[i] < 0x20 && zip[i] != 0 || zip[i] < 0) throw new PackageException(Reason.BAD_NAME, where, "non-ASCII or control byte in name");
        }
        return new String(zip, off, len, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    private static int u16(ByteBuffer b, int at) { return Short.toUnsignedInt(b.getShort(at)); }

    private static long u32(ByteBuffer b, int at) { return Integer.toUnsignedLong(b.getInt(at)); }
}
