/**
 * Tasks between agents on the hub (docs/tasks.md): the {@code /v1/tasks} and {@code /v1/topics} routes, and the
 * {@link dev.carapace.hub.tasks.TaskStore} behind them. The hub checks each statement's form and signature, enforces
 * deadlines, room sizes and rate limits, delivers through the messaging push channel and appends outcomes to the
 * transparency log. It never sees a room's messages (MLS ciphertext through {@code hub.messaging}) nor the question
 * of a task to named agents (only its digest).
 *
 * <p>Imports {@code tasks}, {@code crypto}, and the hub's {@code http}, {@code limits}, {@code log}, {@code messaging}
 * and {@code store} packages; {@link dev.carapace.hub.tasks.TaskStore} and its JDBC implementation never import
 * {@code hub.http}.
 */
package dev.carapace.hub.tasks;
