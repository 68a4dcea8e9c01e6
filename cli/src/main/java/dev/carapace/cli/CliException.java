package dev.carapace.cli;

/** A failure to report as one line on stderr, with the exit code it maps to. */
public final class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static CliException verification(String message) {
        return new CliException(ExitCodes.VERIFICATION_FAILED, message);
    }

    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    public static CliException config(String message) {
        return new CliException(ExitCodes.IO_CONFIG_PASSPHRASE, message);
    }
}
