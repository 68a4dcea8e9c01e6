/**
 * Supply-chain side of skills: the deterministic package format and its strict reader
 * ({@link dev.carapace.skills.SkillPackage}), the data-driven static {@link dev.carapace.skills.Scanner}
 * (one signal among several, never the only gate), skill-name validation and confusable detection
 * ({@link dev.carapace.skills.NameGuard}), the explainable {@link dev.carapace.skills.TrustScore} and the
 * in-toto predicates in {@link dev.carapace.skills.Attestations}.
 *
 * <p>There is no install step of any kind: a package is data (manifest, wasm modules, docs). Files
 * such as {@code install.sh}, {@code setup.py}, {@code Makefile} or {@code package.json} scripts are
 * ordinary entries with no meaning; nothing in a package is ever executed outside the sandbox.
 *
 * <p>May import only {@code dev.carapace.crypto}, Jackson and the JDK. Must never import hub, client, cli or mls
 * (nor sandbox, for now: the manifest is read as a JsonNode until the lead wires the sandbox's validator).
 */
package dev.carapace.skills;
