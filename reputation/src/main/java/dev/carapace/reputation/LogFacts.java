package dev.carapace.reputation;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519PublicKey;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEvent;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.KeyId;
import dev.carapace.crypto.OwnerLinkConsent;
import dev.carapace.crypto.PayloadTypes;
import dev.carapace.skills.Attestations;
import dev.carapace.tasks.TaskOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The reputation-relevant facts of a log prefix, read entry by entry in index order (so it updates incrementally:
 * each new entry is read once). Only what verifies against the log itself counts:
 * <ul>
 *   <li>key events build each identity's key history (an event that does not extend the history is ignored);</li>
 *   <li>a DSSE statement counts only if a signature on it verifies with the key its key id names, and that key is
 *       the signer's current key at that point of the log (a key rotated out earlier signs nothing);</li>
 *   <li>skill publications map a package digest to its publisher; audits, vouches and revocations of it become
 *       {@link Interaction}s from their signer to that publisher (an author's statements about its own skill none);</li>
 *   <li>owner-link consents, signed by the agent and countersigned by the owner-kind identity they name, become
 *       {@link OwnerLink}s (the first for an agent wins, as on the hub);</li>
 *   <li>task outcomes, signed by their requester, become one {@link Interaction} per rating.</li>
 * </ul>
 * A requester's second outcome for one task, and a signer's second statement of one kind about one digest, count
 * for nothing. Anything else in the log (and anything malformed) is skipped, identically for every reader.
 */
public final class LogFacts {
    /** A signed time a statement carries, for the log clock. */
    record Tick(long index, long ms) {}

    private long size;
    private final Map<String, KeyEventLog> histories = new HashMap<>();
    private final Map<String, String> publisherOfDigest = new HashMap<>();
    private final List<Interaction> interactions = new ArrayList<>();
    private final Map<String, OwnerLink> links = new LinkedHashMap<>();
    private final List<Tick> ticks = new ArrayList<>();
    /** Statements already counted: one outcome per requester and task, one statement per signer, kind and digest. */
    private final java.util.Set<String> counted = new java.util.HashSet<>();

    /** The number of entries read: facts are of the log prefix [0, size). */
    public long size() {
        return size;
    }

    public List<Interaction> interactions() {
        return Collections.unmodifiableList(interactions);
    }

    /** Owner links by agent, in log order. */
    public Map<String, OwnerLink> links() {
        return Collections.unmodifiableMap(links);
    }

    List<Tick> ticks() {
        return ticks;
    }

    /** Whether the log holds a key history for the id. */
    public boolean knows(String id) {
        return histories.containsKey(id);
    }

    /** The kind ("agent" or "owner") of a known identity, or null. */
    public String kindOf(String id) {
        KeyEventLog h = histories.get(id);
        return h == null ? null : h.kind();
    }

    /** Reads the next entry; entries must come in index order, each once. */
    public void accept(long index, byte[] entry) {
        if (index != size) {
            throw new IllegalArgumentException("entry " + index + " read after " + size + " entries");
        }
        size++;
        JsonNode node;
        try {
            node = Json.parse(entry);
        } catch (CryptoException e) {
            return;
        }
        if (!node.isObject()) {
            return;
        }
        if (node.has("event")) {
            keyEvent(index, node);
        } else if (node.has("payloadType")) {
            try {
                statement(index, Dsse.fromJson(node));
            } catch (CryptoException e) {
                // not a statement this function reads
            }
        }
    }

    private void keyEvent(long index, JsonNode node) {
        try {
            KeyEvent ev = KeyEvent.fromJson(node);
            if (ev.type() == KeyEvent.Type.INCEPTION) {
                KeyEventLog log = KeyEventLog.verify(List.of(ev));
                histories.putIfAbsent(log.id().toString(), log);
            } else {
                KeyEventLog known = histories.get(ev.id());
                if (known == null || ev.seq() != known.currentSeq() + 1) {
                    return; // unknown identity, or an event already read (the outbox may log one twice)
                }
                List<KeyEvent> events = new ArrayList<>(known.events());
                events.add(ev);
                histories.put(ev.id(), KeyEventLog.verify(events));
            }
            ticks.add(new Tick(index, ev.timestampMillis()));
        } catch (KelException e) {
            // an event that does not verify establishes nothing
        }
    }

    /** The ids whose current key made a valid signature on the envelope, in signature order. */
    private List<String> signers(Dsse.Envelope env) {
        List<String> out = new ArrayList<>();
        for (Dsse.Signature s : env.signatures()) {
            KeyId kid;
            try {
                kid = KeyId.parse(s.keyid());
            } catch (CryptoException e) {
                continue;
            }
            KeyEventLog h = histories.get(kid.id().toString());
            if (h == null || h.currentSeq() != kid.seq() || out.contains(kid.id().toString())) {
                continue;
            }
            Ed25519PublicKey key = h.currentKey();
            try {
                Dsse.verify(new Dsse.Envelope(env.payloadType(), env.payload(), List.of(s)),
                        k -> k.equals(s.keyid()) ? key : null, 1);
                out.add(kid.id().toString());
            } catch (CryptoException e) {
                // try the next signature
            }
        }
        return out;
    }

    private void statement(long index, Dsse.Envelope env) throws CryptoException {
        String type = env.payloadType();
        if (!type.equals(InTotoStatement.PAYLOAD_TYPE) && !type.equals(PayloadTypes.OWNER_LINK_CONSENT)
                && !type.equals(TaskOutcome.PAYLOAD_TYPE)) {
            return; // parse nothing that cannot matter
        }
        List<String> signers = signers(env);
        if (signers.isEmpty()) {
            return;
        }
        String signer = signers.get(0);
        switch (type) {
            case InTotoStatement.PAYLOAD_TYPE -> skillStatement(index, signer, InTotoStatement.fromEnvelope(env));
            case PayloadTypes.OWNER_LINK_CONSENT -> {
                OwnerLinkConsent c = OwnerLinkConsent.parse(env);
                String owner = canonicalId(c.owner());
                String agent = c.agent();
                // Both agreed: the agent's consent, countersigned by the owner, each by its current key.
                if (signers.contains(agent) && signers.contains(owner) && "agent".equals(kindOf(agent))
                        && "owner".equals(kindOf(owner))) {
                    if (links.putIfAbsent(agent, new OwnerLink(index, owner, agent)) == null) {
                        ticks.add(new Tick(index, c.ts()));
                    }
                }
            }
            default -> {
                TaskOutcome o = TaskOutcome.parse(env);
                if (!o.requester().equals(signer) || !counted.add("task " + signer + " " + o.task())) {
                    return;
                }
                ticks.add(new Tick(index, o.ts()));
                for (TaskOutcome.Rating r : o.ratings()) {
                    if (!r.agent().equals(signer)) {
                        interactions.add(new Interaction(index, Interaction.Kind.TASK_RATING, signer, r.agent(),
                                r.good() ? 1 : -1, o.ts()));
                    }
                }
            }
        }
    }

    private void skillStatement(long index, String signer, InTotoStatement st) throws CryptoException {
        if (st.subjects().size() != 1) {
            return;
        }
        String digest = st.subjects().get(0).sha256Hex();
        if (Attestations.PUBLISH.equals(st.predicateType())) {
            Attestations.predicate(st, Attestations.PUBLISH);
            publisherOfDigest.putIfAbsent(digest, signer);
            return;
        }
        String kind = Attestations.kindOf(st.predicateType());
        String publisher = publisherOfDigest.get(digest);
        if (kind == null || publisher == null || publisher.equals(signer)) {
            return;
        }
        JsonNode p = Attestations.predicate(st, st.predicateType());
        if (!counted.add(kind + " " + signer + " " + digest)) {
            return; // the hub takes one of each kind per signer and version; a copy appended to the log adds nothing
        }
        Interaction.Kind k;
        int sign;
        switch (kind) {
            case "audit" -> {
                String verdict = p.path("verdict").asString("");
                if (!verdict.equals("pass") && !verdict.equals("fail")) {
                    return; // a warning is neither for nor against
                }
                k = Interaction.Kind.AUDIT;
                sign = verdict.equals("pass") ? 1 : -1;
            }
            case "vouch" -> {
                k = Interaction.Kind.VOUCH;
                sign = 1;
            }
            default -> {
                k = Interaction.Kind.REVOKE;
                sign = -1;
            }
        }
        interactions.add(new Interaction(index, k, signer, publisher, sign, -1));
    }

    /** The canonical text of an identity id, or an exception. */
    static String canonicalId(String s) throws CryptoException {
        AgentId id = AgentId.parse(s);
        if (!id.toString().equals(s)) {
            throw new CryptoException("identity ids are written in canonical (lower-case) form");
        }
        return s;
    }
}
