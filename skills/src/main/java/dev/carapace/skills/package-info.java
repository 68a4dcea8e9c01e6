/**
 * Supply-chain side of skills: the deterministic package format and its strict reader
 * ({@link dev.carapace.skills.SkillPackage}), the data-driven static {@link dev.carapace.skills.Scanner}
 * (one signal among several, never the only gate), skill-name validation and confusable detection
 * ({@link dev.carapace.skills.NameGuard}), the explainable {@link dev.carapace.skills.TrustScore} and the
 * in-toto predicates in {@link dev.carapace.skills.Attestations}, and the manifest format
 * ({@link dev.carapace.skills.Manifest}: what a skill may use, parsed strictly), which the hub checks at publication,
 * installers show for consent and the sandbox enforces.
 *
 * <p>There is no install step of any kind: a package is data (manifest, wasm modules, docs). Files
 * such as {@code install.sh}, {@code setup.py}, {@code Makefile} or {@code package.json} scripts are
 * ordinary entries with no meaning; nothing in a package is ever executed outside the sandbox.
 *
 * <p>May import only {@code dev.carapace.crypto}, Jackson and the JDK. Must never import sandbox, hub, client, cli
 * or mls: reading a manifest needs no WebAssembly runtime.
 */
package dev.carapace.skills;
