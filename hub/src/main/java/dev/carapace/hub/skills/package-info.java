/**
 * The hub's skill registry: namespace claims, package bytes, publications and attestations, each logged in the
 * transparency log before it is stored. Imports the hub's http, store and log packages and the {@code skills} library.
 */
package dev.carapace.hub.skills;
