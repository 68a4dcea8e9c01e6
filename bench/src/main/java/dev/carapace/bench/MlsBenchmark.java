package dev.carapace.bench;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.CredentialValidator;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.group.Received;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.schedule.RatchetLimits;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.mls.TreeKEM.LeafNode;
import org.bouncycastle.mls.TreeKEM.LifeTime;
import org.bouncycastle.mls.codec.Capabilities;
import org.bouncycastle.mls.codec.Extension;
import org.bouncycastle.mls.codec.MLSInputStream;
import org.bouncycastle.mls.codec.MLSMessage;
import org.bouncycastle.mls.codec.MLSOutputStream;
import org.bouncycastle.mls.codec.Proposal;
import org.bouncycastle.mls.codec.WireFormat;
import org.bouncycastle.mls.crypto.MlsCipherSuite;
import org.bouncycastle.mls.crypto.Secret;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Carapace's MLS engine against BouncyCastle bcmls 1.84 (the reference), suite 0x0001, handshake messages as
 * PublicMessage on both sides. Every operation includes serialising its output and parsing its input, as over a
 * delivery service.
 *
 * <ul>
 *   <li>{@code *KeyPackage}: fresh signature, init and encryption keys plus a signed KeyPackage.</li>
 *   <li>{@code *AddAll}/{@code *Join}: a one-member group adds N−1 members in one commit (with path and Welcome);
 *       the last added member joins from that Welcome (tree inline).</li>
 *   <li>{@code *CreateUpdate}/{@code *ProcessUpdate}: an empty commit with a path (key update) in a group of
 *       {@code filledN} members whose tree is filled (every parent with members on both sides is non-blank and has
 *       no unmerged leaves); created by leaf 0, processed by leaf 1.</li>
 *   <li>{@code *RoundTrip{1,2}T}: a 1 KiB application message encrypted by one member and decrypted by another,
 *       each thread with its own two-member group. bcmls 1.84 is not thread-safe even across groups, so every
 *       bcmls call holds one JVM-wide lock: its 2-thread figure is its JVM-wide capacity.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class MlsBenchmark {
    static final Object BC_LOCK = new Object();
    static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    static final GroupConfig CFG = new GroupConfig(CredentialValidator.ACCEPT_ALL, 2, RatchetLimits.DEFAULT, false,
            Map.of(), Clock.systemUTC());
    static final SecureRandom RANDOM = new SecureRandom();

    static KeyPackageBundle ourBundle(String name) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                S.generateSignaturePrivateKey(), Duration.ofDays(30));
    }

    static Group ourJoin(byte[] welcome, KeyPackageBundle b) {
        return Group.join(CFG, MlsMessage.decode(welcome), b, null);
    }

    // ---- bcmls wrapper (every method must be called holding BC_LOCK) ----------------------------------------

    /** A bcmls member: its key material, KeyPackage and (once in a group) its group state. */
    static final class Bc {
        final MlsCipherSuite suite;
        final AsymmetricCipherKeyPair init;
        final AsymmetricCipherKeyPair enc;
        final AsymmetricCipherKeyPair sig;
        final org.bouncycastle.mls.codec.KeyPackage kp;
        final byte[] name;
        org.bouncycastle.mls.protocol.Group group;

        Bc(String name) throws Exception {
            this.name = name.getBytes(StandardCharsets.UTF_8);
            suite = MlsCipherSuite.getSuite((short) S.id());
            init = suite.getHPKE().generatePrivateKey();
            enc = suite.getHPKE().generatePrivateKey();
            sig = suite.generateSignatureKeyPair();
            kp = new org.bouncycastle.mls.codec.KeyPackage(suite,
                    suite.getHPKE().serializePublicKey(init.getPublic()), leafNode(), new ArrayList<>(), sigPriv());
        }

        byte[] sigPriv() {
            return suite.serializeSignaturePrivateKey(sig.getPrivate());
        }

        LeafNode leafNode() throws Exception {
            return new LeafNode(suite, suite.getHPKE().serializePublicKey(enc.getPublic()),
                    suite.serializeSignaturePublicKey(sig.getPublic()),
                    org.bouncycastle.mls.codec.Credential.forBasic(name), new Capabilities(), new LifeTime(),
                    new ArrayList<Extension>(), sigPriv());
        }

        byte[] keyPackageMessage() throws Exception {
            return MLSOutputStream.encode(MLSMessage.keyPackage(kp));
        }

        void create(byte[] groupId) throws Exception {
            group = new org.bouncycastle.mls.protocol.Group(groupId, suite, enc, sigPriv(),
                    leafNode().copy(leafNode().getEncryptionKey()), new ArrayList<>());
        }

        org.bouncycastle.mls.protocol.Group joined(byte[] welcome) throws Exception {
            MLSMessage m = (MLSMessage) MLSInputStream.decode(welcome, MLSMessage.class);
            return new org.bouncycastle.mls.protocol.Group(suite.getHPKE().serializePrivateKey(init.getPrivate()),
                    enc, sigPriv(), kp, m.welcome, null, new HashMap<Secret, byte[]>(),
                    new HashMap<org.bouncycastle.mls.protocol.Group.EpochRef, byte[]>());
        }

        /** Commits without moving this member's state; returns {next group, commit bytes, welcome bytes}. */
        Object[] commit(List<byte[]> addKeyPackages) throws Exception {
            List<Proposal> byValue = new ArrayList<>();
            for (byte[] k : addKeyPackages) {
                byValue.add(Proposal.add(((MLSMessage) MLSInputStream.decode(k, MLSMessage.class)).keyPackage));
            }
            byte[] leafSecret = new byte[suite.getKDF().getHashLength()];
            RANDOM.nextBytes(leafSecret);
            org.bouncycastle.mls.protocol.Group.GroupWithMessage gwm = group.commit(new Secret(leafSecret),
                    new org.bouncycastle.mls.protocol.Group.CommitOptions(byValue, true, true, null),
                    new org.bouncycastle.mls.protocol.Group.MessageOptions(false, new byte[0], 0),
                    new org.bouncycastle.mls.protocol.Group.CommitParameters(
                            org.bouncycastle.mls.protocol.Group.NORMAL_COMMIT_PARAMS));
            byte[] commit = MLSOutputStream.encode(gwm.message);
            byte[] welcome = null;
            if (!addKeyPackages.isEmpty()) {
                gwm.message.wireFormat = WireFormat.mls_welcome;
                welcome = MLSOutputStream.encode(gwm.message);
            }
            return new Object[] {gwm.group, commit, welcome};
        }
    }

    // ---- KeyPackage generation ------------------------------------------------------------------------------

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] oursKeyPackage() {
        return MlsMessage.of(ourBundle("kp").keyPackage()).encode();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] bcmlsKeyPackage() throws Exception {
        synchronized (BC_LOCK) {
            return new Bc("kp").keyPackageMessage();
        }
    }

    // ---- add N-1 in one commit, join ------------------------------------------------------------------------

    @State(Scope.Benchmark)
    public static class OursAdd {
        @Param({"10", "100", "1000"})
        public int n;
        KeyPackageBundle creator;
        List<KeyPackage> keyPackages;
        KeyPackageBundle lastJoiner;
        byte[] welcome;

        @Setup(Level.Trial)
        public void setUp() {
            creator = ourBundle("creator");
            List<KeyPackageBundle> bundles = new ArrayList<>();
            for (int i = 1; i < n; i++) {
                bundles.add(ourBundle("m" + i));
            }
            keyPackages = bundles.stream().map(KeyPackageBundle::keyPackage).toList();
            lastJoiner = bundles.get(bundles.size() - 1);
            welcome = Group.create(CFG, "add".getBytes(), creator).add(keyPackages).welcome().encode();
        }
    }

    @Benchmark
    public byte[][] oursAddAll(OursAdd st) {
        PendingCommit pc = Group.create(CFG, "add".getBytes(), st.creator).add(st.keyPackages);
        return new byte[][] {pc.commit().encode(), pc.welcome().encode()};
    }

    @Benchmark
    public Group oursJoin(OursAdd st) {
        return ourJoin(st.welcome, st.lastJoiner);
    }

    @State(Scope.Benchmark)
    public static class BcAdd {
        @Param({"10", "100", "1000"})
        public int n;
        Bc creator;
        List<byte[]> keyPackages;
        Bc lastJoiner;
        byte[] welcome;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            synchronized (BC_LOCK) {
                creator = new Bc("creator");
                keyPackages = new ArrayList<>();
                for (int i = 1; i < n; i++) {
                    lastJoiner = new Bc("m" + i);
                    keyPackages.add(lastJoiner.keyPackageMessage());
                }
                creator.create("add".getBytes());
                welcome = (byte[]) creator.commit(keyPackages)[2];
            }
        }
    }

    @Benchmark
    public Object[] bcmlsAddAll(BcAdd st) throws Exception {
        synchronized (BC_LOCK) {
            st.creator.create("add".getBytes());
            return st.creator.commit(st.keyPackages);
        }
    }

    @Benchmark
    public Object bcmlsJoin(BcAdd st) throws Exception {
        synchronized (BC_LOCK) {
            return st.lastJoiner.joined(st.welcome);
        }
    }

    // ---- update commit in a filled tree ---------------------------------------------------------------------

    /**
     * Builds a filled tree in O(N) commits: leaf 0 adds leaves 2k and 2k+1, then 2k+1 joins and commits a path,
     * which fills every parent above it whose other side has members. Only leaf 0 and leaf 1 (the observer) have
     * to follow every commit.
     */
    @State(Scope.Benchmark)
    public static class OursFilled {
        @Param({"1000"})
        public int filledN;
        Group creator;
        byte[] observerSaved;
        byte[] updateCommit;
        Group observer;

        @Setup(Level.Trial)
        public void setUp() {
            creator = Group.create(CFG, "filled".getBytes(), ourBundle("m0"));
            Group obs = null;
            for (int next = 1; next < filledN; ) {
                List<KeyPackageBundle> added = new ArrayList<>();
                int upto = next == 1 ? 2 : Math.min(next + 2, filledN);
                for (int i = next; i < upto; i++) {
                    added.add(ourBundle("m" + i));
                }
                next = upto;
                PendingCommit add = creator.add(added.stream().map(KeyPackageBundle::keyPackage).toList());
                creator.merge(add);
                if (obs != null) {
                    obs.process(MlsMessage.decode(add.commit().encode()));
                }
                Group last = ourJoin(add.welcome().encode(), added.get(added.size() - 1));
                if (obs == null) {
                    obs = last;
                }
                PendingCommit upd = last.update();
                last.merge(upd);
                MlsMessage wire = MlsMessage.decode(upd.commit().encode());
                creator.process(wire);
                if (obs != last) {
                    obs.process(MlsMessage.decode(upd.commit().encode()));
                }
            }
            observerSaved = obs.save();
            updateCommit = creator.update().commit().encode();
        }

        @Setup(Level.Invocation)
        public void freshObserver() {
            observer = Group.load(CFG, observerSaved);
        }
    }

    @Benchmark
    public byte[] oursCreateUpdate(OursFilled st) {
        return st.creator.update().commit().encode();
    }

    @Benchmark
    public Received oursProcessUpdate(OursFilled st) {
        return st.observer.process(MlsMessage.decode(st.updateCommit));
    }

    @State(Scope.Benchmark)
    public static class BcFilled {
        @Param({"1000"})
        public int filledN;
        Bc creator;
        org.bouncycastle.mls.protocol.Group observer;
        byte[] updateCommit;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            synchronized (BC_LOCK) {
                creator = new Bc("m0");
                creator.create("filled".getBytes());
                org.bouncycastle.mls.protocol.Group obs = null;
                for (int next = 1; next < filledN; ) {
                    List<Bc> added = new ArrayList<>();
                    int upto = next == 1 ? 2 : Math.min(next + 2, filledN);
                    for (int i = next; i < upto; i++) {
                        added.add(new Bc("m" + i));
                    }
                    next = upto;
                    List<byte[]> kps = new ArrayList<>();
                    for (Bc b : added) {
                        kps.add(b.keyPackageMessage());
                    }
                    Object[] add = creator.commit(kps);
                    creator.group = (org.bouncycastle.mls.protocol.Group) add[0];
                    if (obs != null) {
                        obs = obs.handle((byte[]) add[1], null);
                    }
                    Bc last = added.get(added.size() - 1);
                    last.group = last.joined((byte[]) add[2]);
                    Object[] upd = last.commit(List.of());
                    last.group = (org.bouncycastle.mls.protocol.Group) upd[0];
                    creator.group = creator.group.handle((byte[]) upd[1], null);
                    if (obs == null) {
                        obs = last.group;
                    } else {
                        obs = obs.handle((byte[]) upd[1], null);
                    }
                }
                observer = obs;
                updateCommit = (byte[]) creator.commit(List.of())[1];
            }
        }
    }

    @Benchmark
    public byte[] bcmlsCreateUpdate(BcFilled st) throws Exception {
        synchronized (BC_LOCK) {
            return (byte[]) st.creator.commit(List.of())[1];
        }
    }

    @Benchmark
    public Object bcmlsProcessUpdate(BcFilled st) throws Exception {
        synchronized (BC_LOCK) {
            // bcmls's handle returns the next state and leaves the receiver's state as it was.
            return st.observer.handle(st.updateCommit, null);
        }
    }

    // ---- application messages -------------------------------------------------------------------------------

    static final byte[] PAYLOAD = new byte[1024];
    static final byte[] NO_AAD = new byte[0];

    @State(Scope.Thread)
    public static class OursPair {
        Group sender;
        Group receiver;

        @Setup(Level.Trial)
        public void setUp() {
            GroupConfig cfg = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);
            KeyPackageBundle b = ourBundle("receiver");
            sender = Group.create(cfg, ("app" + Thread.currentThread().threadId()).getBytes(), ourBundle("sender"));
            PendingCommit add = sender.add(List.of(b.keyPackage()));
            sender.merge(add);
            receiver = Group.join(cfg, MlsMessage.decode(add.welcome().encode()), b, null);
        }
    }

    private static byte[] oursRoundTrip(OursPair p) {
        byte[] wire = p.sender.encrypt(PAYLOAD, NO_AAD).encode();
        return ((Received.Application) p.receiver.process(MlsMessage.decode(wire))).data();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public byte[] oursRoundTrip1T(OursPair p) {
        return oursRoundTrip(p);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public byte[] oursRoundTrip2T(OursPair p) {
        return oursRoundTrip(p);
    }

    @State(Scope.Thread)
    public static class BcPair {
        org.bouncycastle.mls.protocol.Group sender;
        org.bouncycastle.mls.protocol.Group receiver;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            synchronized (BC_LOCK) {
                Bc a = new Bc("sender");
                Bc b = new Bc("receiver");
                a.create(("app" + Thread.currentThread().threadId()).getBytes());
                Object[] add = a.commit(List.of(b.keyPackageMessage()));
                sender = (org.bouncycastle.mls.protocol.Group) add[0];
                receiver = b.joined((byte[]) add[2]);
            }
        }
    }

    private static byte[] bcmlsRoundTrip(BcPair p) throws Exception {
        synchronized (BC_LOCK) {
            byte[] wire = MLSOutputStream.encode(p.sender.protect(NO_AAD, PAYLOAD, 0));
            return p.receiver.unprotect((MLSMessage) MLSInputStream.decode(wire, MLSMessage.class))[1];
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public byte[] bcmlsRoundTrip1T(BcPair p) throws Exception {
        return bcmlsRoundTrip(p);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public byte[] bcmlsRoundTrip2T(BcPair p) throws Exception {
        return bcmlsRoundTrip(p);
    }

    // ---- floors: the Ed25519 work RFC 9420 requires, alone ----------------------------------------------------

    /**
     * What no conforming engine can avoid, measured with BouncyCastle's Ed25519 directly: a round trip signs the
     * FramedContentTBS of the message (about 1.1 KiB for a 1 KiB payload) and the receiver verifies it; a join
     * verifies every leaf's signature (§12.4.3.1, §7.3; a LeafNodeTBS is about 150 bytes), spread over the common
     * fork-join pool as our join does. These rows are the lower bounds the engine rows are read against.
     */
    @State(Scope.Thread)
    public static class Floor {
        final byte[] sk = new byte[32];
        final byte[] pk = new byte[32];
        final byte[] content = new byte[1100];
        final byte[] sig = new byte[64];
        org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point;

        @Setup(Level.Trial)
        public void setUp() {
            RANDOM.nextBytes(content);
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePrivateKey(RANDOM, sk);
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(sk, 0, pk, 0);
            // A member's key is decompressed once, not per message (the engine caches points the same way).
            point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartialExport(pk, 0);
        }
    }

    private static boolean signThenVerify(Floor f) {
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(f.sk, 0, f.pk, 0, f.content, 0, f.content.length, f.sig, 0);
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(f.sig, 0, f.point, f.content, 0, f.content.length);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public boolean floorRoundTrip1T(Floor f) {
        return signThenVerify(f);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public boolean floorRoundTrip2T(Floor f) {
        return signThenVerify(f);
    }

    @State(Scope.Benchmark)
    public static class LeafSignatures {
        @Param({"10", "100", "1000"})
        public int n;
        byte[][] pk;
        byte[][] tbs;
        byte[][] sig;

        @Setup(Level.Trial)
        public void setUp() {
            pk = new byte[n][32];
            tbs = new byte[n][150];
            sig = new byte[n][64];
            byte[] sk = new byte[32];
            for (int i = 0; i < n; i++) {
                org.bouncycastle.math.ec.rfc8032.Ed25519.generatePrivateKey(RANDOM, sk);
                org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(sk, 0, pk[i], 0);
                RANDOM.nextBytes(tbs[i]);
                org.bouncycastle.math.ec.rfc8032.Ed25519.sign(sk, 0, pk[i], 0, tbs[i], 0, 150, sig[i], 0);
            }
        }
    }

    @Benchmark
    public long floorJoinLeafSignatures(LeafSignatures st) {
        return java.util.stream.IntStream.range(0, st.n).parallel().filter(i -> org.bouncycastle.math.ec.rfc8032
                .Ed25519.verify(st.sig[i], 0, st.pk[i], 0, st.tbs[i], 0, st.tbs[i].length)).count();
    }
}
