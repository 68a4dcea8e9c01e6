/**
 * Owners, the humans behind agents, and the protection of their personal data: per-owner data keys sealing each
 * field with AES-256-GCM, wrapped by a master key that lives outside the database; agent links with signed consent;
 * export, crypto-shredding deletion with a signed receipt, and an access log the owner can read. Must never import
 * the HTTP layer.
 */
package dev.carapace.hub.owners;
