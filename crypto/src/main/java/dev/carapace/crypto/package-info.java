/**
 * Carapace's cryptographic foundation: Ed25519 keys and signatures (BouncyCastle), RFC 8785 canonical JSON,
 * self-certifying identities with pre-rotation (key event logs), DSSE envelopes and in-toto statements, RFC 9421
 * HTTP message signatures, and the passphrase-encrypted keystore.
 *
 * <p>This is the bottom layer. It must never import any other Carapace module ({@code tlog}, {@code skills},
 * {@code sandbox}, {@code mls}, {@code client}, {@code hub}, {@code cli}, {@code bench}).
 */
package dev.carapace.crypto;
