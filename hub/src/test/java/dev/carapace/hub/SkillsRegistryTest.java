package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.skills.SkillVerificationException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

public class SkillsRegistryTest extends BackendTest {
    static final byte[] WASM = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};

    public static byte[] pkg(String name, String version, String extra) throws Exception {
        String manifest = "{\"name\":\"" + name + "\",\"version\":\"" + version + "\",\"entrypoints\":{\"main\":"
                + "{\"export\":\"_start\"}}" + extra + "}";
        return SkillPackage.build(Map.of("manifest.json", manifest.getBytes(StandardCharsets.UTF_8), "skill.wasm", WASM));
    }

    SkillsClient skills() {
        return new SkillsClient(f.client);
    }

    SkillVerifier verifier() throws Exception {
        return new SkillVerifier(skills(), LogVerifier.connect(f.client, new TrustedLogs(dir.resolve("trust")), List.of(), 0));
    }

    @Test
    void publicationIsLoggedAndVerifiesEndToEnd() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] bytes = pkg("alice/hello", "1.0.0", "");
        JsonNode r = skills().publishPackage(alice.signer(), bytes, null, false);
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        Checkpoint cp = Checkpoint.open(r.get("checkpoint").asString(), vkey);
        Dsse.Envelope env = Dsse.fromJson(skills().info("alice/hello").get("versions").get(0).get("envelope"));
        List<byte[]> proof = new ArrayList<>();
        for (JsonNode h : r.get("proof")) {
            proof.add(Bytes.fromB64(h.asString()));
        }
        Merkle.verifyInclusion(r.get("index").asLong(), cp.size(), Merkle.leafHash(env.toBytes()), proof, cp.root());
        assertThat(r.get("digest").asString()).isEqualTo(Bytes.hex(Bytes.sha256(bytes)));

        SkillVerifier.Verified v = verifier().verify("alice/hello", null, true);
        assertThat(v.digest()).isEqualTo(Bytes.hex(Bytes.sha256(bytes)));
        assertThat(v.publisher()).isEqualTo(alice.id());
        assertThat(v.revoked()).isFalse();
        assertThat(v.namespaceIndex()).isLessThan(v.publishIndex());
        assertThat(skills().search("hel").get("skills").get(0).get("name").asString()).isEqualTo("alice/hello");
        assertThat(skills().search("%").get("skills")).as("LIKE wildcards match literally").isEmpty();
        assertThat(skills().search("_").get("skills")).isEmpty();
        assertThat(skills().search("").get("skills")).hasSize(1);
        assertThat(skills().download(v.digest())).isEqualTo(bytes);
    }

    @Test
    void namespaceTheftIsRefused() throws Exception {
        HubFixture.Party alice = f.agent();
        HubFixture.Party mallory = f.agent();
        skills().publishPackage(alice.signer(), pkg("alice/hello", "1.0.0", ""), null, false);
        byte[] evil = pkg("alice/hello", "1.0.1", "");
        skills().upload(mallory.signer(), evil);
        assertThatThrownBy(() -> skills().publish(mallory.signer(),
                SkillsClient.signPublication(evil, mallory.signer()), false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> skills().claimNamespace(mallory.signer(), "alice", false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(skills().info("alice/hello").get("versions")).hasSize(1);
        assertThat(skills().namespace("alice").get("owner").asString()).isEqualTo(alice.id());
    }

    @Test
    void confusableNamesNeedAnOverrideThatInstallersSee() throws Exception {
        HubFixture.Party alice = f.agent();
        HubFixture.Party mallory = f.agent();
        skills().publishPackage(alice.signer(), pkg("alice/hello", "1.0.0", ""), null, false);
        // a look-alike namespace, then look-alike names in an honest-looking namespace
        assertThatThrownBy(() -> skills().claimNamespace(mallory.signer(), "a1ice", false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("confusable_name"));
        skills().claimNamespace(mallory.signer(), "mallory", false);
        for (String name : List.of("mallory/he11o", "mallory/hello-xxxxx", "mallory/helo")) {
            assertThatThrownBy(() -> skills().publishPackage(mallory.signer(), pkg(name, "1.0.0", ""), null, false))
                    .as(name).isInstanceOfSatisfying(HubException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.getMessage()).contains("alice/hello");
                    });
        }
        JsonNode r = skills().publishPackage(mallory.signer(), pkg("mallory/he11o", "1.0.0", ""), null, true);
        assertThat(r.get("confusableWith").get(0).get("existing").asString()).isEqualTo("alice/hello");
        SkillVerifier.Verified v = verifier().verify("mallory/he11o", "1.0.0", true);
        assertThat(v.warnings()).anyMatch(w -> w.contains("confusable with alice/hello"));
    }

    @Test
    void uploadsNoPublicationNamesExpireAfterADay() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] abandoned = pkg("alice/abandoned", "1.0.0", "");
        byte[] published = pkg("alice/kept", "1.0.0", "");
        skills().upload(alice.signer(), abandoned);
        skills().upload(alice.signer(), published);
        skills().claimNamespace(alice.signer(), "alice", false);
        skills().publish(alice.signer(), SkillsClient.signPublication(published, alice.signer()), false);
        // Both uploads are two days old now.
        f.hub.database().write(c -> {
            try (var ps = c.prepareStatement("UPDATE skill_blobs SET created_ms = created_ms - ?")) {
                ps.setLong(1, 2 * dev.carapace.hub.skills.SkillsApi.PENDING_UPLOAD_TTL_MS);
                ps.executeUpdate();
            }
            return null;
        });
        skills().upload(alice.signer(), pkg("alice/fresh", "1.0.0", "")); // any upload tidies up
        String abandonedPath = "/v1/packages/" + Bytes.hex(Bytes.sha256(abandoned));
        assertThat(f.client.sendRaw("GET", abandonedPath, new byte[0], null, Map.of()).statusCode()).isEqualTo(404);
        assertThat(f.client.sendRaw("GET", "/v1/packages/" + Bytes.hex(Bytes.sha256(published)), new byte[0], null,
                Map.of()).statusCode()).as("a published package is kept").isEqualTo(200);
    }

    @Test
    void badSignaturesPackagesAndSelfAttestationsAreRefused() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] bytes = pkg("alice/hello", "1.0.0", "");
        skills().upload(alice.signer(), bytes);
        skills().claimNamespace(alice.signer(), "alice", false);
        // signed by a key that is not the caller's current key
        Dsse.Envelope forged = SkillsClient.signPublication(bytes,
                new dev.carapace.client.Signer(alice.log().currentKeyId(), Ed25519KeyPair.generate()));
        assertThatThrownBy(() -> skills().publish(alice.signer(), forged, false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("invalid_envelope"));
        // bytes that do not match the digest in the URL, and bytes that are not a strict package
        assertThat(f.client.sendRaw("PUT", "/v1/packages/" + "0".repeat(64), bytes, alice.signer(),
                Map.of("Content-Type", "application/octet-stream")).statusCode()).isEqualTo(400);
        byte[] junk = "not a zip".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> skills().upload(alice.signer(), junk))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("invalid_package"));
        // a statement whose manifest differs from the package's
        Dsse.Envelope lying = Attestations.publish("alice/hello", "1.0.0", Bytes.hex(Bytes.sha256(bytes)),
                Json.parse("{\"name\":\"alice/hello\",\"version\":\"1.0.0\",\"entrypoints\":{}}"))
                .sign(alice.log().currentKeyId(), alice.key());
        assertThatThrownBy(() -> skills().publish(alice.signer(), lying, false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("manifest_mismatch"));
        // a package whose manifest the sandbox would refuse (an unknown field, a grant outside any folder)
        for (String extra : List.of(",\"permissions\":{\"filesystem\":[{\"path\":\"/data\",\"access\":\"all\"}]}",
                ",\"runAsRoot\":true")) {
            byte[] odd = pkg("alice/hello", "1.0.1", extra);
            skills().upload(alice.signer(), odd);
            assertThatThrownBy(() -> skills().publish(alice.signer(), SkillsClient.signPublication(odd, alice.signer()),
                    false)).isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.reason()).isEqualTo("invalid_manifest"));
        }
        skills().publish(alice.signer(), SkillsClient.signPublication(bytes, alice.signer()), false);
        assertThatThrownBy(() -> skills().publish(alice.signer(), SkillsClient.signPublication(bytes, alice.signer()), false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("version_exists"));
        Dsse.Envelope selfVouch = Attestations.vouch("alice/hello", "1.0.0", Bytes.hex(Bytes.sha256(bytes)), "great")
                .sign(alice.log().currentKeyId(), alice.key());
        assertThatThrownBy(() -> skills().attest(alice.signer(), selfVouch))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(403));
        // unknown fields are rejected by name
        assertThatThrownBy(() -> f.client.send("POST", "/v1/skills", Json.parse("{\"envelope\":{},\"force\":true}"),
                alice.signer())).isInstanceOfSatisfying(HubException.class, e -> assertThat(e.getMessage()).contains("force"));
    }

    @Test
    void revocationsAreLoggedAndRefusedByVerifiers() throws Exception {
        HubFixture.Party alice = f.agent();
        HubFixture.Party auditor = f.agent();
        byte[] bytes = pkg("alice/hello", "1.0.0", "");
        skills().publishPackage(alice.signer(), bytes, null, false);
        String digest = Bytes.hex(Bytes.sha256(bytes));
        Scanner.ScanReport report = Scanner.scan(SkillPackage.read(bytes), Scanner.Rules.builtin());
        JsonNode a = skills().attest(auditor.signer(), Attestations.audit("alice/hello", "1.0.0", digest, report)
                .sign(auditor.log().currentKeyId(), auditor.key()));
        assertThat(a.get("kind").asString()).isEqualTo("audit");
        // one auditor's revocation is not enough (the quorum is 3); the author's is
        skills().attest(auditor.signer(), Attestations.revoke("alice/hello", "1.0.0", digest, "looks bad")
                .sign(auditor.log().currentKeyId(), auditor.key()));
        assertThatThrownBy(() -> skills().attest(auditor.signer(), Attestations.revoke("alice/hello", "1.0.0", digest,
                "really bad").sign(auditor.log().currentKeyId(), auditor.key())))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("duplicate_statement"));
        assertThat(skills().info("alice/hello").get("versions").get(0).get("revoked").asBoolean()).isFalse();
        assertThat(verifier().verify("alice/hello", "1.0.0", true).attestations()).hasSize(2);
        skills().attest(alice.signer(), Attestations.revoke("alice/hello", "1.0.0", digest, "key leaked")
                .sign(alice.log().currentKeyId(), alice.key()));
        assertThat(skills().info("alice/hello").get("versions").get(0).get("revoked").asBoolean()).isTrue();
        assertThatThrownBy(() -> verifier().verify("alice/hello", "1.0.0", true))
                .isInstanceOfSatisfying(SkillVerificationException.class, e -> {
                    assertThat(e.step()).isEqualTo(SkillVerificationException.Step.REVOCATION);
                    assertThat(e.getMessage()).contains("key leaked");
                });
    }

    @Test
    void packagesLargerThanARequestBodyUploadInParts() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] big = new byte[3 * 1024 * 1024];
        new java.util.Random(1).nextBytes(big);
        String manifest = "{\"name\":\"alice/big\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}}}";
        byte[] bytes = SkillPackage.build(Map.of("manifest.json", manifest.getBytes(StandardCharsets.UTF_8),
                "skill.wasm", WASM, "data.bin", big));
        assertThat(bytes.length).isGreaterThan(dev.carapace.hub.http.ApiHandler.MAX_BODY_BYTES);
        skills().publishPackage(alice.signer(), bytes, null, false);
        assertThat(verifier().verify("alice/big", "1.0.0", true).packageBytes()).isEqualTo(bytes);
        // parts that do not join into the named digest are refused
        String wrong = "1".repeat(64);
        f.client.sendRaw("PUT", "/v1/packages/" + wrong + "/parts/0", new byte[] {1, 2, 3}, alice.signer(),
                Map.of("Content-Type", "application/octet-stream"));
        assertThatThrownBy(() -> f.client.send("POST", "/v1/packages/" + wrong + "/assemble",
                Json.parse("{\"parts\":1}"), alice.signer()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("digest_mismatch"));
        // a refused assembly drops the parts
        assertThatThrownBy(() -> f.client.send("POST", "/v1/packages/" + wrong + "/assemble",
                Json.parse("{\"parts\":1}"), alice.signer()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("missing_part"));
    }

    @Test
    void pendingUploadsAreCapped() throws Exception {
        HubFixture.Party alice = f.agent();
        for (int i = 0; i < dev.carapace.hub.skills.SkillsApi.MAX_PENDING_UPLOADS; i++) {
            skills().upload(alice.signer(), pkg("alice/hello", "1.0." + i, ""));
        }
        byte[] one = pkg("alice/hello", "2.0.0", "");
        assertThatThrownBy(() -> skills().upload(alice.signer(), one))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("too_many_pending_uploads"));
        skills().claimNamespace(alice.signer(), "alice", false);
        skills().publish(alice.signer(), SkillsClient.signPublication(pkg("alice/hello", "1.0.0", ""), alice.signer()), false);
        skills().upload(alice.signer(), one); // publishing one frees a slot
    }

    @Test
    void aHubServingOtherBytesIsCaught() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] bytes = pkg("alice/hello", "1.0.0", "");
        skills().publishPackage(alice.signer(), bytes, null, false);
        byte[] other = pkg("alice/hello", "1.0.0", ",\"description\":\"evil\"");
        f.hub.database().inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE skill_blobs SET bytes = ?")) {
                ps.setBytes(1, other);
                return ps.executeUpdate();
            }
        });
        assertThatThrownBy(() -> verifier().verify("alice/hello", "1.0.0", true))
                .isInstanceOfSatisfying(SkillVerificationException.class, e -> {
                    assertThat(e.step()).isEqualTo(SkillVerificationException.Step.PACKAGE);
                    assertThat(e.getMessage()).contains("tampered");
                });
    }

    @Test
    void offlineBundleVerifiesAndDetectsTampering() throws Exception {
        HubFixture.Party alice = f.agent();
        byte[] bytes = pkg("alice/hello", "1.0.0", "");
        skills().publishPackage(alice.signer(), bytes, null, false);
        SkillVerifier sv = verifier();
        SkillVerifier.Verified v = sv.verify("alice/hello", "1.0.0", true);
        JsonNode bundle = sv.bundle(v);
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        // verifyBundle is static and takes no client: it cannot reach the network
        SkillVerifier.Verified offline = SkillVerifier.verifyBundle(bytes, bundle, vkey, List.of(), 0);
        assertThat(offline.publisher()).isEqualTo(alice.id());
        byte[] tampered = bytes.clone();
        tampered[tampered.length - 30] ^= 1;
        assertThatThrownBy(() -> SkillVerifier.verifyBundle(tampered, bundle, vkey, List.of(), 0))
                .isInstanceOf(SkillVerificationException.class);
        NoteVerifier other = NoteVerifier.of(vkey.name(), Ed25519KeyPair.generate().publicKey());
        assertThatThrownBy(() -> SkillVerifier.verifyBundle(bytes, bundle, other, List.of(), 0))
                .isInstanceOf(SkillVerificationException.class);
    }
}
