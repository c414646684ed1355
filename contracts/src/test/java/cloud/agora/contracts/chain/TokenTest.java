package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.contracts.GasReport;
import cloud.agora.contracts.devnet.DevKeys;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** AgoraToken's vote checkpoints: snapshots ignore later transfers, and holders vote without delegating. */
@ExtendWith(DevnetExtension.class)
class TokenTest {

    private static final BigInteger TOKENS = BigInteger.TEN.pow(18);

    private final Devnet devnet;
    private final Token token;

    TokenTest(Devnet devnet) {
        this.devnet = devnet;
        this.token = devnet.token();
    }

    @Test
    void mintsTheWholeSupplyToTheInitialHoldersWhoCanVoteAtOnce() {
        assertThat(token.totalSupply()).isEqualTo(Devnet.HOLDER_ALLOCATION.multiply(BigInteger.valueOf(DevKeys.COUNT)));
        for (Signer holder : DevKeys.all()) {
            assertThat(token.balanceOf(holder.address())).isEqualTo(Devnet.HOLDER_ALLOCATION);
            assertThat(token.getVotes(holder.address())).isEqualTo(Devnet.HOLDER_ALLOCATION);
        }
    }

    @Test
    void anUndelegatedHolderHasVotingPower() {
        Signer newcomer = devnet.newAccount();
        TxReceipt transfer = token.transfer(devnet.account(5), newcomer.address(), TOKENS.multiply(BigInteger.valueOf(7)));
        GasReport.record("token transfer (both sides checkpointed)", transfer.gasUsed());

        assertThat(token.delegates(newcomer.address())).isEqualTo(newcomer.address());
        assertThat(token.getVotes(newcomer.address())).isEqualTo(TOKENS.multiply(BigInteger.valueOf(7)));
        devnet.mine(1);
        assertThat(token.getPastVotes(newcomer.address(), transfer.blockNumber())).isEqualTo(TOKENS.multiply(BigInteger.valueOf(7)));
    }

    @Test
    void getPastVotesAtABlockBeforeATransferIgnoresTheTransfer() {
        Signer seller = devnet.newAccount();
        Signer buyer = devnet.newAccount();
        token.transfer(devnet.account(6), seller.address(), TOKENS.multiply(BigInteger.valueOf(100)));
        long snapshot = devnet.chain().blockNumber();
        BigInteger supplyAtSnapshot = token.totalSupply();
        devnet.mine(1);

        TxReceipt sale = token.transfer(seller, buyer.address(), TOKENS.multiply(BigInteger.valueOf(40)));
        devnet.mine(1);

        assertThat(sale.blockNumber()).isGreaterThan(snapshot);
        assertThat(token.getPastVotes(seller.address(), snapshot)).isEqualTo(TOKENS.multiply(BigInteger.valueOf(100)));
        assertThat(token.getPastVotes(buyer.address(), snapshot)).isZero();
        assertThat(token.getPastVotes(seller.address(), sale.blockNumber())).isEqualTo(TOKENS.multiply(BigInteger.valueOf(60)));
        assertThat(token.getPastVotes(buyer.address(), sale.blockNumber())).isEqualTo(TOKENS.multiply(BigInteger.valueOf(40)));
        assertThat(token.getPastTotalSupply(snapshot)).isEqualTo(supplyAtSnapshot);
    }

    @Test
    void delegatingMovesVotesAndDelegatingToNobodyBringsThemBack() {
        Signer holder = devnet.newAccount();
        Signer representative = devnet.newAccount();
        token.transfer(devnet.account(7), holder.address(), TOKENS.multiply(BigInteger.TEN));

        TxReceipt delegation = token.delegate(holder, representative.address());
        GasReport.record("token delegate", delegation.gasUsed());
        assertThat(token.getVotes(holder.address())).isZero();
        assertThat(token.getVotes(representative.address())).isEqualTo(TOKENS.multiply(BigInteger.TEN));

        token.delegate(holder, new Address("0x" + "0".repeat(40)));
        assertThat(token.delegates(holder.address())).isEqualTo(holder.address());
        assertThat(token.getVotes(holder.address())).isEqualTo(TOKENS.multiply(BigInteger.TEN));
        assertThat(token.getVotes(representative.address())).isZero();

        // and the holder's tokens still move (their checkpoints are consistent)
        token.transfer(holder, representative.address(), TOKENS);
        assertThat(token.getVotes(holder.address())).isEqualTo(TOKENS.multiply(BigInteger.valueOf(9)));
        assertThat(token.getVotes(representative.address())).isEqualTo(TOKENS);
    }

    @Test
    void aFutureSnapshotIsATypedRevert() {
        long future = devnet.chain().blockNumber() + 10;
        assertThatThrownBy(() -> token.getPastVotes(devnet.account(0).address(), future))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("ERC5805FutureLookup");
                    assertThat(e.args()).containsExactly(BigInteger.valueOf(future), BigInteger.valueOf(future - 10));
                });
    }

    @Test
    void aTransferBeyondTheBalanceIsATypedRevert() {
        Signer poor = devnet.newAccount();
        assertThatThrownBy(() -> token.transfer(poor, devnet.account(0).address(), BigInteger.ONE))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("ERC20InsufficientBalance");
                    assertThat(e.args()).containsExactly(poor.address(), BigInteger.ZERO, BigInteger.ONE);
                });
    }

    @Test
    void refusesAMismatchedAllocation() {
        Signer deployer = devnet.newAccount();
        assertThatThrownBy(() -> devnet.chain().deployToken(deployer, Map.of()))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraTokenNoSupply"));
        Map<Address, BigInteger> two = new LinkedHashMap<>();
        two.put(deployer.address(), TOKENS);
        two.put(devnet.account(1).address(), TOKENS);
        Token deployed = devnet.chain().deployToken(deployer, two);
        assertThat(deployed.totalSupply()).isEqualTo(TOKENS.multiply(BigInteger.TWO));
    }
}
