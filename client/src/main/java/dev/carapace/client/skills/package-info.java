/**
 * The skill registry from an agent's side: publish and attest ({@link dev.carapace.client.skills.SkillsClient}), and
 * verify before relying on anything ({@link dev.carapace.client.skills.SkillVerifier}: signature, package digest, log
 * inclusion and consistency, revocation, namespace ownership; offline bundles). Imports {@code crypto}, {@code tlog},
 * {@code skills} and the client; never the hub.
 */
package dev.carapace.client.skills;
