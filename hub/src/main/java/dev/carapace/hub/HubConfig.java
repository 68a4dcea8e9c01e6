package dev.carapace.hub;

import dev.carapace.hub.limits.RateLimiter;
import dev.carapace.tlog.Cosigner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * How to run a hub. {@code dbUrl} null means an embedded SQLite file in {@code dataDir}. Binding anything but a
 * loopback address needs TLS or an explicit {@code insecureBind}. {@code witnesses} are the only witnesses whose
 * cosignatures the log accepts.
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
        List<Cosigner> witnesses,
        URI publicUrl,
        Clock clock) {

    public HubConfig {
        witnesses = List.copyOf(witnesses);
    }

    public static HubConfig defaults(Path dataDir) {
        return new HubConfig("carapace-hub", "127.0.0.1", 7420, dataDir, null, null, null, false,
                System.getenv("CARAPACE_MASTER_KEY"), RateLimiter.Limits.defaults(), List.of(), null,
                Clock.systemUTC());
    }

    public HubConfig withPort(int p) {
        return new HubConfig(name, bind, p, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock);
    }

    public HubConfig withDb(String url) {
        return new HubConfig(name, bind, port, dataDir, url, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock);
    }

    public HubConfig withBind(String address, boolean insecure) {
        return new HubConfig(name, address, port, dataDir, dbUrl, tlsCert, tlsKey, insecure,
                masterKey, limits, witnesses, publicUrl, clock);
    }

    public HubConfig withTls(Path cert, Path key) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, cert, key, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock);
    }

    public HubConfig withLimits(RateLimiter.Limits l) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, l, witnesses, publicUrl, clock);
    }

    /** Witnesses whose cosignatures the log collects and serves; any other is refused. */
    public HubConfig withWitnesses(List<Cosigner> w) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, w, publicUrl, clock);
    }

    /**
     * The URL clients use to reach this hub, when a reverse proxy stands in front of it: signatures cover the target
     * URI the client sent, which the hub can then rebuild whatever Host and scheme the proxy forwards.
     */
    public HubConfig withPublicUrl(URI url) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits,
                witnesses, url, clock);
    }

    public HubConfig withClock(Clock c) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, c);
    }
}
