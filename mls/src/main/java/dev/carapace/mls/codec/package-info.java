/**
 * TLS presentation-language codec used by RFC 9420 (MLS): fixed-width integers, the MLS variable-length
 * integer (RFC 9420 §2.1.2) and length-prefixed vectors.
 *
 * <p>Reads are bounded: every length is checked against the remaining input and a configurable maximum
 * before anything is allocated, so hostile input cannot force large allocations.
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.codec;
