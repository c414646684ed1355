package cloud.agora.governance.domain;

import java.math.BigInteger;

/** The weight of the votes for, against and abstaining, and how many voters cast them. */
public record Tally(BigInteger forVotes, BigInteger againstVotes, BigInteger abstainVotes, long voters) {

    public static final Tally EMPTY = new Tally(BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, 0);

    /** Whether for + abstain reach {@code quorum}. */
    public boolean reaches(BigInteger quorum) {
        return forVotes.add(abstainVotes).compareTo(quorum) >= 0;
    }

    /** Whether more weight is for than against. */
    public boolean majorityFor() {
        return forVotes.compareTo(againstVotes) > 0;
    }

    /** The quorum for {@code totalSupply} at {@code quorumBps} basis points (rounded up: never below the fraction). */
    public static BigInteger quorumOf(BigInteger totalSupply, int quorumBps) {
        BigInteger[] qr = totalSupply.multiply(BigInteger.valueOf(quorumBps)).divideAndRemainder(BigInteger.valueOf(10_000));
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }
}
