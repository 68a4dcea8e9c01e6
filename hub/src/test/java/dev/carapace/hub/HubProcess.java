package dev.carapace.hub;

import java.nio.file.Path;

/** A hub in its own JVM, for tests that kill it for real. Prints its URL on one line, then serves until killed. */
public final class HubProcess {
    private HubProcess() {}

    public static void main(String[] args) throws Exception {
        Hub hub = Hub.start(HubConfig.defaults(Path.of(args[0])).withPort(0)
                .withLimits(HubFixture.generousLimits()));
        System.out.println("URL " + hub.url());
        System.out.flush();
        hub.join();
    }
}
