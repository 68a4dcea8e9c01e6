/**
 * Array-based binary tree arithmetic for the MLS ratchet tree (RFC 9420 Appendix C).
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.tree;
