package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.contracts.wrappers.ReentrantProvider;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/** A malicious provider contract that re-enters {@code redeem} from its payment gains nothing. */
@ExtendWith(DevnetExtension.class)
class ReentrancyTest {

    @Test
    void aProviderReenteringRedeemIsPaidOnce(Devnet devnet) throws Exception {
        Escrow escrow = devnet.escrow();
        Signer consumer = devnet.newAccount();
        Signer attackerOwner = devnet.newAccount();
        escrow.deposit(consumer, Wei.of(10_000_000L));

        Web3j web3j = Web3j.build(new HttpService(devnet.rpcUrl()));
        try {
            TransactionManager transactions = new RawTransactionManager(web3j, Credentials.create(attackerOwner.key()),
                    devnet.chainId(), new PollingTransactionReceiptProcessor(web3j, 10, 500));
            StaticGasProvider gas = new StaticGasProvider(BigInteger.valueOf(10_000_000_000L), BigInteger.valueOf(3_000_000));
            ReentrantProvider attacker = ReentrantProvider.deploy(web3j, transactions, gas, escrow.address().value()).send();
            Address attackerAddress = new Address(attacker.getContractAddress());

            Voucher voucher = new Voucher(consumer.address(), attackerAddress, Wei.of(1_000_000L), Bytes32.ZERO);
            SignedVoucher signed = SignedVoucher.sign(escrow.domain(), voucher, consumer.key());
            attacker.arm(new ReentrantProvider.Voucher(consumer.address().value(), attackerAddress.value(),
                    voucher.cumulativeAmount().value(), voucher.receiptsRoot().toBytes()),
                    Numeric.hexStringToByteArray(signed.signature())).send();

            Redemption redemption = escrow.redeem(devnet.newAccount(), signed);

            assertThat(attacker.attempts().send()).isEqualTo(BigInteger.ONE);
            assertThat(attacker.successes().send()).isEqualTo(BigInteger.ZERO);
            ContractRevertedException reentry = new RevertDecoder().decode(Numeric.toHexString(attacker.lastRevertData().send()));
            assertThat(reentry.error()).isEqualTo("ReentrancyGuardReentrantCall");
            assertThat(redemption.payment()).isEqualTo(Wei.of(990_000L));
            assertThat(devnet.chain().etherBalance(attackerAddress)).isEqualTo(Wei.of(990_000L));
            assertThat(escrow.balanceOf(consumer.address())).isEqualTo(Wei.of(9_000_000L));
            assertThat(escrow.redeemed(consumer.address(), attackerAddress)).isEqualTo(Wei.of(1_000_000L));
        } finally {
            web3j.shutdown();
        }
    }
}
