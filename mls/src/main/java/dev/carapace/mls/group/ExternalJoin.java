package dev.carapace.mls.group;

import dev.carapace.mls.framing.MlsMessage;

/**
 * The result of {@link Group#joinExternal}: the joiner's group, already in the epoch its external commit creates,
 * and that commit (a PublicMessage from a new_member_commit sender) for the existing members. If the delivery
 * service refuses the commit (another commit won the epoch), drop both and join again from a fresh GroupInfo.
 */
public record ExternalJoin(Group group, MlsMessage commit) {
}
