package dev.carapace.cli;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code --hub URL}; else $CARAPACE_HUB; else the hub this home registered with. */
public final class HubOptions {
    @Option(names = "--hub", paramLabel = "URL", description = "The hub (default: $CARAPACE_HUB, else the hub this"
            + " identity registered with).")
    String hub;

    /** Uses {@code url} (if not null) when no --hub was given, ahead of $CARAPACE_HUB and the remembered hub. */
    public void preferIfUnset(String url) {
        if (hub == null) {
            hub = url;
        }
    }

    public URI resolve(Home home) throws IOException {
        String url = hub;
        if (url == null) {
            url = System.getenv("CARAPACE_HUB");
        }
        if (url == null) {
            url = remembered(home);
        }
        if (url == null) {
            throw CliException.usage("which hub? pass --hub URL");
        }
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                throw new IllegalArgumentException("scheme");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--hub must be an http(s) URL, not '" + url + "'");
        }
    }

    public static String remembered(Home home) throws IOException {
        Path f = home.dir().resolve("config.json");
        if (!Files.exists(f)) {
            return null;
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(f));
            return n.has("hub") ? n.get("hub").asString() : null;
        } catch (CryptoException e) {
            throw CliException.config(f + " is damaged: " + e.getMessage());
        }
    }

    /** Records the hub in {@code config.json}, keeping whatever else the file holds. Callers hold the home lock. */
    public static void remember(Home home, URI hub) throws IOException {
        Path f = home.dir().resolve("config.json");
        ObjectNode o;
        try {
            o = Files.exists(f) ? Json.parseObject(Files.readAllBytes(f)) : Json.object();
        } catch (CryptoException e) {
            throw CliException.config(f + " is damaged: " + e.getMessage());
        }
        o.put("hub", hub.toString());
        SecureFiles.writeAtomic(home.dir().resolve("config.json"),
                (Json.pretty(o) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
