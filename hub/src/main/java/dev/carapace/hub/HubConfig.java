package dev.carapace.hub;

import dev.carapace.hub.limits.HubLimits;
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
        Clock clock,
        Integer operatorPort,
        int maxConnectionsPerAddress,
        List<String> trustSeeds) {

    /** Connections one address (IPv4, or IPv6 /64) may hold open at once unless configured otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = HubLimits.CONNECTIONS_PER_ADDRESS;

    public HubConfig {
        witnesses = List.copyOf(witnesses);
        trustSeeds = List.copyOf(trustSeeds);
        if (operatorPort != null && (operatorPort < 0 || operatorPort > 65535)) {
            throw new IllegalArgumentException("the operator port must be between 0 and 65535");
        }
    }

    /** No operator port, and the default cap on connections per address. */
    public HubConfig(String name, String bind, int port, Path dataDir, String dbUrl, Path tlsCert, Path tlsKey,
                     boolean insecureBind, String masterKey, RateLimiter.Limits limits, List<Cosigner> witnesses,
                     URI publicUrl, Clock clock) {
        this(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits, witnesses, publicUrl,
                clock, null, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, List.of());
    }

    public static HubConfig defaults(Path dataDir) {
        return new HubConfig("carapace-hub", "127.0.0.1", 7420, dataDir, null, null, null, false,
                System.getenv("CARAPACE_MASTER_KEY"), RateLimiter.Limits.defaults(), List.of(), null,
                Clock.systemUTC());
    }

    public HubConfig withPort(int p) {
        return new HubConfig(name, bind, p, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    public HubConfig withDb(String url) {
        return new HubConfig(name, bind, port, dataDir, url, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    public HubConfig withBind(String address, boolean insecure) {
        return new HubConfig(name, address, port, dataDir, dbUrl, tlsCert, tlsKey, insecure,
                masterKey, limits, witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    public HubConfig withTls(Path cert, Path key) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, cert, key, insecureBind,
                masterKey, limits, witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    public HubConfig withLimits(RateLimiter.Limits l) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, l, witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    /** Witnesses whose cosignatures the log collects and serves; any other is refused. */
    public HubConfig withWitnesses(List<Cosigner> w) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, w, publicUrl, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    /**
     * The URL clients use to reach this hub, when a reverse proxy stands in front of it: signatures cover the target
     * URI the client sent, which the hub can then rebuild whatever Host and scheme the proxy forwards.
     */
    public HubConfig withPublicUrl(URI url) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits,
                witnesses, url, clock, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    public HubConfig withClock(Clock c) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind,
                masterKey, limits, witnesses, publicUrl, c, operatorPort, maxConnectionsPerAddress, trustSeeds);
    }

    /**
     * Serves {@code /metrics} on this port of the loopback address only (0 picks a free one); null, the default,
     * serves no metrics at all. The public port never serves them.
     */
    public HubConfig withOperatorPort(Integer p) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits,
                witnesses, publicUrl, clock, p, maxConnectionsPerAddress, trustSeeds);
    }

    /** Connections one address may hold open at once; 0 disables the cap (a proxy that is the only peer). */
    public HubConfig withMaxConnectionsPerAddress(int n) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits,
                witnesses, publicUrl, clock, operatorPort, n, trustSeeds);
    }

    /**
     * The identities reputation starts from (docs/reputation.md): trust reaches others only along signed, logged
     * interactions from these. None means no identity has reputation on this hub.
     */
    public HubConfig withTrustSeeds(List<String> seeds) {
        return new HubConfig(name, bind, port, dataDir, dbUrl, tlsCert, tlsKey, insecureBind, masterKey, limits,
                witnesses, publicUrl, clock, operatorPort, maxConnectionsPerAddress, seeds);
    }
}
