package dev.carapace.mls.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.schedule.SecretTree.RatchetType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shared suite objects must not leak state between threads (bcmls 1.84 failed 5,999 of 6,000 such ops). */
class CipherSuiteConcurrencyTest {

    @Test
    void independentRatchetsOnManyThreadsNeverInterfere() throws Exception {
        int threads = 8;
        int opsPerThread = 300;
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                CipherSuite suite = CipherSuite.values()[t % CipherSuite.values().length];
                futures.add(pool.submit(() -> {
                    byte[] secret = CipherSuite.randomBytes(32);
                    SecretTree sender = new SecretTree(suite, secret, 4, RatchetLimits.DEFAULT);
                    SecretTree receiver = new SecretTree(suite, secret, 4, RatchetLimits.DEFAULT);
                    byte[] signKey = suite.generateSignaturePrivateKey();
                    byte[] signPub = suite.signaturePublicKey(signKey);
                    for (int i = 0; i < opsPerThread; i++) {
                        SecretTree.KeyAndNonce k = sender.nextSendKey(2, RatchetType.APPLICATION);
                        byte[] msg = ("message " + i).getBytes();
                        byte[] ct = suite.aeadSeal(k.key(), k.nonce(), new byte[0], msg);
                        SecretTree.KeyAndNonce r = receiver.keyForGeneration(2, RatchetType.APPLICATION,
                                k.generation());
                        byte[] pt = suite.aeadOpen(r.key(), r.nonce(), new byte[0], ct);
                        byte[] sig = suite.signWithLabel(signKey, "Test", msg);
                        if (java.util.Arrays.equals(pt, msg) && suite.verifyWithLabel(signPub, "Test", msg, sig)) {
                            successes.incrementAndGet();
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures.get()).isZero();
        assertThat(successes.get()).isEqualTo(threads * opsPerThread);
    }
}
