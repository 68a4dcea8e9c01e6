package dev.carapace.hub;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** A running hub on a fresh database, and helpers to make identities on it (public for the attack suite). */
public final class HubFixture implements AutoCloseable {
    public final Backend backend;
    public final Path dataDir;
    public final String dbUrl;
    public final Hub hub;
    public final HubClient client;

    /** An identity with its keys, registered or not. */
    public record Party(KeyEventLog log, Ed25519KeyPair key, Ed25519KeyPair next) {
        public Signer signer() {
            return Signer.current(log, key);
        }

        public String id() {
            return log.id().toString();
        }
    }

    public HubFixture(Backend backend, Path dataDir) throws Exception {
        this(backend, dataDir, backend.freshDatabase(dataDir), generousLimits());
    }

    public HubFixture(Backend backend, Path dataDir, String dbUrl, RateLimiter.Limits limits) throws Exception {
        this(backend, dataDir, dbUrl, cfg -> cfg.withLimits(limits));
    }

    /** A hub on an existing database, configured by {@code configure} from the test defaults. */
    public HubFixture(Backend backend, Path dataDir, String dbUrl, UnaryOperator<HubConfig> configure) throws Exception {
        this.backend = backend;
        this.dataDir = dataDir;
        this.dbUrl = dbUrl;
        this.hub = Hub.start(configure.apply(HubConfig.defaults(dataDir).withPort(0).withDb(dbUrl)
                .withLimits(generousLimits())));
        this.client = new HubClient(hub.url());
    }

    public static RateLimiter.Limits generousLimits() {
        return RateLimiter.Limits.uniform(1_000_000);
    }

    public static Party party(String kind) {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        return new Party(KeyEventLog.incept(kind, key, next.publicKey(), System.currentTimeMillis()), key, next);
    }

    public Party agent() throws Exception {
        Party p = party("agent");
        client.register(p.log(), p.key());
        return p;
    }

    public Party owner(String email, String name) throws Exception {
        Party p = party("owner");
        client.registerOwner(p.log(), p.key(), email, name);
        return p;
    }

    public void link(Party owner, Party agent) throws Exception {
        client.link(owner.signer(), owner.id(), HubClient.linkConsent(agent.log(), agent.key(), owner.id()));
    }

    @Override
    public void close() {
        hub.close();
    }
}
