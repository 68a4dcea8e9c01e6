package dev.carapace.reputation;

/** A logged owner link: the agent's consent, accepted by the hub on the owner's signed request, at a log index. */
public record OwnerLink(long index, String owner, String agent) {}
