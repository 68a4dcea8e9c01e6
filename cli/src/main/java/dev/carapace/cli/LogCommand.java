package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.LogMonitor;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.crypto.Utf8;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.ProofException;
import dev.carapace.tlog.ProofFiles;
import dev.carapace.tlog.TlogProof;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "log", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "The transparency log: append signed statements, read checkpoints, verify proofs offline.",
        subcommands = {LogCommand.Append.class, LogCommand.ShowCheckpoint.class, LogCommand.Monitor.class,
            LogCommand.Proof.class, LogCommand.VerifyProof.class})
public final class LogCommand extends CommandGroup {

    @Command(name = "verify-proof", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a proof with no network access: a C2SP tlog-proof (from 'carapace log proof'),"
                    + " checked against --log-key and the witness policy, or an RFC 9162 inclusion or consistency"
                    + " proof in the JSON of the Merkle test vectors (the kind is told by its fields).",
                "Exit 0 when the proof is valid, 1 when it is not."})
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--log-key", paramLabel = "VKEY",
                description = "The log's verifier key (tlog-proof only; see /.well-known/carapace).")
        String logKey;

        @Option(names = "--entry", paramLabel = "FILE",
                description = "The entry the proof is about, e.g. a .dsse.json file (tlog-proof only; default: the"
                        + " entry the proof carries).")
        Path entry;

        @Mixin
        LogTrustOptions trust;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        /** A DSSE envelope file is logged in its compact form (as 'log append' sends it); anything else as is. */
        private static byte[] entryBytes(byte[] file) {
            try {
                return Dsse.fromJson(file).toBytes();
            } catch (CryptoException e) {
                return file;
            }
        }

        @Override
        public Integer call() throws Exception {
            byte[] bytes = Files.readAllBytes(file);
            String text;
            try {
                text = Utf8.decode(bytes);
            } catch (CryptoException e) {
                throw CliException.verification(file + ": " + e.getMessage());
            }
            boolean valid;
            String kind;
            String detail;
            if (text.startsWith(TlogProof.HEADER)) {
                kind = "tlog-proof";
                if (logKey == null) {
                    throw CliException.usage("a tlog-proof is checked against the log's key: pass --log-key VKEY");
                }
                NoteVerifier log;
                try {
                    log = NoteVerifier.parse(logKey);
                } catch (CryptoException e) {
                    throw CliException.usage("--log-key: " + e.getMessage());
                }
                try {
                    TlogProof p = TlogProof.parse(text);
                    byte[] e = entry == null ? p.extra() : entryBytes(Files.readAllBytes(entry));
                    if (e == null) {
                        throw new CryptoException("the proof carries no entry: pass --entry FILE");
                    }
                    Checkpoint cp = p.verify(Merkle.leafHash(e), log, trust.witnesses(), trust.quorum());
                    valid = true;
                    detail = "entry " + p.index() + " is in " + cp.origin() + " at size " + cp.size()
                            + (trust.quorum() > 0 ? ", cosigned by " + trust.quorum() + " or more witnesses" : "");
                } catch (CryptoException | ProofException e) {
                    valid = false;
                    detail = e.getMessage();
                }
            } else {
                ProofFiles.Result r = ProofFiles.verify(file);
                valid = r.valid();
                kind = r.kind();
                detail = r.detail();
            }
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", valid);
                o.put("kind", kind);
                o.put("detail", detail);
                out.println(Json.compact(o));
            } else {
                out.println((valid ? "valid " : "INVALID ") + kind + " proof: " + detail);
            }
            out.flush();
            return valid ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Fetch and verify an offline proof that the entry at INDEX is in the log: a C2SP tlog-proof"
                    + " carrying the entry, the inclusion proof and the (cosigned) checkpoint.",
                "Check it later with 'carapace log verify-proof FILE --log-key VKEY'."})
    static final class Proof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "INDEX")
        long index;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (default: stdout).")
        Path output;

        @Override
        public Integer call() throws Exception {
            var log = access.connect();
            String proof = Hubs.verified(log.hub(), () -> log.verifier().proof(index)).encode();
            if (output == null) {
                spec.commandLine().getOut().print(proof);
            } else {
                SecureFiles.writeAtomic(output, proof.getBytes(StandardCharsets.UTF_8));
                spec.commandLine().getOut().println("wrote a proof of entry " + index + " to " + output);
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "monitor", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Follow the log and verify every step: each checkpoint's signature, witness quorum and"
                    + " consistency with the last one trusted; then every new entry, hashed here, must rebuild the"
                    + " checkpoint's root. Resumes where it stopped.",
                "Exits 1 at the first failure; a split view prints both signed checkpoints as evidence."})
    static final class Monitor implements Callable<Integer>, HomeLock.PerStep {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Option(names = "--once", description = "Verify up to the current checkpoint, then exit.")
        boolean once;

        @Option(names = "--interval", defaultValue = "5", paramLabel = "SECONDS",
                description = "Seconds between polls (default: ${DEFAULT-VALUE}).")
        int interval;

        @Option(names = "--quiet", description = "One line per checkpoint, none per entry.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            if (interval < 1) {
                throw CliException.usage("--interval must be at least 1 second");
            }
            LogTrustOptions.Access.Connected log;
            try (HomeLock lock = HomeLock.acquire(access.homeOptions.resolveHome(), spec.commandLine().getErr())) {
                log = access.connect(); // may pin the log's key
            }
            URI hub = log.hub();
            LogMonitor monitor = new LogMonitor(log.client(), log.verifier(), LogTrustOptions.store(log.home()));
            var out = spec.commandLine().getOut();
            long lastSize = -1;
            while (true) {
                LogMonitor.Step step;
                // The home's lock around each step only, so other commands may use the home meanwhile.
                try (HomeLock lock = HomeLock.acquire(log.home().dir(), spec.commandLine().getErr())) {
                    step = Hubs.verified(hub, monitor::step);
                }
                if (!quiet) {
                    for (LogMonitor.Entry e : step.entries()) {
                        out.println("  " + e.index() + " " + describe(e.bytes()));
                    }
                }
                if (step.checkpoint().size() != lastSize) {
                    out.println("checkpoint " + step.checkpoint().size() + " " + Bytes.b64(step.checkpoint().root())
                            + ": verified, " + step.entries().size() + " new entries");
                    lastSize = step.checkpoint().size();
                }
                out.flush();
                if (once) {
                    return ExitCodes.OK;
                }
                Thread.sleep(interval * 1000L);
            }
        }

        /** A one-line summary of an entry: its DSSE payload type and signer, if it is an envelope. */
        private static String describe(byte[] entry) {
            try {
                Dsse.Envelope env = Dsse.fromJson(entry);
                return env.payloadType() + " signed by " + String.join(", ",
                        env.signatures().stream().map(Dsse.Signature::keyid).toList());
            } catch (CryptoException e) {
                return entry.length + " bytes (not a DSSE envelope)";
            }
        }
    }

    @Command(name = "append", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Append DSSE envelopes (e.g. from 'carapace sign') signed by this identity's current key.",
                "Sends them in batches (all of a batch or none is logged; each envelope costs one request of the"
                        + " rate limit, and limits are waited out). Prints one line per acknowledged entry; each"
                        + " acknowledgement's checkpoint is checked against the log's pinned key and for consistency"
                        + " with the last one trusted, and the entry's inclusion proof is checked, before it is"
                        + " printed."})
    static final class Append implements Callable<Integer> {
        /** Compact JSON of the envelopes in one batch; the hub takes bodies of up to 1 MiB. */
        static final int MAX_BATCH_JSON_BYTES = 768 * 1024;

        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Option(names = "--json", description = "Print a JSON array of {file, index, size} for the entries logged.")
        boolean json;

        @Parameters(arity = "1..*", paramLabel = "FILE.dsse.json")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            URI hub = hubOptions.resolve(home);
            List<Dsse.Envelope> envelopes = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            for (Path f : files) {
                try {
                    Dsse.Envelope env = Dsse.fromJson(Files.readAllBytes(f));
                    envelopes.add(env);
                    sizes.add(Json.compact(env.toJson()).length() + 1);
                } catch (CryptoException e) {
                    throw CliException.verification(f + ": " + e.getMessage());
                }
            }
            HubClient client = Hubs.client(hub);
            LogVerifier verifier = Hubs.verified(hub, () -> LogVerifier.connect(client,
                    LogTrustOptions.store(home), List.of(), 0));
            ArrayNode logged = Json.MAPPER.createArrayNode();
            try (Ed25519KeyPair key = home.currentKey(identity)) {
                Signer signer = Signer.current(identity.log(), key);
                int most = HubClient.MAX_LOG_BATCH;
                for (int from = 0; from < envelopes.size(); ) {
                    int to = from;
                    long bytes = 0;
                    while (to < envelopes.size() && to - from < most && (to == from
                            || bytes + sizes.get(to) <= MAX_BATCH_JSON_BYTES)) {
                        bytes += sizes.get(to++);
                    }
                    List<Dsse.Envelope> batch = envelopes.subList(from, to);
                    List<JsonNode> receipts;
                    try {
                        receipts = client.appendAllToLog(signer, batch);
                    } catch (HubException e) {
                        if (e.error() == ErrorReason.BATCH_TOO_LARGE && batch.size() > 1) {
                            most = batch.size() / 2; // a hub with lower limits: send smaller batches
                            continue;
                        }
                        throw Hubs.failure(hub, e);
                    } catch (java.io.IOException e) {
                        throw Hubs.failure(hub, e);
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        logged.add(check(hub, verifier, files.get(from + i), batch.get(i), receipts.get(i)));
                    }
                    from = to;
                }
            }
            if (json) {
                spec.commandLine().getOut().println(Json.compact(logged));
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }

        /** Checks one acknowledgement (checkpoint, inclusion proof), prints its line, and answers what --json shows. */
        private ObjectNode check(URI hub, LogVerifier verifier, Path f, Dsse.Envelope env, JsonNode r) {
            long index = r.path("index").asLong(-1);
            String note = r.path("checkpoint").asString("");
            Hubs.verified(hub, () -> verifier.accept(note));
            try {
                var cp = Checkpoint.open(note, verifier.key());
                List<byte[]> proof = new ArrayList<>();
                for (var h : r.path("proof")) {
                    proof.add(Bytes.fromB64(h.asString()));
                }
                Merkle.verifyInclusion(index, cp.size(), Merkle.leafHash(env.toBytes()), proof, cp.root());
                if (!json) {
                    spec.commandLine().getOut().println(f + ": index " + index + " (checkpoint size " + cp.size()
                            + ")");
                }
                ObjectNode o = Json.object();
                o.put("file", f.toString());
                o.put("index", index);
                o.put("size", cp.size());
                return o;
            } catch (CryptoException | ProofException | IllegalArgumentException e) {
                throw CliException.verification("the hub's acknowledgement of " + f + " does not verify: "
                        + e.getMessage());
            }
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Fetch the log's latest checkpoint (or, with --witness, the latest one the quorum cosigned),"
                    + " verify it against the last one trusted here, trust it, and print it.",
                "A split view exits 1 and prints both signed checkpoints as evidence."})
    static final class ShowCheckpoint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            var log = access.connect();
            LogVerifier verifier = log.verifier();
            LogVerifier.Verified v = Hubs.verified(log.hub(), verifier::update);
            Checkpoint cp = v.checkpoint();
            String note = v.note();
            if (json) {
                ObjectNode o = Json.object();
                o.put("origin", cp.origin());
                o.put("size", cp.size());
                o.put("root", Bytes.b64(cp.root()));
                o.put("vkey", verifier.key().encode());
                o.put("note", note);
                spec.commandLine().getOut().println(Json.compact(o));
            } else {
                spec.commandLine().getOut().print(note);
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

}
