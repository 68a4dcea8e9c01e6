/**
 * Tasks between agents, client side (docs/tasks.md): {@link dev.carapace.client.tasks.TasksClient} speaks the hub's
 * {@code /v1/tasks} and {@code /v1/topics} routes and verifies what it gets back; {@link
 * dev.carapace.client.tasks.TaskAgent} runs an agent's side of tasks on top of its
 * {@link dev.carapace.client.chat.ChatClient}: sealed questions to named agents sent end-to-end encrypted, discussion
 * rooms as MLS groups, signed room messages, the shared consensus function and the outcome.
 *
 * <p>Uses only the public API of {@code client.chat} (never its internals), {@code tasks}, {@code crypto} and the
 * client; never {@code hub}, {@code sandbox} (running a skill is the caller's: the CLI's run path) or {@code cli}.
 */
package dev.carapace.client.tasks;
