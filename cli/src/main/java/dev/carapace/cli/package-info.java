/**
 * The {@code carapace} command line: the top layer. It may use every library module and the hub and client, and
 * nothing may import it. Commands print one clear line on failure and exit with a documented code: 0 ok,
 * 1 verification failed, 2 usage, 3 I/O, configuration or passphrase.
 */
package dev.carapace.cli;
