package dev.carapace.bench;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Ed25519PublicKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ed25519 sign and verify of 256-byte messages: Carapace's BouncyCastle-backed keys against the JDK's SunEC provider,
 * in one run, one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Ed25519Benchmark {
    private byte[] message;
    private Ed25519KeyPair bcKey;
    private Ed25519PublicKey bcPublic;
    private byte[] bcSignature;

    private KeyPair jdkKey;
    private Signature jdkSigner;
    private Signature jdkVerifier;
    private byte[] jdkSignature;

    @Setup
    public void setUp() throws Exception {
        message = new byte[256];
        new Random(42).nextBytes(message);
        bcKey = Ed25519KeyPair.generate();
        bcPublic = bcKey.publicKey();
        bcSignature = bcKey.sign(message);

        jdkKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        jdkSigner = Signature.getInstance("Ed25519");
        jdkVerifier = Signature.getInstance("Ed25519");
        jdkSigner.initSign(jdkKey.getPrivate());
        jdkSigner.update(message);
        jdkSignature = jdkSigner.sign();
    }

    @Benchmark
    public byte[] bouncyCastleSign() {
        return bcKey.sign(message);
    }

    @Benchmark
    public boolean bouncyCastleVerify() {
        return bcPublic.verify(message, bcSignature);
    }

    @Benchmark
    public byte[] jdkSign() throws Exception {
        jdkSigner.initSign(jdkKey.getPrivate());
        jdkSigner.update(message);
        return jdkSigner.sign();
    }

    @Benchmark
    public boolean jdkVerify() throws Exception {
        jdkVerifier.initVerify(jdkKey.getPublic());
        jdkVerifier.update(message);
        return jdkVerifier.verify(jdkSignature);
    }
}
