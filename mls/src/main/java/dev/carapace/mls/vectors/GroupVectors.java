package dev.carapace.mls.vectors;

import static dev.carapace.mls.vectors.FramingVectors.hex;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.CredentialValidator;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.GroupSecrets;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.Welcome;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.tree.RatchetTree;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Checks for the welcome and passive-client families, through the {@link Group} API where possible. */
final class GroupVectors {
    private GroupVectors() {
    }

    static boolean welcome(JsonNode c) {
        CipherSuite s = CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
        if (s == null) {
            return false;
        }
        KeyPackage kp = MlsMessage.decode(hex(c, "key_package")).keyPackage();
        Welcome w = MlsMessage.decode(hex(c, "welcome")).welcome();
        byte[] ref = kp.ref(s);
        Welcome.Secrets mine = w.secrets().stream().filter(x -> Arrays.equals(x.newMember(), ref)).findFirst()
                .orElse(null);
        if (mine == null) {
            return false;
        }
        GroupSecrets gs = FramingVectors.decodeAll(s.decryptWithLabel(hex(c, "init_priv"), "Welcome",
                w.encryptedGroupInfo(), mine.encryptedGroupSecrets()), GroupSecrets::decode);
        byte[] member = s.kdfExtract(gs.joinerSecret(), new byte[s.hashLength()]);
        byte[] ws = s.deriveSecret(member, "welcome");
        GroupInfo gi = FramingVectors.decodeAll(s.aeadOpen(s.expandWithLabel(ws, "key", new byte[0],
                s.aeadKeyLength()), s.expandWithLabel(ws, "nonce", new byte[0], s.aeadNonceLength()), new byte[0],
                w.encryptedGroupInfo()), GroupInfo::decode);
        if (!gi.verify(s, hex(c, "signer_pub"))) {
            return false;
        }
        EpochSecrets es = EpochSecrets.fromJoinerSecret(s, gs.joinerSecret(), null, gi.groupContext().encode());
        return s.verifyMac(es.confirmationKey(), gi.groupContext().confirmedTranscriptHash(), gi.confirmationTag());
    }

    /** passive-client-welcome and passive-client-handling-commit (and -random): join, then follow commits. */
    static boolean passiveClient(JsonNode c) {
        CipherSuite s = CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
        if (s == null) {
            return false;
        }
        Map<String, byte[]> psks = new HashMap<>();
        for (JsonNode p : c.get("external_psks")) {
            psks.put(p.get("psk_id").asString(), hex(p, "psk"));
        }
        // Vectors carry fixed lifetimes, so the wall-clock lifetime check is off for them.
        GroupConfig cfg = new GroupConfig(CredentialValidator.ACCEPT_ALL, 0, RatchetLimits.DEFAULT, false, psks,
                null);
        KeyPackage kp = MlsMessage.decode(hex(c, "key_package")).keyPackage();
        byte[] sigPriv = hex(c, "signature_priv");
        byte[] encPriv = hex(c, "encryption_priv");
        byte[] initPriv = hex(c, "init_priv");
        if (!Arrays.equals(s.signaturePublicKey(sigPriv), kp.leafNode().signatureKey())
                || !Arrays.equals(s.hpkePublicKey(encPriv), kp.leafNode().encryptionKey())
                || !Arrays.equals(s.hpkePublicKey(initPriv), kp.initKey())) {
            return false;
        }
        JsonNode rt = c.get("ratchet_tree");
        RatchetTree tree = rt == null || rt.isNull() ? null : RatchetTree.decode(hex(c, "ratchet_tree"));
        Group g = Group.join(cfg, MlsMessage.decode(hex(c, "welcome")),
                new KeyPackageBundle(kp, initPriv, encPriv, sigPriv), tree);
        if (!MessageDigest.isEqual(g.epochAuthenticator(), hex(c, "initial_epoch_authenticator"))) {
            return false;
        }
        for (JsonNode e : c.get("epochs")) {
            for (JsonNode p : e.get("proposals")) {
                g.process(MlsMessage.decode(java.util.HexFormat.of().parseHex(p.asString())));
            }
            g.process(MlsMessage.decode(hex(e, "commit")));
            if (!MessageDigest.isEqual(g.epochAuthenticator(), hex(e, "epoch_authenticator"))) {
                return false;
            }
        }
        return true;
    }
}
