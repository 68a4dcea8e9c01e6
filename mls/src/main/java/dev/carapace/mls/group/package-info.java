/**
 * The RFC 9420 client engine: {@link dev.carapace.mls.group.Group} (create, join by Welcome, commit, process,
 * application messages, exporter) over immutable per-epoch snapshots.
 */
package dev.carapace.mls.group;
