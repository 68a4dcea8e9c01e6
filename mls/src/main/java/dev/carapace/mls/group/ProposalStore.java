package dev.carapace.mls.group;

import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Proposal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The proposals of the current epoch (RFC 9420 §12.1), received or sent by this member, by proposal reference, until
 * a commit references them or the epoch ends; and the HPKE private keys of the new leaves in this member's own Update
 * proposals, by the same reference. One of those keys is installed when another member's commit includes that
 * Update; all are dropped at the epoch change.
 */
final class ProposalStore {
    private static final HexFormat HEX = HexFormat.of();

    /** A cached proposal with its sender and reference. */
    record StoredProposal(Proposal proposal, Sender sender, byte[] ref) {
        /** The leaf that sent it, -1 for non-members. */
        int senderLeaf() {
            return sender.type() == Sender.MEMBER ? (int) sender.index() : -1;
        }
    }

    private final Map<String, StoredProposal> proposals = new LinkedHashMap<>();
    private final Map<String, byte[]> ownUpdateKeys = new HashMap<>();

    boolean contains(byte[] ref) {
        return proposals.containsKey(HEX.formatHex(ref));
    }

    /** The proposal with this reference, or null. */
    StoredProposal get(byte[] ref) {
        return proposals.get(HEX.formatHex(ref));
    }

    void add(StoredProposal sp) {
        proposals.put(HEX.formatHex(sp.ref()), sp);
    }

    /** Caches this member's own Update proposal and the private key of its new leaf. */
    void addOwnUpdate(StoredProposal sp, byte[] leafPrivateKey) {
        add(sp);
        ownUpdateKeys.put(HEX.formatHex(sp.ref()), leafPrivateKey);
    }

    /** The private key of this member's own Update proposal with this reference, or null. */
    byte[] ownUpdateKey(byte[] ref) {
        return ownUpdateKeys.get(HEX.formatHex(ref));
    }

    /** All cached proposals, in the order they came. */
    List<StoredProposal> all() {
        return List.copyOf(proposals.values());
    }

    /** The own Update keys by hex reference (for saving). */
    Map<String, byte[]> ownUpdateKeys() {
        return ownUpdateKeys;
    }

    void restoreOwnUpdateKeys(Map<String, byte[]> keys) {
        ownUpdateKeys.putAll(keys);
    }

    /**
     * Empties the store at an epoch change, erasing the own Update keys that the new epoch does not hold (a key
     * installed by the commit is the same array as in {@code kept}).
     */
    void clear(Map<Integer, byte[]> kept) {
        proposals.clear();
        for (byte[] k : ownUpdateKeys.values()) {
            if (!kept.containsValue(k)) {
                Arrays.fill(k, (byte) 0);
            }
        }
        ownUpdateKeys.clear();
    }

    /**
     * The cached proposals this member commits (RFC 9420 §12.2): not its own Updates, not a Remove of itself, and
     * at most one Remove or Update per leaf (a Remove wins over Updates, else the most recent Update).
     */
    List<StoredProposal> committable(EpochState st) {
        Set<Integer> removedLeaves = new HashSet<>();
        Map<Integer, StoredProposal> lastUpdate = new HashMap<>();
        for (StoredProposal sp : proposals.values()) {
            if (sp.proposal() instanceof Proposal.Remove r) {
                removedLeaves.add((int) r.removed());
            } else if (sp.proposal() instanceof Proposal.Update) {
                lastUpdate.put(sp.senderLeaf(), sp);
            }
        }
        Set<Integer> leaving = new HashSet<>(removedLeaves);
        leaving.remove(st.myLeaf()); // a Remove of this member is never committed by it
        List<StoredProposal> out = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        // Each proposal was valid alone when cached; these keep the combination valid, so that no one cached
        // proposal (two Adds of one client, two PSK proposals for one PSK) can stop this member from committing.
        Set<ByteBuffer> addedKeys = new HashSet<>();
        Set<ByteBuffer> psks = new HashSet<>();
        for (StoredProposal sp : proposals.values()) {
            if (sp.proposal() instanceof Proposal.Update) {
                int leaf = sp.senderLeaf();
                if (leaf == st.myLeaf() || removedLeaves.contains(leaf) || lastUpdate.get(leaf) != sp) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.Remove r) {
                if (r.removed() == st.myLeaf() || !taken.add((int) r.removed())) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.Add add) {
                LeafNode l = add.keyPackage().leafNode();
                boolean sigNew = addedKeys.add(ByteBuffer.wrap(l.signatureKey()));
                boolean encNew = addedKeys.add(ByteBuffer.wrap(l.encryptionKey()));
                if (!sigNew || !encNew || TreeValidation.keyInTree(st.tree(), l, leaving)) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.PreSharedKey p && !psks.add(PublicGroup.encoded(p.psk()))) {
                continue;
            }
            out.add(sp);
        }
        return out;
    }
}
