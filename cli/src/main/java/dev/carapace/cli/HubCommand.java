package dev.carapace.cli;

import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "hub", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = {"Run the hub. By default: an embedded SQLite file under ./carapace-data, on 127.0.0.1:7420.",
            "Several hubs on one PostgreSQL (--db postgresql://…) serve one network; give them the same master key"
                    + " ($CARAPACE_MASTER_KEY)."},
        subcommands = {HubCommand.RotateMasterKey.class, HubCommand.RetireMasterKey.class})
public final class HubCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "7420", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", defaultValue = "carapace-data", paramLabel = "DIR",
            description = "Data folder: the SQLite file and the hub's key files (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--db", paramLabel = "URL", description = "postgresql://user:pass@host:port/db (default: SQLite).")
    String db;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--insecure-bind", description = "Allow a non-loopback address without TLS.")
    boolean insecureBind;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--name", defaultValue = "carapace-hub", description = "The hub's name.")
    String name;

    @Option(names = "--witness", paramLabel = "VKEY", description = {"A witness whose cosignatures the log"
            + " accepts and serves (its key from 'carapace witness init'); repeatable."})
    List<String> witnessKeys = new ArrayList<>();

    @Option(names = "--public-url", paramLabel = "URL", description = {"The URL clients use: the hub's origin."
            + " Signed requests must be addressed to it (421 otherwise) and are verified against it. Default: the"
            + " bound address. Needed behind a reverse proxy (which must forward the client's Host unchanged) and"
            + " with a wildcard --bind."})
    java.net.URI publicUrl;

    @Option(names = "--operator-port", paramLabel = "PORT", description = {"Serve /metrics (Prometheus) on this port"
            + " of the loopback address only; 0 picks a free one. Default: no metrics are served (the public port"
            + " never serves them)."})
    Integer operatorPort;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            defaultValue = "" + HubConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, description = {"Connections one client"
            + " address (IPv4, or IPv6 /64) may hold open at once; 0 for no cap, e.g. behind a proxy that is the"
            + " hub's only peer (default: ${DEFAULT-VALUE})."})
    int maxConnectionsPerAddress;

    @Option(names = "--trust-seed", paramLabel = "ID", description = {"An identity reputation starts from: trust"
            + " reaches others only along signed, logged interactions from the seeds (docs/reputation.md);"
            + " repeatable. Without one, no identity has reputation on this hub."})
    List<String> trustSeeds = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        for (String seed : trustSeeds) {
            if (!dev.carapace.crypto.AgentId.isValid(seed) || !seed.equals(seed.toLowerCase(java.util.Locale.ROOT))) {
                throw CliException.usage("--trust-seed takes an identity id (cara1...): " + seed);
            }
        }
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be between 0 and 65535");
        }
        if (operatorPort != null && (operatorPort < 0 || operatorPort > 65535 || (operatorPort == port && port != 0))) {
            throw CliException.usage("--operator-port must be between 0 and 65535 and differ from --port");
        }
        if (maxConnectionsPerAddress < 0) {
            throw CliException.usage("--max-connections-per-address must be 0 (no cap) or more");
        }
        HubConfig defaults = HubConfig.defaults(data);
        HubConfig cfg = new HubConfig(name, bind, port, data, db, tlsCert, tlsKey, insecureBind,
                defaults.masterKey(), defaults.limits(), LogTrustOptions.parseWitnesses(witnessKeys), publicUrl,
                defaults.clock(), operatorPort, maxConnectionsPerAddress, trustSeeds);
        Hub hub;
        try {
            hub = Hub.start(cfg);
        } catch (Hub.StartException e) {
            throw CliException.config(e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(hub::close, "carapace-hub-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("carapace hub listening on " + hub.url());
        out.println("  origin:      " + hub.origin() + " (signed requests must be addressed to it)");
        out.println("  storage:     " + (db == null ? "SQLite " + data.resolve("hub.db").toAbsolutePath()
                : "PostgreSQL"));
        out.println("  signing key: ed25519:" + hub.publicKey());
        out.println("  log key:     " + hub.log().verifier().encode());
        out.println("  discovery:   " + hub.url() + "/.well-known/carapace");
        out.println("  trust seeds: " + (trustSeeds.isEmpty() ? "none (no identity has reputation)"
                : String.join(", ", cfg.trustSeeds())));
        if (hub.operatorUrl() != null) {
            out.println("  metrics:     " + hub.operatorUrl() + "/metrics (loopback only)");
        }
        out.flush();
        hub.join();
        return ExitCodes.OK;
    }

    @Command(name = "rotate-master-key", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Rotate the master key that wraps owner data keys: every data key is rewrapped under a new"
                    + " key; the old one is kept as master.key.retired-<id>, and hubs keep loading it to open (never"
                    + " to wrap) until 'retire-master-key <id>' has checked that nothing needs it.",
                "Refuses while a hub holds the data folder (hub.lock) or, on PostgreSQL, while any hub uses the"
                        + " database: stop them first (use the parent's --data and --db). A rerun finishes an"
                        + " interrupted rotation. Hubs given the key in $CARAPACE_MASTER_KEY need the new master.key"
                        + " there before they restart; a hub refuses to start without a key its data needs."})
    static final class RotateMasterKey implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        HubCommand hub;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HubConfig cfg = HubConfig.defaults(hub.data).withDb(hub.db);
            int n;
            try {
                n = Hub.rotateMasterKey(cfg);
            } catch (Hub.StartException e) {
                throw CliException.config(e.getMessage());
            }
            spec.commandLine().getOut().println("rotated the master key in " + hub.data + ": " + n
                    + " owner data keys rewrapped");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "retire-master-key", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Destroy a retired master key (master.key.retired-<ID>) once nothing in the database needs"
                    + " it: the command counts the owner data keys still wrapped by it and deletes the file only if"
                    + " there are none. With --check it only counts.",
                "A backup of the database taken before the rotation still needs the retired key: keep a copy of the"
                        + " key with that backup, or destroy both together. Refuses while a hub runs on this data."})
    static final class RetireMasterKey implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        HubCommand hub;

        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID",
                description = "The retired key's id: the suffix of its master.key.retired-<ID> file.")
        String id;

        @Option(names = "--check", description = "Only count the data keys it still wraps; delete nothing.")
        boolean check;

        @Override
        public Integer call() throws Exception {
            HubConfig cfg = HubConfig.defaults(hub.data).withDb(hub.db);
            int still;
            try {
                still = Hub.retireMasterKey(cfg, id, !check);
            } catch (Hub.StartException e) {
                throw CliException.config(e.getMessage());
            }
            var out = spec.commandLine().getOut();
            if (check) {
                out.println("master key " + id + " still wraps " + still + " owner data key(s)"
                        + (still == 0 ? ": nothing in the database needs it" : ": run rotate-master-key first"));
            } else {
                out.println("master key " + id + " is no longer used and was deleted from " + hub.data);
            }
            out.flush();
            return check && still > 0 ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK;
        }
    }
}
