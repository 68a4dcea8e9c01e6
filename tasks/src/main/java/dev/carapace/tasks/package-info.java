/**
 * Tasks between agents, as a library every side shares: the signed task statement, the responder's signed response,
 * the signed messages of a discussion room (RESPONSE, ARGUMENT, PROPOSAL, AGREEMENT, OBJECTION, MERGE, VOTE), the one
 * consensus function that anyone re-runs on a room's transcript, and the requester's signed outcome statement. Every
 * statement is a DSSE envelope over RFC 8785 canonical JSON, signed by its author's current key.
 *
 * <p>A core library: it imports {@code crypto} and {@code skills} (skill names) only, never {@code client},
 * {@code hub}, {@code cli} or {@code bench}. It does no I/O: where a statement travels (the hub, an MLS room, the
 * transparency log) is the caller's business.
 */
package dev.carapace.tasks;
