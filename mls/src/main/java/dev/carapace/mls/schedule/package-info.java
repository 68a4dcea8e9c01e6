/**
 * Per-epoch secrets: the key schedule (RFC 9420 §8), GroupContext encoding, the exporter, and the secret tree
 * with its hardened hash ratchets (RFC 9420 §9).
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.schedule;
