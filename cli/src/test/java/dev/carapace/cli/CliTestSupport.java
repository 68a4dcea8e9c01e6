package dev.carapace.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
        return raw(withHome(args));
    }

    /**
     * Writes {@code n} small files {@code s0.txt…} in {@code dir}, signs them all with {@code carapace sign}, and
     * returns the envelopes' paths in order.
     */
    List<String> signedStatements(Path dir, int n) throws IOException {
        List<String> signArgs = new ArrayList<>(List.of("sign"));
        List<String> envelopes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve("s" + i + ".txt");
            Files.writeString(f, "statement " + i);
            signArgs.add(f.toString());
            envelopes.add(f + ".dsse.json");
        }
        Result signed = run(signArgs.toArray(String[]::new));
        if (signed.code() != 0) {
            throw new IllegalStateException("sign failed: " + signed.err());
        }
        return envelopes;
    }

    private String[] withHome(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        int insertAt = 0;
        while (insertAt < all.size() && !all.get(insertAt).startsWith("-") && isCommandWord(all.get(insertAt))) {
            insertAt++;
        }
        all.addAll(insertAt, List.of("--home", home.toString(), "--passphrase-file", passphraseFile.toString()));
        return all.toArray(String[]::new);
    }

    /** Starts {@code carapace args...} (with this home) in a JVM of its own, the way a user's terminal would. */
    Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(withHome(args)));
        return new ProcessBuilder(cmd).start();
    }

    /** Runs {@code carapace args...} in a JVM of its own and waits for it. */
    Result runProcess(String... args) throws IOException, InterruptedException {
        Process p = start(args);
        p.getOutputStream().close();
        CompletableFuture<String> err = drainAsync(p.getErrorStream());
        String out = drain(p.getInputStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("carapace " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /** Reads a stream to its end on a thread of its own (a long-running process must not hold a shared pool). */
    static CompletableFuture<String> drainAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> drain(in), r -> Thread.ofPlatform().daemon().start(r));
    }

    static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                "skill", "pack", "publish", "scan", "audit", "vouch", "revoke", "search", "info", "install", "fetch",
                "rep", "task", "post", "answer", "discuss", "close", "topic", "subscribe", "unsubscribe")
                .contains(s);
    }
}
