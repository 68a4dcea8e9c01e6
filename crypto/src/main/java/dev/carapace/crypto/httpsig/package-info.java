/**
 * RFC 9421 HTTP Message Signatures with Ed25519, the strict subset of RFC 8941 structured fields they need, and
 * RFC 9530 {@code Content-Digest}. Both the agent SDK and the hub use this package, so they build the same signature
 * base by construction. Part of {@code crypto}: imports nothing from higher Carapace modules.
 */
package dev.carapace.crypto.httpsig;
