/**
 * The attack suite: one regression test per attack that worked against the hub in the outside test of issue 13,
 * each seen failing on the code before its fix, on both storage backends where it touches storage. The attacks and
 * their defences are listed in docs/threat-model.md ("Attacks found by the outside test (issue 13)").
 *
 * <ul>
 *   <li>{@link dev.carapace.hub.attack.SlowBodyAttackTest}: slow request bodies from one address (High 4).</li>
 *   <li>{@link dev.carapace.hub.attack.KeyPackageDrainAttackTest}: draining an agent's KeyPackages (High 7).</li>
 *   <li>{@link dev.carapace.hub.attack.SybilBudgetAttackTest}: free identities multiplying limits and quotas, unrouted
 *       paths unlimited (High 8).</li>
 *   <li>{@link dev.carapace.hub.attack.MetricsExposureAttackTest}: public {@code /metrics}.</li>
 *   <li>{@link dev.carapace.hub.attack.ClientFaultLoggingAttackTest}: stack traces at ERROR for client faults.</li>
 *   <li>{@link dev.carapace.hub.attack.OutOfRangeNumberAttackTest}: out-of-range numbers answered 500.</li>
 *   <li>{@link dev.carapace.hub.attack.GroupIdAliasAttackTest}: non-canonical base64url aliases of group ids.</li>
 * </ul>
 */
package dev.carapace.hub.attack;
