package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityCliTest {
    @TempDir
    Path dir;

    CliTestSupport cli;

    @BeforeEach
    void setUp() throws Exception {
        cli = new CliTestSupport(dir);
    }

    private String newIdentity() throws Exception {
        var r = cli.run("id", "new", "--name", "alice", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        return Json.parse(r.out()).get("id").asString();
    }

    @Test
    void createShowExportRotateKeepsTheId() throws Exception {
        String id = newIdentity();
        assertThat(Files.readString(cli.home().resolve("keystore.json"))).contains("argon2id");

        var show = cli.run("id", "show", "--json");
        assertThat(show.code()).isZero();
        assertThat(Json.parse(show.out()).get("id").asString()).isEqualTo(id);

        var export = cli.run("id", "export");
        assertThat(Json.parse(export.out()).get("events").size()).isEqualTo(1);

        var rotate = cli.run("id", "rotate", "--json");
        assertThat(rotate.code()).as(rotate.err()).isZero();
        var after = Json.parse(rotate.out());
        assertThat(after.get("id").asString()).isEqualTo(id);
        assertThat(after.get("keyId").asString()).isEqualTo(id + "#1");
        assertThat(after.get("events").asInt()).isEqualTo(2);

        assertThat(cli.run("id", "new", "--name", "again").code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
    }

    @Test
    void signAndVerifyWithExitCodes() throws Exception {
        String id = newIdentity();
        Path file = dir.resolve("report.txt");
        Files.writeString(file, "quarterly numbers\n");
        assertThat(cli.run("sign", file.toString()).code()).isZero();
        Path sig = dir.resolve("report.txt.dsse.json");
        assertThat(sig).exists();

        var ok = cli.run("verify", file.toString(), "--sig", sig.toString(), "--identity", id, "--json");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(Json.parse(ok.out()).get("valid").asBoolean()).isTrue();

        // By identity document too.
        Path doc = dir.resolve("alice.json");
        Files.writeString(doc, cli.run("id", "export").out());
        assertThat(cli.run("verify", file.toString(), "--sig", sig.toString(), "--identity", doc.toString()).code())
                .isZero();

        Files.writeString(file, "quarterly numbers, edited\n");
        var tampered = cli.run("verify", file.toString(), "--sig", sig.toString(), "--identity", id);
        assertThat(tampered.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(tampered.err()).contains("does not match the signed digest").doesNotContain("Exception");

        // After a rotation the old key no longer speaks for the identity.
        Files.writeString(file, "quarterly numbers\n");
        assertThat(cli.run("id", "rotate").code()).isZero();
        var stale = cli.run("verify", file.toString(), "--sig", sig.toString(), "--identity", id);
        assertThat(stale.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    }

    @Test
    void passphraseAndDamageErrorsAreOneLine() throws Exception {
        newIdentity();
        Path file = dir.resolve("a.txt");
        Files.writeString(file, "x");
        Files.writeString(cli.passphraseFile(), "wrong\n");
        var wrong = cli.run("sign", file.toString());
        assertThat(wrong.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(wrong.err().strip()).startsWith("carapace: wrong passphrase").doesNotContain("\n");

        Files.writeString(cli.passphraseFile(), "test passphrase\n");
        Path ks = cli.home().resolve("keystore.json");
        byte[] bytes = Files.readAllBytes(ks);
        Files.write(ks, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        var damaged = cli.run("sign", file.toString());
        assertThat(damaged.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(damaged.err().strip()).contains("damaged or truncated").doesNotContain("\n");
    }

    @Test
    void usageErrorsExitTwoAndEveryCommandHasHelp() {
        assertThat(cli.raw("id", "frobnicate").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.raw("verify", "x").code()).isEqualTo(ExitCodes.USAGE);
        for (String[] cmd : new String[][] {{"id", "new"}, {"id", "show"}, {"id", "export"}, {"id", "rotate"},
            {"sign"}, {"verify"}, {"hub"}}) {
            String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            var r = cli.raw(args);
            assertThat(r.code()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).contains("Usage:");
        }
    }

    @Test
    void missingIdentityIsAConfigurationError() {
        var r = cli.run("id", "show");
        assertThat(r.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(r.err()).contains("carapace id new");
    }

    @Test
    void aLostKeystoreIsRecoveredWithTheKit() throws Exception {
        String id = newIdentity();
        Path kit = dir.resolve("kit.json");
        assertThat(cli.run("id", "recovery-kit", "--out", kit.toString()).code()).isZero();
        assertThat(Files.readString(kit)).contains("\"purpose\" : \"recovery\"");
        // A kit is not a keystore and cannot sign.
        Files.copy(kit, cli.home().resolve("keystore.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path file = dir.resolve("a.txt");
        Files.writeString(file, "x");
        assertThat(cli.run("sign", file.toString()).code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);

        Files.delete(cli.home().resolve("keystore.json"));
        var recovered = cli.run("id", "recover", "--kit", kit.toString(), "--json");
        assertThat(recovered.code()).as(recovered.err()).isZero();
        assertThat(Json.parse(recovered.out()).get("id").asString()).isEqualTo(id);
        assertThat(Json.parse(recovered.out()).get("keyId").asString()).isEqualTo(id + "#1");
        assertThat(cli.run("sign", file.toString()).code()).isZero();

        // The kit is spent: the identity has moved past the key it holds.
        var again = cli.run("id", "recover", "--kit", kit.toString());
        assertThat(again.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    }
}
