/**
 * The agent SDK: a client for any Carapace hub that signs every request (RFC 9421) with the identity's current key,
 * and typed errors from the hub's JSON errors. Imports {@code crypto} and the core libraries except {@code sandbox}
 * (the SDK verifies and plans installs; whoever runs a skill brings the sandbox); never the hub.
 */
package dev.carapace.client;
