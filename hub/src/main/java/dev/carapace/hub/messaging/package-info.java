/**
 * The delivery service for end-to-end encrypted messaging: KeyPackage directory, per-group total order of MLS
 * messages (one commit per epoch), per-installation cursors with acknowledgements, and hub-side denials. It sees
 * ciphertext and routing data only; it never holds a key that could decrypt a message. Must not import the client.
 */
package dev.carapace.hub.messaging;
