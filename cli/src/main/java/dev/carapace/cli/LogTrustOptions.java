package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.TrustedLogs;
import dev.carapace.crypto.CryptoException;
import dev.carapace.tlog.Cosigner;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The witness policy a command verifies checkpoints under, and where it keeps what it trusts: each log's pinned key
 * and last verified checkpoint live in {@code logs/} of the home folder.
 */
public final class LogTrustOptions {
    @Option(names = "--witness", paramLabel = "VKEY",
            description = "A witness whose cosignature counts (its key from 'carapace witness init'); repeatable.")
    List<String> witnessKeys = new ArrayList<>();

    @Option(names = "--quorum", paramLabel = "K",
            description = "How many of the --witness keys must have cosigned (default: all of them).")
    Integer quorum;

    public List<Cosigner> witnesses() {
        return parseWitnesses(witnessKeys);
    }

    static List<Cosigner> parseWitnesses(List<String> witnessKeys) {
        List<Cosigner> out = new ArrayList<>();
        for (String vkey : witnessKeys) {
            try {
                out.add(Cosigner.parse(vkey));
            } catch (CryptoException e) {
                throw CliException.usage("--witness " + vkey + ": " + e.getMessage());
            }
        }
        return out;
    }

    public int quorum() {
        int k = quorum == null ? witnessKeys.size() : quorum;
        if (k < 0 || k > witnessKeys.size()) {
            throw CliException.usage("--quorum must be between 0 and the number of --witness keys ("
                    + witnessKeys.size() + ")");
        }
        return k;
    }

    public static TrustedLogs store(Home home) {
        return new TrustedLogs(home.dir().resolve("logs"));
    }

    public LogVerifier connect(Home home, HubClient client, URI hub) {
        List<Cosigner> w = witnesses();
        int k = quorum();
        return Hubs.verified(hub, () -> LogVerifier.connect(client, store(home), w, k));
    }

    /** The options of a command that reads a hub's log: home, hub, and the witness policy. */
    public static final class Access {
        @Mixin
        public HomeOptions homeOptions;

        @Mixin
        public HubOptions hubOptions;

        @Mixin
        public LogTrustOptions trust;

        /** A connection to the hub's log, its key pinned and its witness policy set. */
        record Connected(Home home, URI hub, HubClient client, LogVerifier verifier) {}

        Connected connect() throws java.io.IOException {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            HubClient client = Hubs.client(hub);
            return new Connected(home, hub, client, trust.connect(home, client, hub));
        }
    }
}
