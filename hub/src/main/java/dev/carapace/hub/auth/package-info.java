/**
 * Request authentication: RFC 9421 signatures by an identity's current key, a ±60 s window on {@code created}, nonces
 * claimed once in the shared database, and {@code Content-Digest} checked against the body. The hub stores no bearer
 * secret: a dump of its database holds public keys only. Must never import the HTTP layer.
 */
package dev.carapace.hub.auth;
