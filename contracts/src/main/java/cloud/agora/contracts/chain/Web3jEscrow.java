package cloud.agora.contracts.chain;

import cloud.agora.contracts.wrappers.AgoraEscrow;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.datatypes.Type;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/** {@link Escrow} through the generated {@link AgoraEscrow} wrapper (used only to encode and decode). */
final class Web3jEscrow extends Web3jContract<AgoraEscrow> implements Escrow {

    private static final String ZERO_ADDRESS = "0x" + "0".repeat(40);

    Web3jEscrow(Web3jChain chain, Address address, AgoraEscrow contract) {
        super(chain, address, contract);
    }

    @Override
    public Eip712Domain domain() {
        return Eip712Domain.escrow(chain.chainId(), address);
    }

    @Override
    public TxReceipt deposit(Signer consumer, Wei amount) {
        return send(consumer, contract.deposit(amount.value()), amount.value());
    }

    @Override
    public TxReceipt authorize(Signer consumer, Address delegate, Wei cap) {
        return send(consumer, contract.authorize(delegate.value(), cap.value()));
    }

    @Override
    public TxReceipt revoke(Signer consumer) {
        return send(consumer, contract.revoke());
    }

    @Override
    public Redemption redeem(Signer submitter, SignedVoucher signed) {
        TransactionReceipt receipt = chain.write(submitter, address, contract.redeem(
                wrap(signed.voucher()), Numeric.hexStringToByteArray(signed.signature())), BigInteger.ZERO);
        AgoraEscrow.VoucherRedeemedEventResponse event = AgoraEscrow.getVoucherRedeemedEvents(receipt).stream()
                .filter(e -> address.equals(new Address(e.log.getAddress())))
                .findFirst()
                .orElseThrow(() -> new ChainException("redeem " + receipt.getTransactionHash() + " emitted no VoucherRedeemed"));
        return redemption(chain.toReceipt(receipt), event);
    }

    @Override
    public BatchRedemption redeemMany(Signer submitter, List<SignedVoucher> vouchers) {
        TransactionReceipt receipt = chain.write(submitter, address, contract.redeemMany(
                vouchers.stream().map(v -> wrap(v.voucher())).toList(),
                vouchers.stream().map(v -> Numeric.hexStringToByteArray(v.signature())).toList()), BigInteger.ZERO);
        TxReceipt tx = chain.toReceipt(receipt);
        List<BatchRedemption.Paid> paid = AgoraEscrow.getVoucherRedeemedEvents(receipt).stream()
                .filter(e -> address.equals(new Address(e.log.getAddress())))
                .map(e -> new BatchRedemption.Paid(new Address(e.consumer), redemption(tx, e)))
                .toList();
        List<BatchRedemption.Skipped> skipped = AgoraEscrow.getVoucherSkippedEvents(receipt).stream()
                .filter(e -> address.equals(new Address(e.log.getAddress())))
                .map(e -> {
                    ContractRevertedException reason = chain.decodeRevert(Numeric.toHexString(e.reason));
                    return new BatchRedemption.Skipped(new Address(e.consumer), new Wei(e.cumulativeAmount),
                            reason.error(), reason.args());
                })
                .toList();
        return new BatchRedemption(tx, paid, skipped);
    }

    @Override
    public TxReceipt requestWithdrawal(Signer consumer, Wei amount) {
        return send(consumer, contract.requestWithdrawal(amount.value()));
    }

    @Override
    public TxReceipt cancelWithdrawal(Signer consumer) {
        return send(consumer, contract.cancelWithdrawal());
    }

    @Override
    public TxReceipt withdraw(Signer consumer) {
        return send(consumer, contract.withdraw());
    }

    @Override
    public TxReceipt sweepFees(Signer submitter) {
        return send(submitter, contract.sweepFees());
    }

    @Override
    public TxReceipt setFee(Signer executor, int feeBps) {
        return send(executor, contract.setFee(BigInteger.valueOf(feeBps)));
    }

    @Override
    public TxReceipt setWithdrawalDelay(Signer executor, Duration delay) {
        return send(executor, contract.setWithdrawalDelay(BigInteger.valueOf(delay.toSeconds())));
    }

    @Override
    public TxReceipt setTreasury(Signer executor, Address treasury) {
        return send(executor, contract.setTreasury(treasury.value()));
    }

    @Override
    public TxReceipt proposeExecutor(Signer executor, Address next) {
        return send(executor, contract.proposeExecutor(next.value()));
    }

