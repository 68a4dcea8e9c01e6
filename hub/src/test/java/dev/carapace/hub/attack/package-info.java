/**
 * The attack suite of issue 13: each class replays one attack found by the outside test against a running hub (on
 * SQLite and on PostgreSQL) and fails on the code before its fix. docs/threat-model.md lists each attack and its
 * defence.
 *
 * <ul>
 *   <li>{@code MasterKeyRotationAttackTest}: master key rotation against a live hub; destroying a retired key that
 *       data still needs.
 *   <li>{@code RevocationQuorumAttackTest}: three brand-new identities revoking anyone's skill.
 *   <li>{@code StrictUtf8AttackTest}: overlong UTF-8 and lone surrogate escapes in signed request bodies.
 * </ul>
 *
 * <p>Crypto-level attacks on signed JSON live in crypto's tests: {@code CanonicalJsonAttackTest} (RFC 8785
 * idempotence) and {@code StrictUtf8Test} (RFC 3629).
 */
package dev.carapace.hub.attack;
