package dev.carapace.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that uses the local identity. */
public final class HomeOptions {
    @Option(names = "--home", paramLabel = "DIR",
            description = "Where identities and state live (default: $CARAPACE_HOME, else ~/.carapace).")
    Path home;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Read the keystore passphrase from FILE (else $CARAPACE_PASSPHRASE, else a prompt).")
    Path passphraseFile;

    public Home open() {
        return new Home(resolveHome(), passphraseFile);
    }

    public Path resolveHome() {
        if (home != null) {
            return home;
        }
        String env = System.getenv("CARAPACE_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".carapace");
    }
}
