/**
 * Reputation as a client sees it: {@link dev.carapace.client.reputation.ReputationClient} reads what a hub serves
 * and rebuilds every score from the hub's log (entries downloaded and hashed against a verified checkpoint by
 * {@link dev.carapace.client.LogMonitor}) with the same function the hub uses, reporting any difference as evidence.
 * Imports the client, crypto, tlog (a verified checkpoint) and reputation modules only.
 */
package dev.carapace.client.reputation;
