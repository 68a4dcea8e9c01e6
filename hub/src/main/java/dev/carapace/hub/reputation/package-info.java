/**
 * Reputation on the hub: {@link dev.carapace.hub.reputation.ReputationService} reads the hub's own transparency log
 * into the reputation module's function with the operator's trust seeds, and
 * {@link dev.carapace.hub.reputation.ReputationApi} serves the scores, with the log size and time they are computed
 * at, so any client can recompute them from the log (docs/reputation.md).
 */
package dev.carapace.hub.reputation;
