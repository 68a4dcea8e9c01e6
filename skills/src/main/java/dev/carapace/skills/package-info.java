/**
 * Supply-chain side of skills: the deterministic skill package format with its strict reader, the
 * data-driven static {@link dev.carapace.skills.Scanner} (one signal among several, never the only gate), the
 * explainable {@link dev.carapace.skills.TrustScore}, in-toto {@link dev.carapace.skills.Attestations} and
 * ({@link dev.carapace.skills.SkillPackage}) and skill-name validation with confusable detection
 * ({@link dev.carapace.skills.NameGuard}).
 *
 * <p>There is no install step of any kind: a package is data (manifest, wasm modules, docs). Files
 * such as {@code install.sh}, {@code setup.py}, {@code Makefile} or {@code package.json} scripts are
 * ordinary entries with no meaning; nothing in a package is ever executed outside the sandbox.
 *
 * <p>May import only {@code dev.carapace.crypto} and the JDK. Must never import hub, client, cli or mls.
 */
package dev.carapace.skills;
