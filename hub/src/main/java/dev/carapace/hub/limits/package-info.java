/** Rate limits by trust tier, per identity and per client address (Bucket4j, in process). */
package dev.carapace.hub.limits;
