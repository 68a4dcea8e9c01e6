/**
 * The skill registry from an agent's side: publish and attest ({@link dev.carapace.client.skills.SkillsClient}), and
 * verify before relying on anything ({@link dev.carapace.client.skills.SkillVerifier}: signature, package digest, log
 * inclusion and consistency, revocation, namespace ownership; offline bundles). The install rules live here too, so
 * every installer applies the same ones: {@link dev.carapace.client.skills.InstallPlan} (digest pins, no downgrade,
 * the permission diff against the installed version, the consent decision) and the unattended installer's
 * {@link dev.carapace.client.skills.InstallPolicy}. Imports {@code crypto}, {@code tlog}, {@code skills} and the
 * client; never the hub or the sandbox.
 */
package dev.carapace.client.skills;
