package dev.carapace.mls.vectors;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MessageProtection;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.mls.framing.PublicMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.GroupSecrets;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.RatchetTree;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.BiConsumer;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/** Checks for the messages and message-protection families. */
final class FramingVectors {
    private static final HexFormat HEX = HexFormat.of();

    private FramingVectors() {
    }

    /** Every struct decodes with nothing left over and re-encodes to the same bytes. */
    static boolean messages(JsonNode c) {
        Function<TlsReader, MlsMessage> msg = MlsMessage::decode;
        BiConsumer<TlsWriter, MlsMessage> msgEnc = (w, m) -> w.writeBytes(m.encode());
        return roundTrip(c, "mls_welcome", msg, msgEnc)
                && roundTrip(c, "mls_group_info", msg, msgEnc)
                && roundTrip(c, "mls_key_package", msg, msgEnc)
                && roundTrip(c, "public_message_application", msg, msgEnc)
                && roundTrip(c, "public_message_proposal", msg, msgEnc)
                && roundTrip(c, "public_message_commit", msg, msgEnc)
                && roundTrip(c, "private_message", msg, msgEnc)
                && roundTrip(c, "ratchet_tree", RatchetTree::decode, (w, t) -> t.encode(w))
                && roundTrip(c, "group_secrets", GroupSecrets::decode, (w, g) -> w.writeBytes(g.encode()))
                && proposal(c, "add_proposal", Proposal.ADD)
                && proposal(c, "update_proposal", Proposal.UPDATE)
                && proposal(c, "remove_proposal", Proposal.REMOVE)
                && proposal(c, "pre_shared_key_proposal", Proposal.PSK)
                && proposal(c, "re_init_proposal", Proposal.REINIT)
                && proposal(c, "external_init_proposal", Proposal.EXTERNAL_INIT)
                && proposal(c, "group_context_extensions_proposal", Proposal.GROUP_CONTEXT_EXTENSIONS)
                && roundTrip(c, "commit", Commit::decode, (w, x) -> x.encode(w));
    }

    private static boolean proposal(JsonNode c, String field, int type) {
        return roundTrip(c, field, r -> Proposal.decodeBody(type, r), (w, p) -> p.encodeBody(w));
    }

    private static <T> boolean roundTrip(JsonNode c, String field, Function<TlsReader, T> dec,
            BiConsumer<TlsWriter, T> enc) {
        byte[] in = hex(c, field);
        TlsReader r = new TlsReader(in);
        T v = dec.apply(r);
        r.requireFullyConsumed();
        TlsWriter w = new TlsWriter();
        enc.accept(w, v);
        return Arrays.equals(in, w.toByteArray());
    }

    static boolean messageProtection(JsonNode c) {
        CipherSuite s = CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
        if (s == null) {
            return false;
        }
        GroupContext ctx = new GroupContext(s, hex(c, "group_id"), c.get("epoch").asLong(), hex(c, "tree_hash"),
                hex(c, "confirmed_transcript_hash"), new byte[0]);
        byte[] sigPub = hex(c, "signature_pub");
        byte[] sigPriv = hex(c, "signature_priv");
        byte[] mk = hex(c, "membership_key");
        byte[] sds = hex(c, "sender_data_secret");
        byte[] enc = hex(c, "encryption_secret");
        Function<FramedContent, byte[]> keys = fc -> fc.sender().type() == Sender.MEMBER
                && fc.sender().index() == 1 ? sigPub : null;

        Proposal proposal = decodeAll(hex(c, "proposal"), Proposal::decode);
        Commit commit = decodeAll(hex(c, "commit"), Commit::decode);
        byte[] app = hex(c, "application");
        byte[] tag = s.mac(new byte[32], new byte[0]);

        FramedContent[] ours = {
            FramedContent.proposal(ctx.groupId(), ctx.epoch(), Sender.member(1), new byte[0], proposal),
            FramedContent.commit(ctx.groupId(), ctx.epoch(), Sender.member(1), new byte[0], commit),
            FramedContent.application(ctx.groupId(), ctx.epoch(), Sender.member(1), new byte[0], app)};
        byte[][] raw = {hex(c, "proposal"), hex(c, "commit"), app};
        String[] names = {"proposal", "commit", "application"};
        for (int i = 0; i < 3; i++) {
            // The given PublicMessage (proposal, commit) verifies and yields the raw content.
            if (i < 2) {
                PublicMessage pub = MlsMessage.decode(hex(c, names[i] + "_pub")).publicMessage();
                AuthenticatedContent ac = MessageProtection.unprotectPublic(ctx, mk, keys, pub);
                if (!Arrays.equals(body(ac.content()), raw[i])) {
                    return false;
                }
                PublicMessage mine = MessageProtection.protectPublic(ctx, mk, sigPriv, ours[i], i == 1 ? tag : null);
                PublicMessage back = MlsMessage.decode(MlsMessage.of(mine).encode()).publicMessage();
                if (!Arrays.equals(body(MessageProtection.unprotectPublic(ctx, mk, keys, back).content()), raw[i])) {
                    return false;
                }
            } else {
                try {
                    MessageProtection.protectPublic(ctx, mk, sigPriv, ours[i], null);
                    return false;
                } catch (dev.carapace.mls.MlsException expected) {
                    // application data must not go out as a PublicMessage
                }
            }
            PrivateMessage priv = MlsMessage.decode(hex(c, names[i] + "_priv")).privateMessage();
            SecretTree rx = new SecretTree(s, enc, 2, RatchetLimits.DEFAULT);
            if (!Arrays.equals(body(MessageProtection.unprotectPrivate(ctx, rx, sds, keys, priv).content()), raw[i])) {
                return false;
            }
            SecretTree tx = new SecretTree(s, enc, 2, RatchetLimits.DEFAULT);
            PrivateMessage mine = MessageProtection.protectPrivate(ctx, tx, sds, sigPriv, ours[i],
                    i == 1 ? tag : null, 7);
            PrivateMessage back = MlsMessage.decode(MlsMessage.of(mine).encode()).privateMessage();
            SecretTree rx2 = new SecretTree(s, enc, 2, RatchetLimits.DEFAULT);
            if (!Arrays.equals(body(MessageProtection.unprotectPrivate(ctx, rx2, sds, keys, back).content()),
                    raw[i])) {
                return false;
            }
        }
        return true;
    }

    private static byte[] body(FramedContent fc) {
        return switch (fc.contentType()) {
            case FramedContent.APPLICATION -> fc.applicationData();
            case FramedContent.PROPOSAL -> fc.proposal().encode();
            default -> fc.commit().encode();
        };
    }

    static <T> T decodeAll(byte[] in, Function<TlsReader, T> dec) {
        TlsReader r = new TlsReader(in);
        T v = dec.apply(r);
        r.requireFullyConsumed();
        return v;
    }

    static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
