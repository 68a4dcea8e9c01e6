/**
 * Carapace's RFC 9420 (MLS) implementation: shared exception types live here; see the sub-packages for the
 * codec, tree math, cipher suites and key schedule.
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls;
