/**
 * The attack suite: one regression test per attack that worked against the hub in the outside test of issue 13 (and
 * later ones), each seen failing on the code before its fix, on both storage backends where it touches storage. The
 * attacks and their defences are listed in docs/threat-model.md ("Attacks found by the outside test (issue 13)").
 *
 * <ul>
 *   <li>{@code CrossHubReplayAttackTest}: a request signed for one hub, replayed byte for byte to another.</li>
 *   <li>{@code StaleKeyAttackTest}: a rotated-out key and an older body-carried key event log.</li>
 *   <li>{@code PreAuthWorkAttackTest}: unsigned or wrongly signed bodies with long key event logs.</li>
 *   <li>{@code LinkConsentAttackTest}: future-dated link consents; agents linking agents.</li>
 *   <li>{@code KeyIdAttackTest}: non-canonical key ids ({@code #00}, {@code #+0}).</li>
 *   <li>{@code SignatureProfileAttackTest}: RFC 9421 repeated components, past {@code expires}, extra labels.</li>
 *   <li>{@code SlowBodyAttackTest}: slow request bodies from one address (High 4).</li>
 *   <li>{@code KeyPackageDrainAttackTest}: draining an agent's KeyPackages (High 7).</li>
 *   <li>{@code SybilBudgetAttackTest}: free identities multiplying limits and quotas, unrouted paths unlimited
 *       (High 8).</li>
 *   <li>{@code MetricsExposureAttackTest}: public {@code /metrics}.</li>
 *   <li>{@code ClientFaultLoggingAttackTest}: stack traces at ERROR for client faults.</li>
 *   <li>{@code OutOfRangeNumberAttackTest}: out-of-range numbers answered 500.</li>
 *   <li>{@code GroupIdAliasAttackTest}: non-canonical base64url aliases of group ids.</li>
 *   <li>{@code MasterKeyRotationAttackTest}: master key rotation against a live hub; destroying a retired key that
 *       data still needs.</li>
 *   <li>{@code RevocationQuorumAttackTest}: three brand-new identities revoking anyone's skill (High 6).</li>
 *   <li>{@code StrictUtf8AttackTest}: overlong UTF-8 and lone surrogate escapes in signed request bodies.</li>
 *   <li>{@code BufferedBodyMemoryAttackTest}: bodies buffered before authentication holding the heap, from one
 *       address and from many (red team after issue 13).</li>
 *   <li>{@code OverflowBucketTargetingAttackTest}: keys chosen to share a victim's overflow rate-limit bucket on
 *       every hub (red team after issue 13).</li>
 *   <li>{@code BatchRefundAttackTest}: refused log batches that gave their request's token back.</li>
 *   <li>{@code KeyPackageValidationAttackTest}: KeyPackages no group accepts (init key equal to the encryption key,
 *       capabilities missing the suite, version or own credential type) stored and handed to claimers (issue 18).</li>
 * </ul>
 *
 * <p>{@code RawRequest} sends exact request bytes (Host header included); {@code LongHistory} builds long valid key
 * event logs in linear time.
 *
 * <p>Crypto-level attacks on signed JSON live in crypto's tests: {@code CanonicalJsonAttackTest} (RFC 8785
 * idempotence) and {@code StrictUtf8Test} (RFC 3629).
 */
package dev.carapace.hub.attack;
