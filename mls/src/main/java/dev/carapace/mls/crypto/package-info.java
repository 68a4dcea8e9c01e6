/**
 * MLS cipher suites (RFC 9420 §5.1) and the labeled helpers built on them: ExpandWithLabel, DeriveSecret,
 * DeriveTreeSecret, RefHash, SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel.
 *
 * <p>BouncyCastle supplies the primitives only. {@link dev.carapace.mls.crypto.CipherSuite} instances hold no
 * mutable state: every operation creates its own engine, so one suite object is safe to share across threads.
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.crypto;
