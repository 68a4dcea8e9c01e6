package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.ProofException;
import dev.carapace.tlog.ProofFiles;
import java.net.URI;
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
import tools.jackson.databind.node.ObjectNode;

@Command(name = "log", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "The transparency log: append signed statements, read checkpoints, verify proofs offline.",
        subcommands = {LogCommand.Append.class, LogCommand.ShowCheckpoint.class, LogCommand.VerifyProof.class})
public final class LogCommand extends CommandGroup {

    @Command(name = "verify-proof", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify an RFC 9162 inclusion or consistency proof file (the JSON of the Merkle test"
                    + " vectors; the kind is told by its fields), with no network access.",
                "Exit 0 when the proof is valid, 1 when it is not."})
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ProofFiles.Result r = ProofFiles.verify(file);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", r.valid());
                o.put("kind", r.kind());
                o.put("detail", r.detail());
                out.println(Json.compact(o));
            } else {
                out.println((r.valid() ? "valid " : "INVALID ") + r.kind() + " proof: " + r.detail());
            }
            out.flush();
            return r.valid() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }

    @Command(name = "append", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Append DSSE envelopes (e.g. from 'carapace sign') signed by this identity's current key.",
                "Prints one line per acknowledged entry; each is checked against the log's key and its inclusion"
                        + " proof before it is printed."})
    static final class Append implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(arity = "1..*", paramLabel = "FILE.dsse.json")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            URI hub = hubOptions.resolve(home);
            HubClient client = new HubClient(hub);
            NoteVerifier vkey = logKey(client, hub);
            try (Ed25519KeyPair key = home.currentKey(identity)) {
                Signer signer = Signer.current(identity.log(), key);
                for (Path f : files) {
                    Dsse.Envelope env;
                    try {
                        env = Dsse.fromJson(Files.readAllBytes(f));
                    } catch (CryptoException e) {
                        throw CliException.verification(f + ": " + e.getMessage());
                    }
                    var r = Hubs.call(hub, () -> client.appendToLog(signer, env));
                    long index = r.get("index").asLong();
                    try {
                        var cp = Checkpoint.open(r.get("checkpoint").asString(), vkey);
                        List<byte[]> proof = new ArrayList<>();
                        for (var h : r.get("proof")) {
                            proof.add(Bytes.fromB64(h.asString()));
                        }
                        Merkle.verifyInclusion(index, cp.size(),
                                Merkle.leafHash(env.toBytes()), proof, cp.root());
                        spec.commandLine().getOut().println(f + ": index " + index + " (checkpoint size "
                                + cp.size() + ")");
                    } catch (CryptoException | ProofException e) {
                        throw CliException.verification("the hub's acknowledgement of " + f + " does not verify: "
                                + e.getMessage());
                    }
                }
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Fetch the log's latest checkpoint, verify its signature with the published key, print it.")
    static final class ShowCheckpoint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            URI hub = hubOptions.resolve(homeOptions.open());
            HubClient client = new HubClient(hub);
            NoteVerifier vkey = logKey(client, hub);
            String note = Hubs.call(hub, client::checkpoint);
            Checkpoint cp;
            try {
                cp = Checkpoint.open(note, vkey);
            } catch (CryptoException e) {
                throw CliException.verification("the checkpoint does not verify: " + e.getMessage());
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("origin", cp.origin());
                o.put("size", cp.size());
                o.put("root", Bytes.b64(cp.root()));
                o.put("note", note);
                spec.commandLine().getOut().println(Json.compact(o));
            } else {
                spec.commandLine().getOut().print(note);
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    static NoteVerifier logKey(HubClient client, URI hub) {
        var wk = Hubs.call(hub, client::wellKnown);
        try {
            return NoteVerifier.parse(wk.path("log").path("vkey").asString(""));
        } catch (CryptoException e) {
            throw CliException.verification("the hub publishes no usable log key: " + e.getMessage());
        }
    }
}
