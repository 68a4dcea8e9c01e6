package dev.carapace.cli;

/** The exit codes every command documents. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int VERIFICATION_FAILED = 1;
    public static final int USAGE = 2;
    public static final int IO_CONFIG_PASSPHRASE = 3;
    /** {@code chat watch}: this installation was removed from the group it watched. */
    public static final int REMOVED = 4;

    public static final String HELP = """
            Exit codes: 0 ok, 1 verification failed, 2 usage, 3 I/O, configuration or passphrase.""";
    public static final String HELP_REMOVED = "chat watch exits 4 when this installation is removed from the group.";

    private ExitCodes() {}
}