    @Override
    public TxReceipt acceptExecutor(Signer next) {
        return send(next, contract.acceptExecutor());
    }

    @Override
    public TimelockCall setFeeCall(int feeBps) {
        return call(contract.setFee(BigInteger.valueOf(feeBps)));
    }

    @Override
    public TimelockCall setWithdrawalDelayCall(Duration delay) {
        return call(contract.setWithdrawalDelay(BigInteger.valueOf(delay.toSeconds())));
    }

    @Override
    public TimelockCall setTreasuryCall(Address treasury) {
        return call(contract.setTreasury(treasury.value()));
    }

    @Override
    public TimelockCall proposeExecutorCall(Address next) {
        return call(contract.proposeExecutor(next.value()));
    }

    @Override
    public TimelockCall acceptExecutorCall() {
        return call(contract.acceptExecutor());
    }

    private TimelockCall call(RemoteFunctionCall<?> function) {
        return new TimelockCall(address, function.encodeFunctionCall());
    }

    @Override
    public Wei balanceOf(Address consumer) {
        return new Wei(uint(contract.balanceOf(consumer.value())));
    }

    @Override
    public Wei redeemed(Address consumer, Address provider) {
        return new Wei(uint(contract.redeemed(consumer.value(), provider.value())));
    }

    @Override
    public Delegation delegation(Address consumer) {
        List<Type> values = chain.read(address, contract.delegation(consumer.value()));
        return new Delegation(optionalAddress(values.get(0)),
                new Wei((BigInteger) values.get(1).getValue()),
                new Wei((BigInteger) values.get(2).getValue()));
    }

    @Override
    public Optional<PendingDelegation> pendingDelegation(Address consumer) {
        List<Type> values = chain.read(address, contract.pendingDelegation(consumer.value()));
        long effectiveAt = ((BigInteger) values.get(2).getValue()).longValueExact();
        if (effectiveAt == 0) {
            return Optional.empty();
        }
        return Optional.of(new PendingDelegation(optionalAddress(values.get(0)),
                new Wei((BigInteger) values.get(1).getValue()), Instant.ofEpochSecond(effectiveAt)));
    }

    @Override
    public PendingWithdrawal pendingWithdrawal(Address consumer) {
        List<Type> values = chain.read(address, contract.pendingWithdrawal(consumer.value()));
        return new PendingWithdrawal(new Wei((BigInteger) values.get(0).getValue()),
                Instant.ofEpochSecond(((BigInteger) values.get(1).getValue()).longValueExact()));
    }

    @Override
    public int feeBps() {
        return uint(contract.feeBps()).intValueExact();
    }

    @Override
    public Duration withdrawalDelay() {
        return Duration.ofSeconds(uint(contract.withdrawalDelay()).longValueExact());
    }

    @Override
    public Duration minWithdrawalDelay() {
        return Duration.ofSeconds(uint(contract.minWithdrawalDelay()).longValueExact());
    }

    @Override
    public Wei accruedFees() {
        return new Wei(uint(contract.accruedFees()));
    }

    @Override
    public Address treasury() {
        return new Address((String) chain.read(address, contract.treasury()).get(0).getValue());
    }

    @Override
    public Address executor() {
        return new Address((String) chain.read(address, contract.executor()).get(0).getValue());
    }

    @Override
    public Optional<Address> pendingExecutor() {
        return optionalAddress(chain.read(address, contract.pendingExecutor()).get(0));
    }

    @Override
    public Bytes32 hashVoucher(Voucher voucher) {
        byte[] digest = (byte[]) chain.read(address, contract.hashVoucher(wrap(voucher))).get(0).getValue();
        return Bytes32.of(digest);
    }

    private static AgoraEscrow.Voucher wrap(Voucher voucher) {
        return new AgoraEscrow.Voucher(voucher.consumer().value(), voucher.provider().value(),
                voucher.cumulativeAmount().value(), voucher.receiptsRoot().toBytes());
    }

    private static Redemption redemption(TxReceipt receipt, AgoraEscrow.VoucherRedeemedEventResponse event) {
        return new Redemption(receipt, new Wei(event.payment), new Wei(event.fee), new Wei(event.redeemed),
                Bytes32.of(event.receiptsRoot));
    }

    private static Optional<Address> optionalAddress(Type value) {
        Address address = new Address((String) value.getValue());
        return address.value().equals(ZERO_ADDRESS) ? Optional.empty() : Optional.of(address);
    }
}
