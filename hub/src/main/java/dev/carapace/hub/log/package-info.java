/**
 * The hub's transparency log: appends are sequenced in batches, each batch is stored and covered by a signed C2SP
 * checkpoint in one transaction before any of its entries is acknowledged. Proof logic comes from {@code tlog}; this
 * package owns ordering ({@code LogSequencer}), storage ({@code LogStorage}) and serving ({@code LogServer}), and
 * answers values, never HTTP JSON. Must never import the HTTP layer.
 */
package dev.carapace.hub.log;
