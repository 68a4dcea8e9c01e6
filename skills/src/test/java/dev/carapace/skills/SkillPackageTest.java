package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.skills.PackageException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillPackageTest {
    private static final byte[] MANIFEST = "{\"name\":\"acme/hello\",\"version\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

    private static Map<String, byte[]> files() {
        Map<String, byte[]> m = new TreeMap<>();
        m.put("manifest.json", MANIFEST);
        m.put("README.md", "# hello".getBytes(StandardCharsets.UTF_8));
        m.put("hello.wasm", new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0});
        return m;
    }

    @Test
    void packIsDeterministicAndRoundTrips(@TempDir Path dir) throws Exception {
        for (var e : files().entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/usage.md"), "use it");
        byte[] a = SkillPackage.pack(dir);
        Files.setLastModifiedTime(dir.resolve("README.md"), java.nio.file.attribute.FileTime.fromMillis(12345));
        byte[] b = SkillPackage.pack(dir);
        assertThat(a).isEqualTo(b);
        SkillPackage p = SkillPackage.read(a);
        assertThat(p.names()).containsExactly("README.md", "docs/usage.md", "hello.wasm", "manifest.json");
        assertThat(p.manifest()).isEqualTo(MANIFEST);
        assertThat(p.digest()).hasSize(64).isEqualTo(dev.carapace.crypto.Bytes.hex(dev.carapace.crypto.Bytes.sha256(a)));
        // The JDK reader agrees with ours on the content.
        try (ZipInputStream z = new ZipInputStream(new java.io.ByteArrayInputStream(a))) {
            ZipEntry e = z.getNextEntry();
            assertThat(e.getName()).isEqualTo("README.md");
            assertThat(z.readAllBytes()).isEqualTo("# hello".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void installScriptsAreOrdinaryData() throws Exception {
        Map<String, byte[]> m = files();
        m.put("install.sh", "curl x | bash".getBytes(StandardCharsets.UTF_8));
        SkillPackage p = SkillPackage.read(SkillPackage.build(m));
        assertThat(p.names()).contains("install.sh");
    }

    @Test
    void rejectsBadNames() {
        for (String bad : new String[] {"../evil", "a/../../b", "/etc/passwd", "a\\b", "C:/x", "a//b", "./a", "a\0b", "dir/", "é"}) {
            assertThatThrownBy(() -> SkillPackage.checkName(bad)).isInstanceOf(PackageException.class)
                    .satisfies(t -> assertThat(((PackageException) t).reason()).isEqualTo(Reason.BAD_NAME));
        }
    }

    @Test
    void rejectsTraversalInsideArchive() {
        byte[] zip = raw(new Raw("../x.json", MANIFEST, 0, 0));
        assertReason(zip, Reason.BAD_NAME, "../x.json");
    }

    @Test
    void rejectsMissingManifest() throws Exception {
        Map<String, byte[]> m = files();
        m.remove("manifest.json");
        assertReason(SkillPackage.build(m), Reason.MISSING_MANIFEST, "manifest.json");
    }

    @Test
    void rejectsDuplicatesExactAndCaseFolded() {
        assertReason(raw(new Raw("manifest.json", MANIFEST, 0, 0), new Raw("manifest.json", MANIFEST, 0, 0)), Reason.DUPLICATE, "manifest.json");
        assertReason(raw(new Raw("manifest.json", MANIFEST, 0, 0), new Raw("Manifest.json", MANIFEST, 0, 0)), Reason.DUPLICATE, "Manifest.json");
    }

    @Test
    void rejectsSymlinkEncryptionAndDescriptors() {
        assertReason(raw(new Raw("manifest.json", MANIFEST, 0, 0xA1FFL << 16)), Reason.SYMLINK, "manifest.json");
        assertReason(raw(new Raw("manifest.json", MANIFEST, 1, 0)), Reason.ENCRYPTED, "manifest.json");
        assertReason(raw(new Raw("manifest.json", MANIFEST, 8, 0)), Reason.UNSUPPORTED, "manifest.json");
    }

    @Test
    void rejectsCorruptionAndTrailingData() throws Exception {
        byte[] zip = SkillPackage.build(files());
        byte[] flipped = zip.clone();
        flipped[30 + "README.md".length()] ^= 1; // first byte of README content
        assertReason(flipped, Reason.CRC_MISMATCH, "README.md");
        byte[] longer = java.util.Arrays.copyOf(zip, zip.length + 1);
        assertThatThrownBy(() -> SkillPackage.read(longer)).isInstanceOf(PackageException.class);
        assertReason(new byte[SkillPackage.MAX_PACKAGE_BYTES + 1], Reason.TOO_LARGE, "package");
    }

    @Test
    void rejectsOverlappingEntries() {
        // Two central entries pointing to the same local header (a classic "overlapping files" bomb).
        byte[] zip = raw(new Raw("manifest.json", MANIFEST, 0, 0), new Raw("manifest.json", MANIFEST, 0, 0));
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int cd = b.getInt(zip.length - 6);
        int second = cd + 46 + "manifest.json".length();
        // rename the second central entry so duplicate detection does not fire first; its local name then disagrees
        zip[second + 46] = 'n';
        b.putInt(second + 42, 0);
        assertThatThrownBy(() -> SkillPackage.read(zip)).isInstanceOf(PackageException.class)
                .satisfies(t -> assertThat(((PackageException) t).reason()).isEqualTo(Reason.MALFORMED));
    }

    @Test
    void acceptsDeflatedWithinLimitsButRejectsBombs() throws Exception {
        byte[] ok = raw(new Raw("manifest.json", MANIFEST, 0, 0, true));
        assertThat(SkillPackage.read(ok).manifest()).isEqualTo(MANIFEST);
        byte[] zeros = new byte[2 * 1024 * 1024];
        byte[] bomb = raw(new Raw("manifest.json", MANIFEST, 0, 0), new Raw("zeros.bin", zeros, 0, 0, true));
        assertReason(bomb, Reason.BOMB, "zeros.bin");
    }

    private static void assertReason(byte[] zip, Reason reason, String entry) {
        assertThatThrownBy(() -> SkillPackage.read(zip)).isInstanceOf(PackageException.class)
                .satisfies(t -> {
                    PackageException e = (PackageException) t;
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.entry()).isEqualTo(entry);
                });
    }

    record Raw(String name, byte[] content, int flags, long external, boolean deflate) {
        Raw(String name, byte[] content, int flags, long external) { this(name, content, flags, external, false); }
    }

    /** A hand-built ZIP writer that can produce what {@link SkillPackage#build} never would. */
    static byte[] raw(Raw... rs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (Raw r : rs) {
            byte[] name = r.name().getBytes(StandardCharsets.ISO_8859_1);
            byte[] data = r.content();
            int method = 0;
            if (r.deflate()) {
                Deflater d = new Deflater(9, true);
                d.setInput(data);
                d.finish();
                byte[] buf = new byte[data.length + 64];
                int n = d.deflate(buf);
                d.end();
                data = java.util.Arrays.copyOf(buf, n);
                method = 8;
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(r.content());
            int off = out.size();
            ByteBuffer l = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            l.putInt(0x04034b50).putShort((short) 20).putShort((short) r.flags()).putShort((short) method).putShort((short) 0)
                    .putShort((short) 0x21).putInt((int) crc.getValue()).putInt(data.length).putInt(r.content().length)
                    .putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(l.array());
            out.writeBytes(data);
            ByteBuffer c = ByteBuffer.allocate(46 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            c.putInt(0x02014b50).putShort((short) 0x0314).putShort((short) 20).putShort((short) r.flags()).putShort((short) method)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt(data.length)
                    .putInt(r.content().length).putShort((short) name.length).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt((int) r.external()).putInt(off).put(name);
            cd.writeBytes(c.array());
        }
        int cdOff = out.size();
        out.writeBytes(cd.toByteArray());
        ByteBuffer e = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) rs.length).putShort((short) rs.length)
                .putInt(cd.size()).putInt(cdOff).putShort((short) 0);
        out.writeBytes(e.array());
        return out.toByteArray();
    }
}
