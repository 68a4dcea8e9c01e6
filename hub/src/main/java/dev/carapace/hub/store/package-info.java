/**
 * Storage: one Flyway migration set for SQLite and PostgreSQL, reached through HikariCP and plain JDBC. Every
 * operation that writes more than one row runs in one transaction. Must never import the HTTP layer.
 */
package dev.carapace.hub.store;
