/**
 * The RFC 9420 client engine: {@link dev.carapace.mls.group.Group} (create, join, commit, process, application
 * messages, exporter) over immutable per-epoch snapshots, each a {@link dev.carapace.mls.group.PublicGroup} (tree
 * and GroupContext, no secrets) plus the member's keys. Received commits are verified into a
 * {@link dev.carapace.mls.group.StagedCommit} before they apply; package-private parts hold the join paths, the
 * proposal store, the commit builder, the tree rules and the epoch history.
 */
package dev.carapace.mls.group;
