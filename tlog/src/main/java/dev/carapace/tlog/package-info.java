/**
 * The transparency log's verifiable core: RFC 9162 Merkle tree hashing, inclusion and consistency proofs (generated
 * and verified), and C2SP signed notes and checkpoints. A core library: imports only {@code crypto}, never
 * {@code skills}, {@code sandbox}, {@code mls}, {@code client}, {@code hub} or {@code cli}.
 */
package dev.carapace.tlog;
