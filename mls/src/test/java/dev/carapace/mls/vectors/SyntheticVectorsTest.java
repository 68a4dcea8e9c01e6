package dev.carapace.mls.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.group.CredentialValidator;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.schedule.PskSecret;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Exercises the VectorRunner checks for families with no shared vector file yet: each test builds a small vector
 * in the mlswg format from our own engine, checks that it passes, and checks that a corrupted copy fails (so a
 * check that accepts everything would be caught).
 */
class SyntheticVectorsTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private VectorRunner.FamilyResult run(String family, ArrayNode cases) throws Exception {
        Path sub = Files.createDirectories(dir.resolve(family + "-" + System.nanoTime()));
        Files.writeString(sub.resolve(family + ".json"), MAPPER.writeValueAsString(cases));
        return new VectorRunner().runDirectory(sub).families().get(family);
    }

    private static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    private static byte[] flip(byte[] b) {
        byte[] c = b.clone();
        c[c.length - 1] ^= 1;
        return c;
    }

    @Test
    void pskSecret() throws Exception {
        ArrayNode cases = MAPPER.createArrayNode();
        for (int n : new int[] {0, 1, 3}) {
            ObjectNode c = cases.addObject().put("cipher_suite", S.id());
            ArrayNode psks = c.putArray("psks");
            List<PreSharedKeyId> ids = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] id = CipherSuite.randomBytes(8);
                byte[] nonce = CipherSuite.randomBytes(S.hashLength());
                byte[] psk = CipherSuite.randomBytes(32);
                psks.addObject().put("psk_id", hex(id)).put("psk", hex(psk)).put("psk_nonce", hex(nonce));
                ids.add(PreSharedKeyId.external(id, nonce));
                values.add(psk);
            }
            byte[] secret = PskSecret.compute(S, ids, values);
            c.put("psk_secret", hex(secret == null ? new byte[S.hashLength()] : secret));
        }
        assertThat(run("psk_secret", cases)).isEqualTo(new VectorRunner.FamilyResult("psk_secret", 3, 3));
        ((ObjectNode) cases.get(2)).put("psk_secret", hex(flip(HEX.parseHex(cases.get(2).get("psk_secret")
                .asString()))));
        assertThat(run("psk_secret", cases).passed()).isEqualTo(2);
    }

    @Test
    void transcriptHashes() throws Exception {
        byte[] sigPriv = S.generateSignaturePrivateKey();
        FramedContent fc = FramedContent.commit("g".getBytes(), 3, Sender.member(1), new byte[] {9},
                new Commit(List.of(), null));
        dev.carapace.mls.schedule.GroupContext ctx = new dev.carapace.mls.schedule.GroupContext(S, "g".getBytes(), 3,
                CipherSuite.randomBytes(32), CipherSuite.randomBytes(32), new byte[0]);
        byte[] sig = AuthenticatedContent.sign(S, sigPriv, MlsMessage.PUBLIC_MESSAGE, fc, ctx);
        byte[] interimBefore = CipherSuite.randomBytes(32);
        byte[] confKey = CipherSuite.randomBytes(32);
        byte[] confirmed = TranscriptHash.confirmed(S, interimBefore,
                new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, fc, sig, null).confirmedTranscriptHashInput());
        byte[] tag = S.mac(confKey, confirmed);
        AuthenticatedContent ac = new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, fc, sig, tag);
        ArrayNode cases = MAPPER.createArrayNode();
        cases.addObject().put("cipher_suite", S.id()).put("confirmation_key", hex(confKey))
                .put("authenticated_content", hex(ac.encode())).put("interim_transcript_hash_before",
                        hex(interimBefore))
                .put("confirmed_transcript_hash_after", hex(confirmed))
                .put("interim_transcript_hash_after", hex(TranscriptHash.interim(S, confirmed, tag)));
        assertThat(run("transcript-hashes", cases).allPassed()).isTrue();
        ((ObjectNode) cases.get(0)).put("confirmation_key", hex(flip(confKey)));
        assertThat(run("transcript-hashes", cases).passed()).isZero();
    }

    /** A five-member group with a removal (internal blank) and updates, built through the Group API. */
    private static Group sampleGroup(List<Group> others) {
        GroupConfig cfg = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);
        Group alice = Group.create(cfg, "tv".getBytes(), bundle("alice"));
        List<KeyPackageBundle> bs = List.of(bundle("b"), bundle("c"), bundle("d"), bundle("e"));
        PendingCommit add = alice.add(bs.stream().map(KeyPackageBundle::keyPackage).toList());
        alice.merge(add);
        for (KeyPackageBundle b : bs) {
            others.add(Group.join(cfg, add.welcome(), b, null));
        }
        PendingCommit rm = alice.remove(List.of(2));
        alice.merge(rm);
        return alice;
    }

    static KeyPackageBundle bundle(String name) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                S.generateSignaturePrivateKey(), Duration.ofDays(1));
    }

    @Test
    void treeValidation() throws Exception {
        Group g = sampleGroup(new ArrayList<>());
        RatchetTree t = g.ratchetTree();
        ObjectNode c = MAPPER.createArrayNode().addObject();
        c.put("cipher_suite", S.id()).put("tree", hex(t.encode())).put("group_id", hex(g.groupId()));
        ArrayNode res = c.putArray("resolutions");
        ArrayNode hashes = c.putArray("tree_hashes");
        for (int i = 0; i < t.nodeCount(); i++) {
            ArrayNode r = res.addArray();
            t.resolution(i, Set.of()).forEach(r::add);
            hashes.add(hex(t.treeHash(S, i)));
        }
        ArrayNode cases = MAPPER.createArrayNode().add(c);
        assertThat(run("tree-validation", cases).allPassed()).isTrue();
        // Leaf signatures are bound to the group id: a different one must fail.
        ArrayNode wrongGroup = cases.deepCopy();
        ((ObjectNode) wrongGroup.get(0)).put("group_id", hex("other".getBytes()));
        assertThat(run("tree-validation", wrongGroup).passed()).isZero();
        ArrayNode wrongHash = cases.deepCopy();
        ((ArrayNode) wrongHash.get(0).get("tree_hashes")).set(0, hex(new byte[32]));
        assertThat(run("tree-validation", wrongHash).passed()).isZero();
    }

    @Test
    void deserialization() throws Exception {
        ArrayNode cases = MAPPER.createArrayNode();
        for (long len : new long[] {0, 1, 63, 64, 16383, 16384, (1L << 30) - 1}) {
            cases.addObject().put("vlbytes_header", hex(new TlsWriter().writeVarint(len).toByteArray()))
                    .put("length", len);
        }
        assertThat(run("deserialization", cases).allPassed()).isTrue();
        // A non-minimal header (63 in two bytes) must be refused, as must a wrong length.
        cases.addObject().put("vlbytes_header", "403f").put("length", 63);
        cases.addObject().put("vlbytes_header", "3f").put("length", 62);
        assertThat(run("deserialization", cases)).isEqualTo(new VectorRunner.FamilyResult("deserialization", 7, 9));
    }

    @Test
    void passiveClientRandomUsesThePassiveClientCheck() throws Exception {
        GroupConfig cfg = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);
        Group alice = Group.create(cfg, "pcr".getBytes(), bundle("alice"));
        KeyPackageBundle passive = bundle("passive");
        KeyPackageBundle carol = bundle("carol");
        PendingCommit add = alice.add(List.of(passive.keyPackage(), carol.keyPackage()));
        alice.merge(add);
        Group carolG = Group.join(cfg, add.welcome(), carol, null);
        ObjectNode c = MAPPER.createArrayNode().addObject();
        c.put("cipher_suite", S.id()).putArray("external_psks");
        c.put("key_package", hex(MlsMessage.of(passive.keyPackage()).encode()))
                .put("signature_priv", hex(passive.signaturePrivateKey()))
                .put("encryption_priv", hex(passive.encryptionPrivateKey()))
                .put("init_priv", hex(passive.initPrivateKey())).put("welcome", hex(add.welcome().encode()))
                .putNull("ratchet_tree");
        c.put("initial_epoch_authenticator", hex(alice.epochAuthenticator()));
        ArrayNode epochs = c.putArray("epochs");
        for (int i = 0; i < 3; i++) {
            Group committer = i % 2 == 0 ? alice : carolG;
            Group other = committer == alice ? carolG : alice;
            PendingCommit u = committer.update();
            committer.merge(u);
            other.process(u.commit());
            ObjectNode e = epochs.addObject();
            e.putArray("proposals");
            e.put("commit", hex(u.commit().encode())).put("epoch_authenticator", hex(alice.epochAuthenticator()));
        }
        ArrayNode cases = MAPPER.createArrayNode().add(c);
        assertThat(run("passive-client-random", cases).allPassed()).isTrue();
        ((ObjectNode) cases.get(0).get("epochs").get(2)).put("epoch_authenticator", hex(new byte[32]));
        assertThat(run("passive-client-random", cases).passed()).isZero();
    }
}
