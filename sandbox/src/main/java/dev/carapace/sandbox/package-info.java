/**
 * Runs WebAssembly skills under their {@link dev.carapace.skills.Manifest}: {@link dev.carapace.sandbox.Sandbox}
 * admits the module, caps its memory and tables, runs one entrypoint on its own thread under a wall-clock and CPU
 * watchdog, offers a WASI preview 1 subset implemented here behind a file guard, and the {@code carapace} host module
 * ({@code http_get}, {@code secret_get}). Every access and refusal goes to the hash-chained
 * {@link dev.carapace.sandbox.AuditLog}. Deny by default, fail closed: a setup that cannot be honoured runs nothing.
 *
 * <p>May import only {@code dev.carapace.crypto}, {@code dev.carapace.skills} (the manifest format), Endive's runtime
 * ({@code run.endive}), Jackson and the JDK. Must never import hub, client, cli or mls.
 */
package dev.carapace.sandbox;
