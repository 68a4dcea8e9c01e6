package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 18: the hub checked uploaded KeyPackages with its own copy of the rules, which lacked two that every member's
 * {@code Group} applies: the init key must differ from the leaf's encryption key (RFC 9420 §10.1), and the leaf's
 * capabilities must list the version, the cipher suite and the credential type it uses (§7.2, §7.3). The hub stored
 * such KeyPackages and handed them to claimers, whose adds then failed: a validly signed, correctly certified
 * KeyPackage that no group accepts, uploaded by its own installation, blocks everyone who claims it. Now the hub and
 * every client run one validator ({@code mls.group.KeyPackageValidator}); each of these uploads answers 400.
 */
class KeyPackageValidationAttackTest extends BackendTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final String INSTALLATION = "attacker-install-1";

    /** A KeyPackage certified by {@code p}'s current key for {@link #INSTALLATION}, signed in full. */
    private static byte[] keyPackage(HubFixture.Party p, boolean initIsEncryptionKey, Capabilities caps) {
        byte[] sigPriv = SUITE.generateSignaturePrivateKey();
        CipherSuite.SigningKey key = SUITE.signingKey(sigPriv);
        Credential cred = Credential.basic(InstallationCertificate.issue(p.log(), p.key(), INSTALLATION,
                key.publicKey()));
        byte[][] enc = SUITE.generateHpkeKeyPair();
        byte[] init = initIsEncryptionKey ? enc[1] : SUITE.generateHpkeKeyPair()[1];
        long now = Instant.now().getEpochSecond();
        LeafNode leaf = new LeafNode(enc[1], key.publicKey(), cred, caps, LeafNode.SOURCE_KEY_PACKAGE, now - 3600,
                now + 86_400, null, List.of(), new byte[0]).sign(SUITE, key, null, 0);
        KeyPackage unsigned = new KeyPackage(1, SUITE.id(), init, leaf, List.of(), new byte[0]);
        return new KeyPackage(1, SUITE.id(), init, leaf, List.of(),
                SUITE.signWithLabel(key, "KeyPackageTBS", unsigned.tbs())).encode();
    }

    private static Capabilities caps(List<Integer> versions, List<Integer> suites, List<Integer> credentials) {
        return new Capabilities(versions, suites, List.of(), List.of(), credentials);
    }

    private static final Capabilities GOOD = caps(List.of(1), List.of(SUITE.id()), List.of(Credential.BASIC));

    private HttpResponse<byte[]> upload(HubFixture.Party p, byte[] kp) throws Exception {
        ObjectNode body = Json.object();
        body.put("installation", INSTALLATION);
        body.putArray("keyPackages").add(Bytes.b64(kp));
        return f.client.sendRaw("POST", "/v1/key-packages", Json.compact(body).getBytes(), p.signer(), Map.of());
    }

    private void assertRefused(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("reason").asString()).isEqualTo("invalid_key_package");
    }

    @Test
    void aWellFormedKeyPackageIsStored() throws Exception {
        HubFixture.Party p = f.agent();
        assertThat(upload(p, keyPackage(p, false, GOOD)).statusCode()).isEqualTo(201);
    }

    @Test
    void initKeyEqualToTheEncryptionKeyIsRefused() throws Exception {
        HubFixture.Party p = f.agent();
        assertRefused(upload(p, keyPackage(p, true, GOOD)));
    }

    @Test
    void capabilitiesWithoutTheCipherSuiteAreRefused() throws Exception {
        HubFixture.Party p = f.agent();
        assertRefused(upload(p, keyPackage(p, false, caps(List.of(1), List.of(2), List.of(Credential.BASIC)))));
    }

    @Test
    void capabilitiesWithoutTheVersionAreRefused() throws Exception {
        HubFixture.Party p = f.agent();
        assertRefused(upload(p, keyPackage(p, false, caps(List.of(), List.of(SUITE.id()), List.of(Credential.BASIC)))));
    }

    @Test
    void capabilitiesWithoutItsOwnCredentialTypeAreRefused() throws Exception {
        HubFixture.Party p = f.agent();
        assertRefused(upload(p, keyPackage(p, false, caps(List.of(1), List.of(SUITE.id()), List.of(2)))));
    }
}
