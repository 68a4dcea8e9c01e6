package dev.carapace.hub;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.http.ApiHandler;
import dev.carapace.hub.http.BodyBudget;
import dev.carapace.hub.http.ConnectionsPerAddress;
import dev.carapace.hub.http.JsonErrorHandler;
import dev.carapace.hub.http.OpenApi;
import dev.carapace.hub.http.Origin;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.limits.RateLimiter;
import dev.carapace.hub.log.JdbcLogStorage;
import dev.carapace.hub.log.LogOutbox;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.owners.MasterKeyring;
import dev.carapace.hub.owners.OwnerService;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.IdentityStore;
import dev.carapace.hub.store.JdbcIdentityStore;
import dev.carapace.hub.store.JdbcOwnerStore;
import dev.carapace.hub.store.NonceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import tools.jackson.databind.node.ObjectNode;

/** Starts a hub: storage, keys, the routing table and Jetty on virtual threads. */
public final class Hub implements AutoCloseable {
    public static final String VERSION = "0.1.0";

    /** How long a connection may stay silent; longer than a long poll (25 s), which writes nothing meanwhile. */
    static final long IDLE_TIMEOUT_MS = HubLimits.IDLE_TIMEOUT_MS;

    private final Server server;
    /** The operator's loopback-only server for /metrics, or null when no operator port is configured. */
    private final Server operator;
    private final Database db;
    private final ScheduledExecutorService housekeeping;
    private final URI url;
    private final Origin origin;
    private final Ed25519KeyPair hubKey;
    private final ApiHandler handler;
    private final OwnerService owners;
    private final TransparencyLog log;
    private final DataLock dataLock;

    private Hub(Server server, Server operator, Database db, ScheduledExecutorService housekeeping, URI url,
                Origin origin, Ed25519KeyPair hubKey, ApiHandler handler, OwnerService owners, TransparencyLog log,
                DataLock dataLock) {
        this.origin = origin;
        this.dataLock = dataLock;
        this.server = server;
        this.operator = operator;
        this.db = db;
        this.housekeeping = housekeeping;
        this.url = url;
        this.hubKey = hubKey;
        this.handler = handler;
        this.owners = owners;
        this.log = log;
    }

    private static void closeQuietly(TransparencyLog log) {
        if (log != null) {
            log.close();
        }
    }

