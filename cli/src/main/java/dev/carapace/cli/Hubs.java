package dev.carapace.cli;

import dev.carapace.client.HubException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;

/** Turns hub failures into one-line CLI errors with the documented exit codes. */
final class Hubs {
    private Hubs() {}

    @FunctionalInterface
    interface HubCall<T> {
        T run() throws IOException, HubException;
    }

    static <T> T call(URI hub, HubCall<T> call) {
        try {
            return call.run();
        } catch (ConnectException e) {
            throw CliException.config("cannot reach the hub at " + hub);
        } catch (HubException e) {
            int code = e.status() == 401 || e.status() == 403 ? ExitCodes.VERIFICATION_FAILED
                    : ExitCodes.IO_CONFIG_PASSPHRASE;
            throw new CliException(code, "hub refused (" + e.status() + " " + e.reason() + "): " + e.getMessage());
        } catch (IOException e) {
            throw CliException.config("talking to " + hub + " failed: " + e.getMessage());
        }
    }
}
