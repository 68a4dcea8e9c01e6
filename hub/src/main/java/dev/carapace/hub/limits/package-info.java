/**
 * Every limit of the hub in one registry ({@link dev.carapace.hub.limits.HubLimits}: rates, quotas, caps, batch sizes,
 * each with its reason), and the rate limits by trust tier, per identity and per client address (Bucket4j, in
 * process). No limit literal lives outside this package ({@code LimitRegistryTest}).
 */
package dev.carapace.hub.limits;
