package dev.carapace.mls.group;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.schedule.PskSecret;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a member keeps of past epochs: up to {@link GroupConfig#pastEpochs()} of them in decrypt-only form (enough to
 * read late application messages, no path keys and no other epoch secret), and the resumption PSKs of the last
 * {@value #MAX_RESUMPTION_PSKS} epochs, the current one included, for PreSharedKey proposals that name them.
 */
final class EpochHistory {
    private static final int MAX_RESUMPTION_PSKS = 64;

    private final int pastEpochs;
    /** Newest first. */
    private final ArrayDeque<EpochState> past = new ArrayDeque<>();
    private final LinkedHashMap<Long, byte[]> resumptionPsks = new LinkedHashMap<>();

    EpochHistory(int pastEpochs, EpochState current) {
        this.pastEpochs = pastEpochs;
        resumptionPsks.put(current.epoch(), current.secrets().resumptionPsk());
    }

    /** Adds what a saved group kept (see {@link GroupStateCodec}). */
    void restore(Map<Long, byte[]> psks, List<EpochState> pastNewestFirst) {
        resumptionPsks.putAll(psks);
        past.addAll(pastNewestFirst);
    }

    /** Records the move from {@code previous} to {@code next}. */
    void advance(EpochState previous, EpochState next) {
        if (pastEpochs > 0) {
            // Past epochs only decrypt late application messages: drop their path keys and other secrets now.
            past.addFirst(GroupStateCodec.decryptOnly(previous));
            while (past.size() > pastEpochs) {
                past.removeLast();
            }
        }
        resumptionPsks.put(next.epoch(), next.secrets().resumptionPsk());
        while (resumptionPsks.size() > MAX_RESUMPTION_PSKS) {
            resumptionPsks.remove(resumptionPsks.keySet().iterator().next());
        }
    }

    /** The retained past epoch {@code epoch} (decrypt-only), or null. */
    EpochState past(long epoch) {
        for (EpochState p : past) {
            if (p.epoch() == epoch) {
                return p;
            }
        }
        return null;
    }

    List<EpochState> pastEpochs() {
        return List.copyOf(past);
    }

    Map<Long, byte[]> resumptionPsks() {
        return resumptionPsks;
    }

    /**
     * The psk_secret for {@code ids} (RFC 9420 §8.4): external PSKs from {@code config}, resumption PSKs of this
     * group's retained epochs.
     *
     * @throws ProtocolViolationException if a PSK is unknown
     */
    byte[] pskSecret(GroupConfig config, EpochState st, List<PreSharedKeyId> ids) {
        List<byte[]> values = new ArrayList<>();
        for (PreSharedKeyId id : ids) {
            byte[] v;
            if (id.pskType() == PreSharedKeyId.EXTERNAL) {
                v = config.externalPsk(id.pskId());
            } else if (id.usage() == PreSharedKeyId.USAGE_APPLICATION
                    && MessageDigest.isEqual(id.pskGroupId(), st.context().groupId())) {
                v = resumptionPsks.get(id.pskEpoch());
            } else {
                v = null;
            }
            if (v == null) {
                throw new ProtocolViolationException("unknown pre-shared key");
            }
            values.add(v);
        }
        return PskSecret.compute(st.suite(), ids, values);
    }
}
