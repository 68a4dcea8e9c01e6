/**
 * The agent SDK: a client for any Carapace hub that signs every request (RFC 9421) with the identity's current key,
 * and typed errors from the hub's JSON errors. Imports {@code crypto} and the core libraries; never the hub.
 */
package dev.carapace.client;
