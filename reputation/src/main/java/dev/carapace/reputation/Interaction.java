package dev.carapace.reputation;

/**
 * One signed, logged judgement of one identity by another: the edge material of the trust graph.
 *
 * @param index  the log index of the statement it comes from
 * @param kind   what kind of statement
 * @param from   the signer
 * @param to     the identity judged (a rated responder, a skill's publisher)
 * @param sign   +1 (good rating, vouch, passing audit) or -1 (bad rating, failing audit, revocation)
 * @param ownMs  the time the statement itself carries (signed by its author), or -1 when its format has none; then
 *               the statement is dated by the log clock (docs/reputation.md, "Time")
 */
public record Interaction(long index, Kind kind, String from, String to, int sign, long ownMs) {
    public enum Kind {
        TASK_RATING("task-rating"), AUDIT("audit"), VOUCH("vouch"), REVOKE("revoke");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public Interaction {
        if (sign != 1 && sign != -1) {
            throw new IllegalArgumentException("sign is +1 or -1");
        }
    }
}
