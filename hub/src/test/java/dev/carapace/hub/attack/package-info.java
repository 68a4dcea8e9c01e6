/**
 * The attack suite: each class replays one attack found by the outside test of issue 13 (and later ones) and fails on
 * the code that let it through. Storage-touching attacks run on both backends. One line per class:
 *
 * <ul>
 *   <li>{@code CrossHubReplayAttackTest}: a request signed for one hub, replayed byte for byte to another.</li>
 *   <li>{@code StaleKeyAttackTest}: a rotated-out key and an older body-carried key event log.</li>
 *   <li>{@code PreAuthWorkAttackTest}: unsigned or wrongly signed bodies with long key event logs.</li>
 *   <li>{@code LinkConsentAttackTest}: future-dated link consents; agents linking agents.</li>
 *   <li>{@code KeyIdAttackTest}: non-canonical key ids ({@code #00}, {@code #+0}).</li>
 *   <li>{@code SignatureProfileAttackTest}: RFC 9421 repeated components, past {@code expires}, extra labels.</li>
 * </ul>
 *
 * <p>{@code RawRequest} sends exact request bytes (Host header included); {@code LongHistory} builds long valid key
 * event logs in linear time.
 */
package dev.carapace.hub.attack;
