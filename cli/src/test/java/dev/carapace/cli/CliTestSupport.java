package dev.carapace.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process against a private home and passphrase file, capturing what it prints. */
final class CliTestSupport {
    record Result(int code, String out, String err) {}

    private final Path home;
    private final Path passphraseFile;

    CliTestSupport(Path dir) throws Exception {
        this.home = dir.resolve("home");
        this.passphraseFile = dir.resolve("pass.txt");
        Files.writeString(passphraseFile, "test passphrase\n");
    }

    Path home() {
        return home;
    }

    Path passphraseFile() {
        return passphraseFile;
    }

    /** Runs {@code carapace args...}; adds --home and --passphrase-file after the subcommand path given. */
    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        int insertAt = 0;
        while (insertAt < all.size() && !all.get(insertAt).startsWith("-") && isCommandWord(all.get(insertAt))) {
            insertAt++;
        }
        all.addAll(insertAt, List.of("--home", home.toString(), "--passphrase-file", passphraseFile.toString()));
        return raw(all.toArray(String[]::new));
    }

    Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static boolean isCommandWord(String s) {
        return List.of("id", "new", "show", "export", "rotate", "recovery-kit", "recover", "sign", "verify",
                "agent", "owner", "register", "consent", "link", "delete", "access-log", "log", "append", "checkpoint",
                "monitor", "proof", "witness", "init", "vkey", "run",
                "chat", "invite", "remove", "send", "read", "watch", "update", "list", "leave", "contacts", "allow",
                "deny", "requests",
                "skill", "pack", "publish", "scan", "audit", "vouch", "revoke", "search", "info", "install", "fetch")
                .contains(s);
    }
}
