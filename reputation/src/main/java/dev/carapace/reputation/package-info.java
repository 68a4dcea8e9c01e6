/**
 * Reputation: one deterministic function from the signed statements in a transparency log to scores
 * (docs/reputation.md). {@link dev.carapace.reputation.LogFacts} reads log entries in index order and keeps only what
 * verifies against the key histories the same log carries; {@link dev.carapace.reputation.Reputation#compute} turns
 * those facts into {@link dev.carapace.reputation.Scores} with exact integer arithmetic, so the hub and any client
 * that reads the same log prefix get identical numbers.
 *
 * <p>May import only {@code dev.carapace.crypto}, {@code dev.carapace.skills} (predicate types),
 * {@code dev.carapace.tasks} (outcome statements), Jackson and the JDK.
 * Must never import tlog, mls, sandbox, client, hub or cli: reading and proving the log is the caller's.
 */
package dev.carapace.reputation;
