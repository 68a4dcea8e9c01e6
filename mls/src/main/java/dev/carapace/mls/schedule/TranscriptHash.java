package dev.carapace.mls.schedule;

import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;

/** Confirmed and interim transcript hashes (RFC 9420 §8.2). */
public final class TranscriptHash {
    private TranscriptHash() {
    }

    /** confirmed = Hash(interim_prev || ConfirmedTranscriptHashInput). */
    public static byte[] confirmed(CipherSuite s, byte[] interimBefore, byte[] confirmedInput) {
        return s.hash(concat(interimBefore, confirmedInput));
    }

    /** interim = Hash(confirmed || InterimTranscriptHashInput{confirmation_tag}). */
    public static byte[] interim(CipherSuite s, byte[] confirmed, byte[] confirmationTag) {
        return s.hash(concat(confirmed, new TlsWriter().writeVarBytes(confirmationTag).toByteArray()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
