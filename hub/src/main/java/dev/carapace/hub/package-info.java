/**
 * The hub server: the HTTP API under {@code /v1}, request authentication (RFC 9421), rate limits, storage through
 * plain JDBC on SQLite or PostgreSQL, and protected owner data. The hub may import {@code crypto} and the other core
 * libraries except {@code sandbox} (it never runs a skill; manifests are read by {@code skills}); it must never
 * import {@code sandbox}, {@code client}, {@code cli} or {@code bench}.
 */
package dev.carapace.hub;
