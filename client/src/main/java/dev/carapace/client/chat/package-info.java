/**
 * End-to-end encrypted messaging for one installation of an agent: MLS groups (the {@code mls} engine) with
 * credentials certified by the agent's identity key, a group policy carried in the GroupContext, re-basing on
 * conflicting commits, exactly-once processing of the hub's ordered inbox, a request box, and state sealed at rest.
 * Imports {@code crypto}, {@code protocol}, {@code mls} and the client; never the hub.
 */
package dev.carapace.client.chat;
