package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.LogVerificationException;
import dev.carapace.client.SplitViewException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;

/** Turns hub failures into one-line CLI errors with the documented exit codes. */
public final class Hubs {
    private Hubs() {}

    @FunctionalInterface
    public interface HubCall<T> {
        T run() throws IOException, HubException;
    }

    @FunctionalInterface
    public interface LogCall<T> {
        T run() throws IOException, HubException, LogVerificationException;
    }

    /** Where the running command reports errors (set by {@link Main#run} for the duration of a command). */
    static volatile PrintWriter err = new PrintWriter(System.err, true);

    /** A client for the hub that waits out rate limits with a countdown on stderr (one line when not a terminal). */
    public static HubClient client(URI hub) {
        return new HubClient(hub).waitOutRateLimits(new Countdown(err, Terminal.console() != null));
    }

    /** Shows a wait for a rate limit on stderr: a countdown rewritten in place on a terminal, else one line. */
    private static final class Countdown implements HubClient.RateLimitWait {
        private final PrintWriter err;
        private final boolean terminal;
        private boolean waiting;

        Countdown(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public synchronized void secondsLeft(long seconds) {
            if (seconds == 0) {
                if (terminal && waiting) {
                    err.print("\r\033[K");
                    err.flush();
                }
                waiting = false;
                return;
            }
            if (terminal) {
                err.print("\rcarapace: the hub limits requests; sending again in " + seconds + " s \033[K");
            } else if (!waiting) {
                err.println("carapace: the hub limits requests; sending again in " + seconds + " s");
            }
            err.flush();
            waiting = true;
        }
    }

    public static <T> T call(URI hub, HubCall<T> call) {
        try {
            return call.run();
        } catch (IOException | HubException e) {
            throw failure(hub, e);
        }
    }

    /** Like {@link #call}, for calls that verify the log; a split view prints both signed checkpoints as evidence. */
    public static <T> T verified(URI hub, LogCall<T> call) {
        try {
            return call.run();
        } catch (SplitViewException e) {
            throw CliException.verification(e.getMessage() + "\nEvidence, the checkpoint trusted before:\n"
                    + e.trustedCheckpoint() + "and the one that contradicts it:\n"
                    + e.conflictingCheckpoint().stripTrailing());
        } catch (LogVerificationException e) {
            throw CliException.verification(e.getMessage());
        } catch (IOException | HubException e) {
            throw failure(hub, e);
        }
    }

    static CliException failure(URI hub, Exception e) {
        if (e instanceof ConnectException) {
            return CliException.config("cannot reach the hub at " + hub);
        }
        if (e instanceof HubException h) {
            int code = h.status() == 401 || h.status() == 403 ? ExitCodes.VERIFICATION_FAILED
                    : ExitCodes.IO_CONFIG_PASSPHRASE;
            return new CliException(code, "hub refused (" + h.status() + " " + h.reason() + "): " + h.getMessage());
        }
        return CliException.config("talking to " + hub + " failed: " + e.getMessage());
    }
}
