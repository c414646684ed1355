package cloud.agora.billing.bench;

import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;
import java.time.Instant;
import java.util.UUID;
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
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * The CPU cost of checking one receipt's provider signature, one thread: web3j's public-key recovery (what
 * {@link UsageReceipt#verifyProviderSignature()} did before libsecp256k1), {@link SignerKeys} recovering (first receipt
 * of a provider) and {@link SignerKeys} verifying against the provider's kept key (every later receipt); and of signing
 * one receipt, and of the modular inverse of a nonce inside a signature (the JDK's against BouncyCastle's). 256 distinct
 * signed receipts. Each {@code …PureJava} method runs in a JVM started with
 * {@code -Dagora.secp256k1.pure-java=true}: the same code on BouncyCastle's curve arithmetic instead of libsecp256k1's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignatureBenchmark {

    private UsageReceipt[] receipts;
    private byte[][] hashes;
    private Address provider;
    private SignerKeys kept;
    private int next;
    private ECKeyPair key;
    private BigInteger[] nonces;
    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    @Setup
    public void signReceipts() throws Exception {
        key = Keys.createEcKeyPair();
        provider = new Address("0x" + Keys.getAddress(key));
        receipts = new UsageReceipt[256];
        hashes = new byte[256][];
        for (int i = 0; i < receipts.length; i++) {
            receipts[i] = UsageReceipt.unsigned(UUID.randomUUID(), UUID.randomUUID(), provider, provider, 1_000_000L + i,
                    64L << 20, 120, 10, 10, Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(1_120), null).signedByProvider(key);
            hashes[i] = receipts[i].hash();
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        nonces = new BigInteger[256];
        for (int i = 0; i < nonces.length; i++) {
            nonces[i] = new BigInteger(256, random).mod(N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
        }
        kept = new SignerKeys();
        kept.signedBy(hashes[0], receipts[0].providerSignature(), provider);
    }

    @Benchmark
    public BigInteger web3jRecovery() throws Exception {
        UsageReceipt r = receipts[next++ & 255];
        return Sign.signedPrefixedMessageToKey(hashes[next - 1 & 255], PersonalSignature.parse(r.providerSignature()));
    }

    @Benchmark
    public boolean signerKeysRecovery() {
        int i = next++ & 255;
        return new SignerKeys().signedBy(hashes[i], receipts[i].providerSignature(), provider);
    }

    @Benchmark
    public boolean signerKeysVerification() {
        int i = next++ & 255;
        return kept.signedBy(hashes[i], receipts[i].providerSignature(), provider);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dagora.secp256k1.pure-java=true")
    public boolean signerKeysVerificationPureJava() {
        return signerKeysVerification();
    }

    @Benchmark
    public UsageReceipt sign() {
        return receipts[next++ & 255].signedByProvider(key);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dagora.secp256k1.pure-java=true")
    public UsageReceipt signPureJava() {
        return sign();
    }

    /** A signature's k⁻¹ mod n as the JDK computes it (what signing used before). */
    @Benchmark
    public BigInteger nonceInverseJdk() {
        return nonces[next++ & 255].modInverse(N);
    }

    /** The same with BouncyCastle's constant-time inverse (what signing uses). */
    @Benchmark
    public BigInteger nonceInverseBouncyCastle() {
        return org.bouncycastle.util.BigIntegers.modOddInverse(N, nonces[next++ & 255]);
    }

    @Benchmark
    public byte[] receiptHash() {
        return receipts[next++ & 255].hash();
    }
}
