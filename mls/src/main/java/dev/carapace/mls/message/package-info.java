/**
 * RFC 9420 wire structures (KeyPackage, LeafNode, proposals, Commit, Welcome, GroupInfo...). Each type decodes
 * with bounded reads and re-encodes to the exact same bytes; unknown extension types are carried opaquely.
 */
package dev.carapace.mls.message;
