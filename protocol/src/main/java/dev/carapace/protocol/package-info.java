/**
 * The hub's wire protocol as both sides share it: {@link dev.carapace.protocol.ErrorReason}, every machine-readable
 * reason the hub writes into a JSON error, with its HTTP status. The hub writes these and clients read them back, so
 * neither side compares reason strings of its own. Imports only {@code crypto} and the JDK; never the hub or the
 * client.
 */
package dev.carapace.protocol;
