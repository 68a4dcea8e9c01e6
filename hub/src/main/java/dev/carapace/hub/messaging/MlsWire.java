package dev.carapace.hub.messaging;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.GroupAdmins;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.InstallationCredential;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.group.KeyPackageValidator;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.protocol.ErrorReason;
import java.time.Instant;
import java.util.Set;

/**
 * What the hub checks of the MLS bytes it relays. It can read only the clear header of a PrivateMessage (group id,
 * epoch, content type) and the public parts of a KeyPackage; that is enough to order messages and to refuse
 * KeyPackages that do not speak for the uploader.
 */
final class MlsWire {
    static final int MAX_MESSAGE_BYTES = HubLimits.MLS_MESSAGE_BYTES;
    static final int MAX_KEY_PACKAGE_BYTES = HubLimits.KEY_PACKAGE_BYTES;

    private MlsWire() {}

    static byte[] base64(String field, String value, int maxBytes) throws ApiException {
        if (value == null || value.length() > (maxBytes / 3 + 1) * 4) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' is missing or larger than "
                    + maxBytes + " bytes");
        }
        try {
            return Bytes.fromB64(value);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' is not base64");
        }
    }

    /** Group ids are 16 to 32 random bytes, written in base64url. */
    static byte[] groupIdBytes(String groupId) throws ApiException {
        byte[] b;
        try {
            b = groupId == null || groupId.length() > 44 ? null : Bytes.fromB64url(groupId);
        } catch (CryptoException e) {
            b = null;
        }
        if (b == null || b.length < 16 || b.length > 32) {
            throw new ApiException(ErrorReason.INVALID_GROUP, "a group id is 16 to 32 bytes in base64url");
        }
        return b;
    }

    static String installation(String value) throws ApiException {
        if (value == null || !InstallationCertificate.INSTALLATION_ID.matcher(value).matches()) {
            throw new ApiException(ErrorReason.INVALID_INSTALLATION, "an installation id is 8 to 64 base64url"
                    + " characters");
        }
        return value;
    }

    static String agentId(String value) throws ApiException {
        try {
            return AgentId.parse(value).toString();
        } catch (CryptoException | RuntimeException e) {
            throw new ApiException(ErrorReason.INVALID_ID, "not a valid agent id");
        }
    }

    /** Decodes a PrivateMessage for this group, of this content type; the epoch is returned for ordering. */
    static PrivateMessage privateMessage(byte[] bytes, byte[] groupId, int contentType, String what)
            throws ApiException {
        return privateMessage(decode(bytes, what), groupId, contentType, what);
    }

    private static MlsMessage decode(byte[] bytes, String what) throws ApiException {
        try {
            return MlsMessage.decode(bytes);
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, what + " is not an MLS message: " + e.getMessage());
        }
    }

    private static PrivateMessage privateMessage(MlsMessage m, byte[] groupId, int contentType, String what)
            throws ApiException {
        if (m.wireFormat() != MlsMessage.PRIVATE_MESSAGE) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, what + " must be an MLS PrivateMessage");
        }
        PrivateMessage pm = m.privateMessage();
        if (!java.util.Arrays.equals(pm.groupId(), groupId)) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, what + " is for another group");
        }
        if (pm.contentType() != contentType) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, what + " has the wrong content type");
        }
        return pm;
    }

    /** Checks an MLS GroupInfo for this group and epoch (its signature is for the members to check). */
    static void groupInfo(byte[] bytes, byte[] groupId, long epoch) throws ApiException {
        dev.carapace.mls.message.GroupInfo gi;
        try {
            MlsMessage m = MlsMessage.decode(bytes);
            gi = m.wireFormat() == MlsMessage.GROUP_INFO ? m.groupInfo() : null;
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "groupInfo is not an MLS message: " + e.getMessage());
        }
        if (gi == null) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "groupInfo must be an MLS GroupInfo");
        }
        if (!java.util.Arrays.equals(gi.groupContext().groupId(), groupId)) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "groupInfo is for another group");
        }
        if (gi.groupContext().epoch() != epoch) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "groupInfo is for epoch " + gi.groupContext().epoch()
                    + ", not " + epoch);
        }
    }

    /**
     * The admins named by the group policy in a GroupInfo's GroupContext (already checked by {@link #groupInfo}):
     * the very data every member's client enforces ({@link GroupAdmins}); none when the policy is absent.
     */
    static Set<String> admins(byte[] groupInfo) throws ApiException {
        try {
            var ext = dev.carapace.mls.message.Extension.find(dev.carapace.mls.message.Extension.decodeBody(
                    MlsMessage.decode(groupInfo).groupInfo().groupContext().extensions()), GroupAdmins.EXTENSION_TYPE);
            return ext == null ? Set.of() : GroupAdmins.decode(ext.data());
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "the GroupInfo's extensions are unreadable: "
                    + e.getMessage());
        }
    }

    /**
     * A commit's clear header: its epoch, and for an external commit (a PublicMessage from a new_member_commit
     * sender) the leaf it brings, so the hub can check that it is the submitting installation's own.
     */
    record CommitHeader(long epoch, LeafNode externalLeaf, int resyncedLeaf) {}

    static CommitHeader commit(byte[] bytes, byte[] groupId) throws ApiException {
        MlsMessage m = decode(bytes, "commit");
        if (m.wireFormat() == MlsMessage.PRIVATE_MESSAGE) {
            return new CommitHeader(privateMessage(m, groupId, FramedContent.COMMIT, "commit").epoch(), null, -1);
        }
        if (m.wireFormat() != MlsMessage.PUBLIC_MESSAGE) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "commit must be an MLS PrivateMessage, or a"
                    + " PublicMessage for an external commit");
        }
        FramedContent fc = m.publicMessage().content();
        if (!java.util.Arrays.equals(fc.groupId(), groupId)) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "commit is for another group");
        }
        if (fc.contentType() != FramedContent.COMMIT || fc.sender().type() != Sender.NEW_MEMBER_COMMIT
                || fc.commit().path() == null) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "a PublicMessage commit must be an external commit"
                    + " (new_member_commit) with a path");
        }
        // Members accept an external commit only as a resync: one ExternalInit, one Remove (of the joiner's old leaf),
        // PSKs at most. Anything else gets resyncedLeaf -1 and is refused once the caller is known to be a member.
        int inits = 0;
        int removes = 0;
        int removed = -1;
        boolean other = false;
        for (var p : fc.commit().proposals()) {
            if (p.proposal() instanceof dev.carapace.mls.message.Proposal.ExternalInit) {
                inits++;
            } else if (p.proposal() instanceof dev.carapace.mls.message.Proposal.Remove r) {
                removes++;
                removed = r.removed() <= Integer.MAX_VALUE ? (int) r.removed() : -1;
            } else if (!(p.proposal() instanceof dev.carapace.mls.message.Proposal.PreSharedKey)) {
                other = true;
            }
        }
        boolean resync = inits == 1 && removes == 1 && !other && removed >= 0;
        return new CommitHeader(fc.epoch(), fc.commit().path().leafNode(), resync ? removed : -1);
    }

    /**
     * The leaf an external commit removes must carry the same credential as the leaf it brings (a resync of the
     * submitter's own installation), judged against the tree of the group's stored GroupInfo for that epoch.
     */
    static void resyncOfOwnLeaf(byte[] storedGroupInfo, long epoch, CommitHeader header) throws ApiException {
        if (header.resyncedLeaf() < 0) {
            // Refusing it here keeps a member from stalling the group with a commit every member would refuse.
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "an external commit here is a resync: one ExternalInit,"
                    + " one Remove of the joiner's old leaf, PreSharedKeys at most");
        }
        dev.carapace.mls.message.GroupInfo gi;
        dev.carapace.mls.tree.RatchetTree tree;
        try {
            gi = MlsMessage.decode(storedGroupInfo).groupInfo();
            var ext = dev.carapace.mls.message.Extension.find(gi.extensions(),
                    dev.carapace.mls.message.Extension.RATCHET_TREE);
            tree = ext == null ? null : dev.carapace.mls.tree.RatchetTree.decode(ext.data());
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            tree = null;
            gi = null;
        }
        if (gi == null || tree == null || gi.groupContext().epoch() != epoch) {
            throw new ApiException(ErrorReason.NO_GROUP_INFO, "the hub holds no GroupInfo with a tree for epoch " + epoch);
        }
        LeafNode old = header.resyncedLeaf() < tree.leafCount() ? tree.leaf(header.resyncedLeaf()) : null;
        if (old == null || !java.util.Arrays.equals(old.credential().encode(),
                header.externalLeaf().credential().encode())) {
            throw ApiException.forbidden("an external commit must resync the submitting installation's own leaf");
        }
    }

    /** The external commit's new leaf must carry a credential certified by the caller for this installation. */
    static void ownLeaf(LeafNode leaf, KeyEventLog caller, String installation) throws ApiException {
        try {
            InstallationCredential.verifyOwn(leaf.credential().type(), leaf.credential().identity(),
                    leaf.signatureKey(), caller, installation);
        } catch (CryptoException e) {
            throw ApiException.forbidden("an external commit must bring the submitting installation's own leaf,"
                    + " certified by your current key: " + e.getMessage());
        }
    }

    static void welcome(byte[] bytes) throws ApiException {
        try {
            if (MlsMessage.decode(bytes).wireFormat() != MlsMessage.WELCOME) {
                throw new ApiException(ErrorReason.INVALID_MESSAGE, "welcome must be an MLS Welcome");
            }
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "welcome is not an MLS message: " + e.getMessage());
        }
    }

    /** A checked KeyPackage and its reference. */
    record CheckedKeyPackage(String ref, byte[] bytes) {}

    /**
     * The key id that certified a stored KeyPackage's credential (checked in full when it was uploaded), or null when
     * it cannot be read.
     */
    static String certifiedBy(byte[] keyPackage) {
        try {
            KeyPackage kp = KeyPackage.decode(new TlsReader(keyPackage));
            return InstallationCertificate.peek(kp.leafNode().credential().identity()).keyId();
        } catch (MlsException | CryptoException | IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    /**
     * Decodes and checks a KeyPackage by the rules every member applies ({@link KeyPackageValidator}: supported suite,
     * valid signatures, current lifetime, init key distinct from the encryption key, capabilities listing what the
     * leaf uses) and the installation-credential policy ({@link InstallationCredential}: certified by the uploader's
     * current key for this installation and this leaf key).
     */
    static CheckedKeyPackage keyPackage(byte[] bytes, KeyEventLog uploader, String installation, Instant now)
            throws ApiException {
        KeyPackage kp;
        try {
            TlsReader r = new TlsReader(bytes);
            kp = KeyPackage.decode(r);
            r.requireFullyConsumed();
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ApiException(ErrorReason.INVALID_KEY_PACKAGE, "not a KeyPackage: " + e.getMessage());
        }
        CipherSuite suite;
        try {
            suite = KeyPackageValidator.keyPackage(kp, now, (c, key) -> {
                try {
                    InstallationCredential.verifyOwn(c.type(), c.identity(), key, uploader, installation);
                } catch (CryptoException e) {
                    throw new NotTheCallers(e.getMessage());
                }
            });
        } catch (NotTheCallers e) {
            // A well-formed KeyPackage that does not speak for the uploader (someone else's, another installation's,
            // or certified by a rotated-out key): not the caller's to publish.
            throw ApiException.forbidden("the KeyPackage's credential is not certified by your current key for this"
                    + " installation: " + e.getMessage());
        } catch (MlsException e) {
            throw new ApiException(ErrorReason.INVALID_KEY_PACKAGE, e.getMessage());
        }
        return new CheckedKeyPackage(Bytes.b64url(kp.ref(suite)), bytes);
    }

    /** The credential validator's refusal of a credential that is not the caller's, told apart from a malformed one. */
    private static final class NotTheCallers extends RuntimeException {
        NotTheCallers(String message) {
            super(message, null, false, false);
        }
    }
}