    /** A configuration problem the user can fix; one line, no stack trace. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static Hub start(HubConfig cfg) throws StartException {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(cfg.bind());
        } catch (IOException e) {
            throw new StartException("cannot resolve bind address " + cfg.bind(), e);
        }
        boolean tls = cfg.tlsCert() != null || cfg.tlsKey() != null;
        if (!bind.isLoopbackAddress() && !tls && !cfg.insecureBind()) {
            throw new StartException("binding " + cfg.bind() + " without TLS exposes the hub in clear text; pass"
                    + " --tls-cert and --tls-key, or --insecure-bind if a proxy terminates TLS", null);
        }
        if (bind.isAnyLocalAddress() && cfg.publicUrl() == null) {
            throw new StartException("a hub bound to " + cfg.bind() + " has no address of its own that clients sign"
                    + " for; pass --public-url (the URL clients use)", null);
        }
        if (cfg.publicUrl() != null) {
            try {
                Origin.of(cfg.publicUrl());
            } catch (IllegalArgumentException e) {
                throw new StartException(e.getMessage(), e);
            }
        }
        Database db;
        try {
            db = Database.open(cfg.dbUrl(), cfg.dataDir());
        } catch (java.sql.SQLException e) {
            throw new StartException("cannot open the database: " + e.getMessage(), e);
        }
        TransparencyLog[] logRef = new TransparencyLog[1];
        DataLock dataLock;
        try {
            dataLock = DataLock.forHub(cfg.dataDir(), db);
        } catch (StartException e) {
            db.close();
            throw e;
        }
        Server operator = null;
        try {
            Ed25519KeyPair hubKey = loadOrCreateHubKey(cfg.dataDir());
            MasterKeyring keyring = MasterKeyring.load(cfg.dataDir(), cfg.masterKey());
            String hubKeyId = "carapace-hub:" + hubKey.publicKey().b64url();
            IdentityStore identities = new JdbcIdentityStore(db);
            NonceStore nonces = new NonceStore(db);
            OwnerService owners = new OwnerService(db, new JdbcOwnerStore(db), keyring, hubKey, hubKeyId);
            requireMasterKeysFor(owners, keyring);
            RequestAuthenticator auth = new RequestAuthenticator(nonces, cfg.clock());
            // The log is signed with the hub key; its origin names the hub and that key, so it is unique.
            TransparencyLog log = new TransparencyLog(new JdbcLogStorage(db), cfg.name() + "/" + hubKey.publicKey().b64url().substring(0, 8),
                    hubKey, cfg.witnesses(), cfg.clock());
            logRef[0] = log;
            LogOutbox outbox = new LogOutbox(db, log, cfg.clock());
            outbox.deliverLeftovers(); // what a crash left between a committed change and its log entry
            var reputation = new dev.carapace.hub.reputation.ReputationService(log, cfg.trustSeeds(), cfg.clock());
            HubApi api = new HubApi(db, identities, owners, auth, cfg.clock(), outbox, reputation::hasStanding);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

            Server server = new Server(new VirtualThreadPool());
            HttpConfiguration http = new HttpConfiguration();
            http.setRequestHeaderSize(HubLimits.HEADER_BYTES);
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            ServerConnector connector = tls
                    ? Tls.connector(server, http, cfg.tlsCert(), cfg.tlsKey())
                    : new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(cfg.bind());
            connector.setPort(cfg.port());
            // A connection silent this long is closed; it must outlast a long poll (25 s), which writes nothing.
            connector.setIdleTimeout(IDLE_TIMEOUT_MS);
            connector.addBean(new ConnectionsPerAddress(cfg.maxConnectionsPerAddress()));
            server.addConnector(connector);
            connector.open(); // the port is known from here on: the origin may be the bound address
            String scheme = tls ? "https" : "http";
            String host = bind.getHostAddress().contains(":") ? "[" + bind.getHostAddress() + "]" : bind.getHostAddress();
            URI url = URI.create(scheme + "://" + host + ":" + connector.getLocalPort());
            Origin origin = Origin.of(cfg.publicUrl() != null ? cfg.publicUrl() : url);

            List<Route> routes = new ArrayList<>();
            routes.add(new Route("GET", "/healthz", Route.Auth.PUBLIC, "operations", "Liveness and storage check.",
                    call -> {
                        db.read(c -> c.isValid(2));
                        ObjectNode o = Json.object();
                        o.put("status", "ok");
                        return Reply.ok(o);
                    }));
            routes.addAll(api.routes());
            routes.addAll(new LogApi(log).routes());
            var messaging = dev.carapace.hub.messaging.MessagingApi.fromEnvironment(db, identities, cfg.clock());
            routes.addAll(messaging.routes());
            routes.addAll(new dev.carapace.hub.skills.SkillsApi(db, log, cfg.clock(),
                    () -> reputation.current()::hasStanding).routes());
            routes.addAll(new dev.carapace.hub.reputation.ReputationApi(reputation, api::tierName).routes());
            routes.addAll(new dev.carapace.hub.tasks.TasksApi(new dev.carapace.hub.tasks.JdbcTaskStore(db, outbox),
                    identities, outbox, messaging, api::tierOf, cfg.clock()).routes());
            // The description is generated from the final table, this route included.
            AtomicReference<List<Route>> table = new AtomicReference<>();
            routes.add(new Route("GET", "/v1/openapi.json", Route.Auth.PUBLIC, "operations",
                    "This OpenAPI 3.1 description.", call -> Reply.ok(OpenApi.describe(table.get(), VERSION))));
            routes.add(new Route("GET", "/.well-known/carapace", Route.Auth.PUBLIC, "operations",
                    "The hub's name, keys and endpoints.", call -> {
                        ObjectNode doc = wellKnown(cfg, hubKey, hubKeyId, origin);
                        LogApi.describe(doc, log);
                        return Reply.ok(doc);
                    }));
            table.set(List.copyOf(routes));
            // Behind a proxy that is the hub's only peer (no per-address connection cap), one address is everyone.
            BodyBudget bodies = cfg.maxConnectionsPerAddress() > 0 ? new BodyBudget()
                    : new BodyBudget(BodyBudget.HUB_BYTES, BodyBudget.HUB_BYTES);
            ApiHandler handler = new ApiHandler(routes, auth, api::storedKey, api::bodyKey,
                    new RateLimiter(cfg.limits()), api::tierOf, metrics, origin, bodies);
            server.setHandler(messaging.pushEndpoint(server, handler));
            server.setErrorHandler(new JsonErrorHandler());
            server.setStopAtShutdown(false);
            operator = cfg.operatorPort() == null ? null : operatorServer(cfg.operatorPort(), metrics);
            server.start();

            ScheduledExecutorService hk = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
            hk.scheduleWithFixedDelay(() -> {
                try {
                    nonces.purgeExpired(cfg.clock().millis());
                } catch (java.sql.SQLException e) {
                    // Retried on the next round; expired nonces are harmless, only space.
                }
            }, 1, 1, TimeUnit.MINUTES);
            return new Hub(server, operator, db, hk, url, origin, hubKey, handler, owners, log, dataLock);
        } catch (StartException e) {
            stopQuietly(operator);
            closeQuietly(logRef[0]);
            dataLock.close();
            db.close();
            throw e;
        } catch (Exception e) {
            stopQuietly(operator);
            closeQuietly(logRef[0]);
            dataLock.close();
            db.close();
            throw new StartException("cannot start the hub: " + e.getMessage(), e);
        }
    }

    /**
     * The operator port: {@code /metrics} on the loopback address only, on a server of its own so that it answers
     * whatever load the public port is under. Anything else there is a 404.
     */
    private static Server operatorServer(int port, PrometheusMeterRegistry metrics) throws Exception {
        Server op = new Server(new VirtualThreadPool());
        ServerConnector c = new ServerConnector(op);
        c.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        c.setPort(port);
        op.addConnector(c);
        op.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                boolean metricsPath = "GET".equals(request.getMethod())
                        && "/metrics".equals(request.getHttpURI().getPath());
                response.setStatus(metricsPath ? 200 : 404);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, metricsPath
                        ? "text/plain; version=0.0.4; charset=utf-8" : "application/json");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                String body = metricsPath ? metrics.scrape()
                        : "{\"error\":\"the operator port serves only GET /metrics\",\"reason\":\"no_route\"}";
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        op.setErrorHandler(new JsonErrorHandler());
        op.setStopAtShutdown(false);
        op.start();
        return op;
    }

    private static void stopQuietly(Server s) {
        if (s != null) {
            try {
                s.stop();
            } catch (Exception e) {
                // best effort while failing to start
            }
        }
    }

    /** Where {@code /metrics} is served (loopback only), or null if no operator port is configured. */
    public URI operatorUrl() {
        if (operator == null) {
            return null;
        }
        ServerConnector c = (ServerConnector) operator.getConnectors()[0];
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + c.getLocalPort());
    }

    /**
     * Refuses to start without every master key the stored data keys are wrapped by: better one clear line now than
     * a 503 for some owners later (a hub given a stale {@code $CARAPACE_MASTER_KEY}, a retired key destroyed early).
     */
    private static void requireMasterKeysFor(OwnerService owners, MasterKeyring keyring)
            throws StartException, java.sql.SQLException {
        java.util.Map<String, Integer> missing = new java.util.TreeMap<>(owners.dataKeysByMasterKey());
        missing.keySet().removeAll(keyring.ids());
        if (!missing.isEmpty()) {
            throw new StartException("owner data keys in the database are wrapped by master key(s) this hub does not"
                    + " have: " + missing + " (id=count); give it that key (master.key, master.key.next, "
                    + MasterKeyring.RETIRED_PREFIX + "<id> in its data folder, or $" + MasterKeyring.ENV + ")", null);
        }
    }

    private static ObjectNode wellKnown(HubConfig cfg, Ed25519KeyPair hubKey, String hubKeyId, Origin origin) {
        ObjectNode o = Json.object();
        o.put("name", cfg.name());
        o.put("version", VERSION);
        ObjectNode keys = o.putObject("keys");
        keys.put("signing", hubKey.publicKey().b64url());
        keys.put("signingKeyId", hubKeyId);
        ObjectNode endpoints = o.putObject("endpoints");
        endpoints.put("api", "/v1");
        endpoints.put("openapi", "/v1/openapi.json");
        endpoints.put("health", "/healthz");
        ObjectNode auth = o.putObject("authentication");
        auth.put("scheme", "RFC 9421 HTTP Message Signatures");
        auth.put("alg", "ed25519");
        auth.put("label", dev.carapace.crypto.httpsig.HttpSignature.LABEL);
        auth.put("origin", origin.toString());
        auth.put("covered", "@method @target-uri content-digest");
        auth.put("windowSeconds", RequestAuthenticator.WINDOW_SECONDS);
        return o;
    }

    /**
     * Rotates the master key held in the data folder: a new key is written to {@code master.key.next}, every owner's
     * data key is rewrapped under it, the old key is kept as {@code master.key.retired-<id>} and the new one becomes
     * {@code master.key}. Each step is atomic and a rerun finishes an interrupted rotation. It refuses while a hub
     * holds the data folder or, on PostgreSQL, while any hub uses the database ({@link DataLock}). Returns how many
     * data keys were rewrapped.
     */
    public static int rotateMasterKey(HubConfig cfg) throws StartException {
        if (cfg.masterKey() != null && !cfg.masterKey().isBlank()) {
            throw new StartException("the master key comes from $" + MasterKeyring.ENV + "; to rotate it, put the new"
                    + " key in master.key.next, the current one in master.key, unset the variable and run again", null);
        }
        Path dir = cfg.dataDir();
        Path current = dir.resolve("master.key");
        Path next = dir.resolve("master.key.next");
        if (!Files.exists(current)) {
            throw new StartException("no master key in " + dir + ": nothing to rotate", null);
        }
        try (Database db = Database.open(cfg.dbUrl(), dir);
             DataLock held = DataLock.forMaintenance(dir, db, "master key rotation")) {
            if (!Files.exists(next)) {
                SecureFiles.writeAtomic(next, (Bytes.b64url(Bytes.random(32)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            MasterKeyring keyring = MasterKeyring.load(dir, null);
            Ed25519KeyPair hubKey = loadOrCreateHubKey(dir);
            OwnerService owners = new OwnerService(db, new JdbcOwnerStore(db), keyring, hubKey,
                    "carapace-hub:" + hubKey.publicKey().b64url());
            // No hub runs (the lock), so nothing is wrapped under the old key meanwhile.
            int total = switch (owners.rewrapAll()) {
                case OwnerService.Rewrapped r -> r.count();
                case OwnerService.CannotRewrap r -> throw new StartException("master key rotation failed (rerun to"
                        + " finish it): cannot rewrap the data key of " + r.ownerId() + ": " + r.reason(), null);
            };
            // The old key stays beside the new one, still loaded to open, until retire-master-key finds it unused.
            String oldId = MasterKeyring.keyId(Bytes.fromB64url(Files.readString(current).trim()));
            SecureFiles.writeAtomic(dir.resolve(MasterKeyring.RETIRED_PREFIX + oldId), Files.readAllBytes(current));
            Files.move(next, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return total;
        } catch (SQLException | IOException | CryptoException e) {
            throw new StartException("master key rotation failed (rerun to finish it): " + e.getMessage(), e);
        }
    }

    /**
     * Checks that no owner data key in the database is still wrapped by the retired master key {@code id} and, with
     * {@code delete}, only then deletes {@code master.key.retired-<id>}. Refuses while a hub runs on this data (a hub
     * could be wrapping under it). Returns how many data keys the key still wraps (with {@code delete}, always 0: a
     * key still in use is a {@link StartException}).
     */
    public static int retireMasterKey(HubConfig cfg, String id, boolean delete) throws StartException {
        if (!id.matches("[0-9a-f]{16}")) {
            throw new StartException("a master key id is 16 lowercase hex digits (the suffix of "
                    + MasterKeyring.RETIRED_PREFIX + "<id>)", null);
        }
        Path dir = cfg.dataDir();
        Path retired = dir.resolve(MasterKeyring.RETIRED_PREFIX + id);
        if (!Files.exists(retired)) {
            throw new StartException("no retired master key " + id + " in " + dir, null);
        }
        try (Database db = Database.open(cfg.dbUrl(), dir);
             DataLock held = DataLock.forMaintenance(dir, db, "retiring a master key")) {
            MasterKeyring keyring = MasterKeyring.load(dir, null);
            if (id.equals(keyring.currentId())) {
                throw new StartException("master key " + id + " is the current one, not retired", null);
            }
            Ed25519KeyPair hubKey = loadOrCreateHubKey(dir);
            OwnerService owners = new OwnerService(db, new JdbcOwnerStore(db), keyring, hubKey,
                    "carapace-hub:" + hubKey.publicKey().b64url());
            int still = owners.dataKeysByMasterKey().getOrDefault(id, 0);
            if (still > 0 && delete) {
                throw new StartException("master key " + id + " still wraps " + still + " owner data key(s): it was"
                        + " not deleted; run rotate-master-key to rewrap them, then retire it", null);
            }
            if (delete) {
                Files.delete(retired);
            }
            return still;
        } catch (SQLException | IOException | CryptoException e) {
            throw new StartException("retiring master key " + id + " failed: " + e.getMessage(), e);
        }
    }

    private static Ed25519KeyPair loadOrCreateHubKey(Path dataDir) throws IOException, CryptoException {
        Path file = dataDir.resolve("hub.key");
        if (!Files.exists(file)) {
            try (Ed25519KeyPair kp = Ed25519KeyPair.generate()) {
                SecureFiles.writeAtomic(file, (Bytes.b64url(kp.seed()) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!SecureFiles.isOwnerOnly(file)) {
            throw new CryptoException(file + " is readable by others; it must be mode 0600");
        }
        return Ed25519KeyPair.fromSeed(Bytes.fromB64url(Files.readString(file).trim()));
    }

    public URI url() {
        return url;
    }

    /** The origin clients sign requests for: the public URL if one is configured, else {@link #url()}. */
    public URI origin() {
        return URI.create(origin.toString());
    }

    public int port() {
        return url.getPort();
    }

    public String publicKey() {
        return hubKey.publicKey().b64url();
    }

    public List<Route> routes() {
        return handler.routes();
    }

    public Database database() {
        return db;
    }

    public TransparencyLog log() {
        return log;
    }

    public OwnerService owners() {
        return owners;
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        stopQuietly(operator);
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping is best effort; the log and the database are closed regardless.
        }
        log.close();
        dataLock.close();
        db.close();
    }
}
