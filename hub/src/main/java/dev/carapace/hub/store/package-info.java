/**
 * Storage: one Flyway migration set for SQLite and PostgreSQL, reached through HikariCP and plain JDBC. One store per
 * concern (identities, KeyPackages, group logs, inboxes, nonces), each an interface with one JDBC implementation
 * for both backends. Every operation that writes more than one row runs in one transaction
 * ({@link dev.carapace.hub.store.Database#inTransaction}), and answers with a sealed outcome; outcomes that refuse
 * are {@link dev.carapace.hub.store.Database.Refusal}s and roll back. Must never import the HTTP layer, nor the
 * routes that use the stores ({@code dev.carapace.hub}, {@code hub.messaging}).
 */
package dev.carapace.hub.store;
