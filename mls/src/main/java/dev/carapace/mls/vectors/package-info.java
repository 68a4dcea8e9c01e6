/**
 * Conformance harness for the mlswg RFC 9420 test vectors ({@link dev.carapace.mls.vectors.VectorRunner}).
 * This is the only package that reads JSON; the protocol engine itself never depends on Jackson.
 *
 * <p>The mls module is a core library and must never import other Carapace modules.
 */
package dev.carapace.mls.vectors;
