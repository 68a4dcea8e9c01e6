package dev.carapace.mls.vectors;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.TreeMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Runs mlswg test-vector files through the engine's public API and reports per-family results.
 *
 * <p>A file belongs to a family when its name (without {@code .json}) equals the family name or starts with
 * {@code family + "-"} / {@code family + "_"}. Every case counts towards TOTAL; a case passes only if every check
 * in it holds. All 16 families have checks (psk_secret, transcript-hashes, tree-validation and deserialization
 * in {@link ExtraVectors}); cases for unsupported cipher suites count as not passed, so
 * {@link Result#allPassed()} is an honest conformance signal.
 */
public final class VectorRunner {
    /** The 16 mlswg families, in the order they are reported. */
    public static final List<String> FAMILIES = List.of("tree-math", "crypto-basics", "secret-tree",
            "message-protection", "key-schedule", "psk_secret", "transcript-hashes", "welcome", "tree-operations",
            "tree-validation", "treekem", "messages", "deserialization", "passive-client-welcome",
            "passive-client-handling-commit", "passive-client-random");

    private static final HexFormat HEX = HexFormat.of();

    /** PASSED/TOTAL for one family. */
    public record FamilyResult(String family, int passed, int total) {
        public boolean allPassed() {
            return passed == total;
        }

        @Override
        public String toString() {
            return family + ": " + passed + "/" + total;
        }
    }

    /** Results for every family that had at least one file in the directory. */
    public record Result(Map<String, FamilyResult> families) {
        public boolean allPassed() {
            return !families.isEmpty() && families.values().stream().allMatch(FamilyResult::allPassed);
        }
    }

    private final ObjectMapper mapper = new ObjectMapper();

    /** Runs every recognised vector file in {@code dir} (non-recursive). */
    public Result runDirectory(Path dir) throws IOException {
        Map<String, int[]> counts = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            Optional<String> family = familyOf(file.getFileName().toString());
            if (family.isEmpty()) {
                continue;
            }
            JsonNode cases = mapper.readTree(Files.readAllBytes(file));
            int[] c = counts.computeIfAbsent(family.get(), k -> new int[2]);
            for (JsonNode testCase : cases) {
                c[1]++;
                if (runCase(family.get(), testCase)) {
                    c[0]++;
                }
            }
        }
        Map<String, FamilyResult> out = new LinkedHashMap<>();
        for (String f : FAMILIES) {
            int[] c = counts.get(f);
            if (c != null) {
                out.put(f, new FamilyResult(f, c[0], c[1]));
            }
        }
        return new Result(out);
    }

    /** The family a vector file belongs to, by file name. */
    public static Optional<String> familyOf(String fileName) {
        String base = fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName;
        String norm = base.replace('_', '-');
        // Longest match first so "passive-client-welcome" is not taken for a shorter prefix.
        return FAMILIES.stream()
                .sorted((a, b) -> b.length() - a.length())
                .filter(f -> {
                    String nf = f.replace('_', '-');
                    return norm.equals(nf) || norm.startsWith(nf + "-");
                })
                .findFirst();
    }

    private boolean runCase(String family, JsonNode c) {
        try {
            return switch (family) {
                case "tree-math" -> treeMath(c);
                case "crypto-basics" -> cryptoBasics(c);
                case "key-schedule" -> keySchedule(c);
                case "secret-tree" -> secretTree(c);
                case "messages" -> FramingVectors.messages(c);
                case "welcome" -> GroupVectors.welcome(c);
                case "passive-client-welcome", "passive-client-handling-commit", "passive-client-random" ->
                        GroupVectors.passiveClient(c);
                case "tree-operations" -> TreeVectors.treeOperations(c);
                case "treekem" -> TreeVectors.treekem(c);
                case "message-protection" -> FramingVectors.messageProtection(c);
                case "psk_secret" -> ExtraVectors.pskSecret(c);
                case "transcript-hashes" -> ExtraVectors.transcriptHashes(c);
                case "tree-validation" -> ExtraVectors.treeValidation(c);
                case "deserialization" -> ExtraVectors.deserialization(c);
                default -> false; // unknown family
            };
        } catch (RuntimeException e) {
            if (Boolean.getBoolean("carapace.mls.debug")) {
                System.err.println(family + ": " + e);
                e.printStackTrace();
            }
            return false;
        }
    }

    private static boolean treeMath(JsonNode c) {
        long n = c.get("n_leaves").asLong();
        if (TreeMath.nodeWidth(n) != c.get("n_nodes").asLong() || TreeMath.root(n) != c.get("root").asLong()) {
            return false;
        }
        for (int i = 0; i < TreeMath.nodeWidth(n); i++) {
            if (!TreeMath.left(i).equals(opt(c.get("left").get(i)))
                    || !TreeMath.right(i).equals(opt(c.get("right").get(i)))
                    || !TreeMath.parent(i, n).equals(opt(c.get("parent").get(i)))
                    || !TreeMath.sibling(i, n).equals(opt(c.get("sibling").get(i)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean cryptoBasics(JsonNode c) {
        Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
        if (maybe.isEmpty()) {
            return false;
        }
        CipherSuite s = maybe.get();
        JsonNode r = c.get("ref_hash");
        JsonNode e = c.get("expand_with_label");
        JsonNode d = c.get("derive_secret");
        JsonNode t = c.get("derive_tree_secret");
        JsonNode g = c.get("sign_with_label");
        JsonNode h = c.get("encrypt_with_label");
        String gl = g.get("label").asString();
        String hl = h.get("label").asString();
        byte[] ours = s.signWithLabel(hex(g, "priv"), gl, hex(g, "content"));
        CipherSuite.HpkeCiphertext fresh = s.encryptWithLabel(hex(h, "pub"), hl, hex(h, "context"),
                hex(h, "plaintext"));
        return Arrays.equals(s.refHash(r.get("label").asString(), hex(r, "value")), hex(r, "out"))
                && Arrays.equals(s.expandWithLabel(hex(e, "secret"), e.get("label").asString(), hex(e, "context"),
                        e.get("length").asInt()), hex(e, "out"))
                && Arrays.equals(s.deriveSecret(hex(d, "secret"), d.get("label").asString()), hex(d, "out"))
                && Arrays.equals(s.deriveTreeSecret(hex(t, "secret"), t.get("label").asString(),
                        t.get("generation").asLong(), t.get("length").asInt()), hex(t, "out"))
                && s.verifyWithLabel(hex(g, "pub"), gl, hex(g, "content"), hex(g, "signature"))
                && s.verifyWithLabel(hex(g, "pub"), gl, hex(g, "content"), ours)
                && Arrays.equals(s.decryptWithLabel(hex(h, "priv"), hl, hex(h, "context"),
                        new CipherSuite.HpkeCiphertext(hex(h, "kem_output"), hex(h, "ciphertext"))),
                        hex(h, "plaintext"))
                && Arrays.equals(s.decryptWithLabel(hex(h, "priv"), hl, hex(h, "context"), fresh),
                        hex(h, "plaintext"));
    }

    private static boolean keySchedule(JsonNode c) {
        Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
        if (maybe.isEmpty()) {
            return false;
        }
        CipherSuite s = maybe.get();
        byte[] groupId = hex(c, "group_id");
        byte[] init = hex(c, "initial_init_secret");
        long epoch = 0;
        for (JsonNode e : c.get("epochs")) {
            byte[] gc = new GroupContext(s, groupId, epoch, hex(e, "tree_hash"), hex(e, "confirmed_transcript_hash"),
                    new byte[0]).encode();
            EpochSecrets es = EpochSecrets.derive(s, init, hex(e, "commit_secret"), hex(e, "psk_secret"), gc);
            JsonNode x = e.get("exporter");
            boolean ok = Arrays.equals(gc, hex(e, "group_context"))
                    && Arrays.equals(es.joinerSecret(), hex(e, "joiner_secret"))
                    && Arrays.equals(es.welcomeSecret(), hex(e, "welcome_secret"))
                    && Arrays.equals(es.initSecret(), hex(e, "init_secret"))
                    && Arrays.equals(es.senderDataSecret(), hex(e, "sender_data_secret"))
                    && Arrays.equals(es.encryptionSecret(), hex(e, "encryption_secret"))
                    && Arrays.equals(es.exporterSecret(), hex(e, "exporter_secret"))
                    && Arrays.equals(es.epochAuthenticator(), hex(e, "epoch_authenticator"))
                    && Arrays.equals(es.externalSecret(), hex(e, "external_secret"))
                    && Arrays.equals(es.confirmationKey(), hex(e, "confirmation_key"))
                    && Arrays.equals(es.membershipKey(), hex(e, "membership_key"))
                    && Arrays.equals(es.resumptionPsk(), hex(e, "resumption_psk"))
                    && Arrays.equals(es.externalPublicKey(), hex(e, "external_pub"))
                    && Arrays.equals(es.export(x.get("label").asString(), hex(x, "context"), x.get("length").asInt()),
                            hex(x, "secret"));
            if (!ok) {
                return false;
            }
            init = es.initSecret();
            epoch++;
        }
        return true;
    }

    private static boolean secretTree(JsonNode c) {
        Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
        if (maybe.isEmpty()) {
            return false;
        }
        CipherSuite s = maybe.get();
        JsonNode sd = c.get("sender_data");
        SecretTree.KeyAndNonce sdk = SecretTree.senderDataKey(s, hex(sd, "sender_data_secret"), hex(sd, "ciphertext"));
        if (!Arrays.equals(sdk.key(), hex(sd, "key")) || !Arrays.equals(sdk.nonce(), hex(sd, "nonce"))) {
            return false;
        }
        JsonNode leaves = c.get("leaves");
        SecretTree tree = new SecretTree(s, hex(c, "encryption_secret"), leaves.size(), RatchetLimits.DEFAULT);
        for (int leaf = 0; leaf < leaves.size(); leaf++) {
            for (JsonNode g : leaves.get(leaf)) {
                long gen = g.get("generation").asLong();
                SecretTree.KeyAndNonce hs = tree.keyForGeneration(leaf, SecretTree.RatchetType.HANDSHAKE, gen);
                SecretTree.KeyAndNonce app = tree.keyForGeneration(leaf, SecretTree.RatchetType.APPLICATION, gen);
                if (!Arrays.equals(hs.key(), hex(g, "handshake_key"))
                        || !Arrays.equals(hs.nonce(), hex(g, "handshake_nonce"))
                        || !Arrays.equals(app.key(), hex(g, "application_key"))
                        || !Arrays.equals(app.nonce(), hex(g, "application_nonce"))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static OptionalInt opt(JsonNode v) {
        return v == null || v.isNull() ? OptionalInt.empty() : OptionalInt.of(v.asInt());
    }

    private static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
