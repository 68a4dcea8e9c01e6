package dev.carapace.cli;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "sign", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = {"Sign files: writes FILE.dsse.json next to each FILE.",
            "The envelope holds an in-toto Statement naming the file by its SHA-256 digest, signed by the current key."})
public final class SignCommand implements Callable<Integer> {
    public static final String PREDICATE_TYPE = "https://carapace.dev/attestations/signature/v1";

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to sign.")
    List<Path> files;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Home home = homeOptions.open();
        Home.Identity identity = home.identity();
        ArrayNode results = Json.MAPPER.createArrayNode();
        try (Ed25519KeyPair key = home.currentKey(identity)) {
            for (Path file : files) {
                String digest = Bytes.hex(sha256(file));
                ObjectNode predicate = Json.object();
                predicate.put("signer", identity.log().id().toString());
                InTotoStatement st = new InTotoStatement(
                        List.of(new InTotoStatement.Subject(file.getFileName().toString(), digest)),
                        PREDICATE_TYPE, predicate);
                Dsse.Envelope env;
                try {
                    env = st.sign(identity.log().currentKeyId(), key);
                } catch (CryptoException e) {
                    throw CliException.config("cannot sign " + file + ": " + e.getMessage());
                }
                Path out = file.resolveSibling(file.getFileName() + ".dsse.json");
                SecureFiles.writeAtomic(out, (Json.pretty(env.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
                ObjectNode r = results.addObject();
                r.put("file", file.toString());
                r.put("sha256", digest);
                r.put("signature", out.toString());
                if (!json) {
                    spec.commandLine().getOut().println("signed " + file + " -> " + out);
                }
            }
        }
        if (json) {
            spec.commandLine().getOut().println(Json.compact(results));
        }
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    static byte[] sha256(Path file) throws IOException {
        MessageDigest md = Bytes.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
