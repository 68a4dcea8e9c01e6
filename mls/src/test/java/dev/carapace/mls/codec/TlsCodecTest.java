package dev.carapace.mls.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;

class TlsCodecTest {

    @Test
    void varintUsesRfc9420Encodings() {
        // Examples from RFC 9420 §2.1.2 (and the 1/2/4-byte boundaries).
        assertThat(new TlsWriter().writeVarint(37).toByteArray()).containsExactly(0x25);
        assertThat(new TlsWriter().writeVarint(15293).toByteArray()).containsExactly(0x7b, 0xbd);
        assertThat(new TlsWriter().writeVarint(494878333).toByteArray()).containsExactly(0x9d, 0x7f, 0x3e, 0x7d);
        assertThat(new TlsWriter().writeVarint(63).toByteArray()).hasSize(1);
        assertThat(new TlsWriter().writeVarint(64).toByteArray()).hasSize(2);
        assertThat(new TlsWriter().writeVarint(16384).toByteArray()).hasSize(4);
        assertThatThrownBy(() -> new TlsWriter().writeVarint(1L << 30)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void varintRoundTripsEveryRange() {
        qt().forAll(integers().between(0, (1 << 30) - 1)).checkAssert(v -> {
            TlsReader r = new TlsReader(new TlsWriter().writeVarint(v).toByteArray());
            assertThat(r.readVarint()).isEqualTo(v);
            r.requireFullyConsumed();
        });
    }

    @Test
    void rejectsNonMinimalAndInvalidVarints() {
        assertThatThrownBy(() -> new TlsReader(new byte[] {0x40, 0x25}).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("non-minimal");
        assertThatThrownBy(() -> new TlsReader(new byte[] {(byte) 0x80, 0, 0, 0x25}).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("non-minimal");
        assertThatThrownBy(() -> new TlsReader(new byte[] {(byte) 0xc0, 0, 0, 0, 0, 0, 0, 1}).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("0b11");
    }

    @Test
    void vectorLengthCheckedBeforeAllocation() {
        // Claims 2^30-1 bytes but carries 1: must fail on the length check, not attempt a 1 GiB allocation.
        byte[] hostile = {(byte) 0xbf, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x00};
        assertThatThrownBy(() -> new TlsReader(hostile).readVarBytes()).isInstanceOf(DecodeException.class);
        // Within the input but above the configured cap.
        byte[] body = new TlsWriter().writeVarBytes(new byte[100]).toByteArray();
        assertThatThrownBy(() -> new TlsReader(body, 99).readVarBytes())
                .isInstanceOf(DecodeException.class).hasMessageContaining("exceeds limit");
        assertThat(new TlsReader(body, 100).readVarBytes()).hasSize(100);
    }

    @Test
    void opaqueVectorsRoundTrip() {
        qt().forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 300)).checkAssert(list -> {
            byte[] raw = new byte[list.size()];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = list.get(i).byteValue();
            }
            TlsReader r = new TlsReader(new TlsWriter().writeVarBytes(raw).writeUint16(0xbeef).toByteArray());
            assertThat(r.readVarBytes()).isEqualTo(raw);
            assertThat(r.readUint16()).isEqualTo(0xbeef);
            r.requireFullyConsumed();
        });
    }

    @Test
    void fixedWidthIntegersAndTrailingData() {
        byte[] enc = new TlsWriter().writeUint8(7).writeUint16(513).writeUint32(0xfffffffeL).writeUint64(-2L)
                .writePresence(true).toByteArray();
        TlsReader r = new TlsReader(enc);
        assertThat(r.readUint8()).isEqualTo(7);
        assertThat(r.readUint16()).isEqualTo(513);
        assertThat(r.readUint32()).isEqualTo(0xfffffffeL);
        assertThat(r.readUint64()).isEqualTo(-2L);
        assertThat(r.readPresence()).isTrue();
        r.requireFullyConsumed();
        assertThatThrownBy(() -> new TlsReader(new byte[] {2}).readPresence()).isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> new TlsReader(new byte[] {1, 2}).readUint32()).isInstanceOf(DecodeException.class);
        TlsReader extra = new TlsReader(new byte[] {1, 2});
        extra.readUint8();
        assertThatThrownBy(extra::requireFullyConsumed).isInstanceOf(DecodeException.class);
    }
}
