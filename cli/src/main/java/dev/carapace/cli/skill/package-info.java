/**
 * {@code carapace skill}: one file per group of subcommands (publishing, review, discovery, install, run, offline),
 * what they share in {@link dev.carapace.cli.skill.SkillSupport}, the home's installed skills and pins in
 * {@link dev.carapace.cli.skill.SkillStore}. Holds no install rule of its own: it renders what
 * {@code client.skills} decides and asks for consent. Part of the CLI, the top layer: nothing imports it.
 */
package dev.carapace.cli.skill;
