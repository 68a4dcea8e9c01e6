package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our signed checkpoints against the reference: Go's golang.org/x/mod/sumdb/note (Debian golang-go and
 * golang-golang-x-mod-dev, which .ci/run installs). Go must open exactly the bytes we sign, reject them altered, and
 * we must open what Go signs. Skips with a visible message where Go or the module source is missing.
 */
class GoNoteInteropTest {
    static final Path GOPATH = Path.of("/usr/share/gocode");

    @TempDir
    static Path dir;

    static Path program;

    @BeforeAll
    static void build() throws Exception {
        boolean haveGo = Files.isExecutable(Path.of("/usr/bin/go"))
                && Files.isDirectory(GOPATH.resolve("src/golang.org/x/mod/sumdb/note"));
        assumeTrue(haveGo, "SKIPPED: Go and golang.org/x/mod are not installed (apt-get install golang-go"
                + " golang-golang-x-mod-dev)");
        Path src = dir.resolve("notecheck.go");
        try (var in = GoNoteInteropTest.class.getResourceAsStream("/go/notecheck.go")) {
            Files.write(src, in.readAllBytes());
        }
        program = dir.resolve("notecheck");
        Result r = run(List.of("/usr/bin/go", "build", "-o", program.toString(), src.toString()), "");
        assertThat(r.code).as(r.err).isZero();
    }

    record Result(int code, String out, String err) {}

    static Result run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOPATH", GOPATH.toString());
        pb.environment().put("GOCACHE", dir.resolve("gocache").toString());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    final Ed25519KeyPair key = Ed25519KeyPair.generate();
    final String origin = "example.org/log/a1b2c3d4";
    final NoteVerifier vkey = NoteVerifier.of(origin, key.publicKey());

    @Test
    void goOpensOurCheckpointsAndRejectsThemAltered() throws Exception {
        Checkpoint cp = new Checkpoint(origin, 1234, Bytes.random(32), List.of("ext line"));
        String note = SignedNote.sign(cp.text(), origin, key);
        Result ok = run(List.of(program.toString(), "verify", vkey.encode()), note);
        assertThat(ok.code).as(ok.err).isZero();
        assertThat(ok.out).isEqualTo(cp.text());

        // A witness cosignature by a key Go does not know is ignored, as the spec requires.
        Witness w = new Witness("witness.example/w", Ed25519KeyPair.generate(), vkey, dir.resolve("w.json"));
        String cosigned = SignedNote.withLines(note, List.of(w.cosign(note, List.of(), 1_700_000_000L)));
        assertThat(run(List.of(program.toString(), "verify", vkey.encode()), cosigned).code).isZero();

        String altered = note.replace("\n1234\n", "\n1235\n");
        assertThat(run(List.of(program.toString(), "verify", vkey.encode()), altered).code).isEqualTo(1);
    }

    @Test
    void weOpenWhatGoSigns() throws Exception {
        // Go's signer key format: PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed).
        byte[] material = new byte[33];
        material[0] = NoteVerifier.ED25519;
        System.arraycopy(key.seed(), 0, material, 1, 32);
        String skey = "PRIVATE+KEY+" + origin + "+" + HexFormat.of().formatHex(vkey.keyId()) + "+" + Bytes.b64(material);
        Checkpoint cp = new Checkpoint(origin, 7, Bytes.random(32), List.of());
        Result signed = run(List.of(program.toString(), "sign", skey), cp.text());
        assertThat(signed.code).as(signed.err).isZero();
        assertThat(Checkpoint.open(signed.out, vkey)).satisfies(c -> {
            assertThat(c.size()).isEqualTo(7);
            assertThat(c.root()).isEqualTo(cp.root());
        });
        // Ed25519 is deterministic: Go's note is byte for byte ours.
        assertThat(signed.out).isEqualTo(SignedNote.sign(cp.text(), origin, key));
    }
}
