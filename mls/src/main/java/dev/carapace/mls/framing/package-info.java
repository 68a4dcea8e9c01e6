/**
 * Message framing (RFC 9420 §6): FramedContent signing and PrivateMessage protection with encrypted sender data
 * and a random reuse_guard. Currently covers application-data PrivateMessages.
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.framing;
