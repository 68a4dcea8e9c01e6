package dev.carapace.hub;

import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Path;
import java.time.Clock;

/**
 * How to run a hub. {@code dbUrl} null means an embedded SQLite file in {@code dataDir}. Binding anything but a
 * loopback address needs TLS or an explicit {@code insecureBind}.
 */
public record HubConfig(
        String name,
        String bind,
        int port,
        Path dataDir,
        String dbUrl,
        Path tlsCert,
        Path tlsKey,
        boolean insecureBind,
        String masterKey,
        RateLimiter.Limits limits,
        Clock clock) {

    public static HubConfig defaults(Path dataDir) {
        return new HubConfig("carapace-hub", "127.0.0.1", 7420, dataDir, null, null, null, false,
                System.getenv("CARAPACE_MASTER_KEY"), RateLimiter.Limits.defaults(), Clock.systemUTC());
    }

    public HubConfig withPort(int p) {
        return new HubConfig(name, bind, p, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits, clock);
    }

    public HubConfig withDb(String url) {
        return new HubConfig(name, bind, port, dataDir, url, tlsCert, tlsKey, insecureBind, masterKey, limits, clock);
    }

    public HubConfig withBind(String address, boolean insecure) {
        return new HubConfig(name, address, port, dataDir, dbUrl, tlsCert, tlsKey, insecure, masterKey, limits, clock);
    }

    public HubConfig withTls(Path cert, Path key) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, cert, key, insecureBind, masterKey, limits, clock);
    }

    public HubConfig withLimits(RateLimiter.Limits l) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, l, clock);
    }

    public HubConfig withClock(Clock c) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits, c);
    }
}
