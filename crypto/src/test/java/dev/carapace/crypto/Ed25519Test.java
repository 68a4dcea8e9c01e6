package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ed25519Test {

    /** RFC 8032 section 7.1, TEST 1, 2, 3 and SHA(abc). */
    @ParameterizedTest(name = "RFC 8032 7.1 vector {index}")
    @CsvSource({
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60,"
            + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a,,"
            + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb,"
            + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c,72,"
            + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7,"
            + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025,af82,"
            + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42,"
            + "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf,"
            + "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f,"
            + "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    })
    void rfc8032Vectors(String seedHex, String pubHex, String msgHex, String sigHex) throws Exception {
        byte[] msg = msgHex == null ? new byte[0] : Bytes.fromHex(msgHex);
        Ed25519KeyPair kp = Ed25519KeyPair.fromSeed(Bytes.fromHex(seedHex));
        assertThat(Bytes.hex(kp.publicKey().bytes())).isEqualTo(pubHex);
        assertThat(Bytes.hex(kp.sign(msg))).isEqualTo(sigHex);
        assertThat(Ed25519PublicKey.fromBytes(Bytes.fromHex(pubHex)).verify(msg, Bytes.fromHex(sigHex))).isTrue();
    }

    @Test
    void rejectsWrongKeyFlippedBitAndTruncation() {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        byte[] msg = "hello carapace".getBytes();
        byte[] sig = a.sign(msg);
        assertThat(a.publicKey().verify(msg, sig)).isTrue();
        assertThat(b.publicKey().verify(msg, sig)).as("wrong key").isFalse();
        for (int bit = 0; bit < 512; bit += 7) {
            byte[] t = sig.clone();
            t[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(a.publicKey().verify(msg, t)).as("flipped signature bit %d", bit).isFalse();
        }
        byte[] m = msg.clone();
        m[0] ^= 1;
        assertThat(a.publicKey().verify(m, sig)).as("flipped message bit").isFalse();
        assertThat(a.publicKey().verify(msg, Arrays.copyOf(sig, 63))).as("truncated").isFalse();
        assertThat(a.publicKey().verify(msg, Arrays.copyOf(sig, 65))).as("extended").isFalse();
    }

    @Test
    void rejectsNonCanonicalS() {
        // S' = S + L verifies under a lax verifier (same point equation) but is malleable; RFC 8032 requires S < L.
        BigInteger order = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
        Ed25519KeyPair kp = Ed25519KeyPair.generate();
        byte[] msg = "malleability".getBytes();
        byte[] sig = kp.sign(msg);
        byte[] sLe = Arrays.copyOfRange(sig, 32, 64);
        BigInteger s = new BigInteger(1, reverse(sLe));
        BigInteger sPlusL = s.add(order);
        byte[] enc = reverse(toFixed(sPlusL, 32));
        byte[] forged = sig.clone();
        System.arraycopy(enc, 0, forged, 32, 32);
        assertThat(sPlusL.bitLength()).isLessThanOrEqualTo(256);
        assertThat(kp.publicKey().verify(msg, forged)).isFalse();
    }

    @Test
    void rejectsInvalidPublicKeys() {
        assertThatThrownBy(() -> Ed25519PublicKey.fromBytes(new byte[31])).isInstanceOf(CryptoException.class);
        byte[] identityPoint = new byte[32];
        identityPoint[0] = 1; // the neutral element: small order, accepted by lax verifiers for any message
        assertThatThrownBy(() -> Ed25519PublicKey.fromBytes(identityPoint)).isInstanceOf(CryptoException.class);
    }

    @Test
    void signVerifyRoundTripProperty() {
        qt().withExamples(200).withFixedSeed(0x5eedL)
                .forAll(longs().all(), integers().between(0, 512), integers().between(0, Integer.MAX_VALUE))
                .check((seed, len, flip) -> {
                    byte[] msg = new byte[len];
                    new java.util.Random(seed).nextBytes(msg);
                    Ed25519KeyPair kp = Ed25519KeyPair.generate();
                    byte[] sig = kp.sign(msg);
                    boolean ok = kp.publicKey().verify(msg, sig);
                    byte[] bad = sig.clone();
                    bad[flip % 64] ^= (byte) (1 << (flip % 8));
                    return ok && !kp.publicKey().verify(msg, bad);
                });
    }

    private static byte[] reverse(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static byte[] toFixed(BigInteger v, int len) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[len];
        int copy = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
        return out;
    }
}
