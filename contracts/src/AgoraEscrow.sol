// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title AgoraEscrow
 * @notice Holds developers' (consumers') ETH and settles what they owe providers through cumulative,
 * EIP-712-signed vouchers: one redeem can pay for thousands of function invocations.
 *
 * A consumer {deposit}s ETH. A voucher `Voucher(consumer, provider, cumulativeAmount, receiptsRoot)`
 * says "`consumer` owes `provider` `cumulativeAmount` in total so far, for the usage receipts whose
 * Merkle root is `receiptsRoot`". It is signed by the consumer, or by the one delegate key the consumer
 * {authorize}d with a spending cap (the billing service's key). Anyone may {redeem} it: the provider
 * is paid the increment over what was already redeemed for the pair, less the platform fee, which
 * accrues to the treasury ({sweepFees}). Only the newest voucher matters; an older or replayed one
 * pays nothing and reverts.
 *
 * Withdrawals take two steps ({requestWithdrawal}, then {withdraw} after the withdrawal delay) so
 * that providers holding vouchers can redeem them first. The fee, the delay, the treasury and the
 * executor itself can be changed only by the governance executor.
 *
 * @dev Signatures are checked with OpenZeppelin's {ECDSA} (low-s only, so a signature has one form)
 * over an {EIP712} digest bound to this chain id and this contract's address (no replay across chains
 * or deployments). State changes come before the one external call (the payment), and every function
 * that pays is `nonReentrant` (transient storage). The fee accrues in the contract instead of being
 * pushed to the treasury on every redeem: it saves a second external call (~7k gas per redeem) and a
 * treasury that cannot receive ETH can never block providers from being paid.
 */
contract AgoraEscrow is EIP712, ReentrancyGuardTransient {
    /// @notice A cumulative payment promise; see the contract's description.
    struct Voucher {
        address consumer;
        address provider;
        uint256 cumulativeAmount;
        bytes32 receiptsRoot;
    }

    /// @dev A consumer's balance and what its delegate has spent, in one slot: a redeem updates both.
    struct Account {
        uint128 balance;
        uint128 delegateSpent;
    }

    /// @dev The one delegate signer a consumer authorized, and its total spending cap.
    struct Delegation {
        address delegate;
        uint96 cap;
    }

    /// @notice A consumer's pending withdrawal: `amount`, payable from `unlockAt` (unix seconds).
    struct Withdrawal {
        uint192 amount;
        uint64 unlockAt;
    }

    /// @dev Packed so that a redeem reads the fee and accrues it in one storage slot.
    struct Settings {
        uint16 feeBps;
        uint64 withdrawalDelay;
        uint176 accruedFees;
    }

    /// @notice The EIP-712 type hash of {Voucher}.
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address consumer,address provider,uint256 cumulativeAmount,bytes32 receiptsRoot)");

    /// @notice The highest platform fee governance can set: 10 %, in basis points.
    uint16 public constant MAX_FEE_BPS = 1_000;

    /// @notice The longest withdrawal delay governance can set.
    uint64 public constant MAX_WITHDRAWAL_DELAY = 30 days;

    uint256 private constant _BPS = 10_000;

    Settings private _settings;
    address private _treasury;
    address private _executor;
    mapping(address consumer => Account) private _accounts;
    mapping(address consumer => Delegation) private _delegations;
    mapping(address consumer => mapping(address provider => uint256)) private _redeemed;
    mapping(address consumer => Withdrawal) private _withdrawals;

    /// @notice `consumer` deposited `amount`; its balance is now `balance`.
    event Deposited(address indexed consumer, uint256 amount, uint256 balance);

    /// @notice `consumer` let `delegate` sign vouchers paying up to `cap` in total.
    event DelegateAuthorized(address indexed consumer, address indexed delegate, uint256 cap);

    /// @notice `consumer` withdrew `delegate`'s authorization.
    event DelegateRevoked(address indexed consumer, address indexed delegate);

    /**
     * @notice A voucher was redeemed: `provider` received `payment` and the treasury accrued `fee`,
     * for the usage receipts under `receiptsRoot`. `redeemed` is what the pair has redeemed in total
     * now (the voucher's cumulative amount, unless the consumer's balance fell short).
     */
    event VoucherRedeemed(
        address indexed consumer,
        address indexed provider,
        uint256 redeemed,
        uint256 payment,
        uint256 fee,
        bytes32 receiptsRoot
    );

    /// @notice `consumer` asked to withdraw `amount`, payable from `unlockAt`.
    event WithdrawalRequested(address indexed consumer, uint256 amount, uint64 unlockAt);

    /// @notice `consumer` cancelled its pending withdrawal.
    event WithdrawalCancelled(address indexed consumer);

    /// @notice `consumer` withdrew `amount`.
    event Withdrawn(address indexed consumer, uint256 amount);

    /// @notice `amount` of accrued fees was paid to `treasury`.
    event FeesSwept(address indexed treasury, uint256 amount);

    /// @notice The platform fee changed from `oldFeeBps` to `newFeeBps` basis points.
    event FeeChanged(uint16 oldFeeBps, uint16 newFeeBps);

    /// @notice The withdrawal delay changed from `oldDelay` to `newDelay` seconds.
    event WithdrawalDelayChanged(uint64 oldDelay, uint64 newDelay);

    /// @notice The treasury changed from `oldTreasury` to `newTreasury`.
    event TreasuryChanged(address indexed oldTreasury, address indexed newTreasury);

    /// @notice The governance executor changed from `oldExecutor` to `newExecutor`.
    event ExecutorChanged(address indexed oldExecutor, address indexed newExecutor);

    /// @notice `caller` is not the governance executor.
    error AgoraEscrowUnauthorizedExecutor(address caller);

    /// @notice The zero address was given where an account is needed.
    error AgoraEscrowZeroAddress();

    /// @notice An amount of zero was given where a positive amount is needed.
    error AgoraEscrowZeroAmount();

    /// @notice `feeBps` is above {MAX_FEE_BPS}.
    error AgoraEscrowFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice `delay` is above {MAX_WITHDRAWAL_DELAY}.
    error AgoraEscrowDelayTooLong(uint256 delay, uint256 maxDelay);

    /// @notice A consumer cannot make itself (or the zero address) its own delegate.
    error AgoraEscrowInvalidDelegate(address delegate);

    /// @notice The signature is not 65 bytes or recovers no signer.
    error AgoraEscrowInvalidSignature();

    /// @notice The signature has a high `s` (the malleable twin of a valid one); only low-s is accepted.
    error AgoraEscrowMalleableSignature(bytes32 s);

    /// @notice `signer` is neither `consumer` nor the delegate `consumer` authorized.
    error AgoraEscrowUnauthorizedSigner(address signer, address consumer);

    /// @notice The voucher's `cumulativeAmount` is not above what the pair has already `redeemed`.
    error AgoraEscrowStaleVoucher(uint256 cumulativeAmount, uint256 redeemed);

    /// @notice Paying `amount` more would take `delegate` past its `cap` (it has `spent` already).
    error AgoraEscrowCapExceeded(address delegate, uint256 cap, uint256 spent, uint256 amount);

    /// @notice `consumer` has no balance left to pay from.
    error AgoraEscrowNoBalance(address consumer);

    /// @notice `amount` is more than the caller's `balance`.
    error AgoraEscrowInsufficientBalance(uint256 balance, uint256 amount);

    /// @notice The caller has no delegate to revoke.
    error AgoraEscrowNoDelegate(address consumer);

    /// @notice The caller has no pending withdrawal.
    error AgoraEscrowNoWithdrawalRequested(address consumer);

    /// @notice The pending withdrawal is payable only from `unlockAt`.
    error AgoraEscrowWithdrawalLocked(uint64 unlockAt);

    /// @notice Sending `amount` to `to` failed.
    error AgoraEscrowTransferFailed(address to, uint256 amount);

    modifier onlyExecutor() {
        if (msg.sender != _executor) {
            revert AgoraEscrowUnauthorizedExecutor(msg.sender);
        }
        _;
    }

    /**
     * @param executor_ the governance executor, the only account that may change the parameters
     * @param treasury_ where platform fees go
     * @param feeBps_ the platform fee in basis points of each redeemed increment
     * @param withdrawalDelay_ seconds between a withdrawal request and the withdrawal
     */
    constructor(
        address executor_,
        address treasury_,
        uint16 feeBps_,
        uint64 withdrawalDelay_
    ) EIP712("Agora Escrow", "1") {
        if (executor_ == address(0) || treasury_ == address(0)) {
            revert AgoraEscrowZeroAddress();
        }
        _checkFee(feeBps_);
        _checkDelay(withdrawalDelay_);
        _executor = executor_;
        _treasury = treasury_;
        _settings = Settings({feeBps: feeBps_, withdrawalDelay: withdrawalDelay_, accruedFees: 0});
    }

    // ---------------------------------------------------------------- consumers

    /// @notice Adds the ETH sent to the caller's balance.
    function deposit() external payable {
        if (msg.value == 0) {
            revert AgoraEscrowZeroAmount();
        }
        Account storage account = _accounts[msg.sender];
        uint256 balance = account.balance + msg.value;
        account.balance = SafeCast.toUint128(balance);
        emit Deposited(msg.sender, msg.value, balance);
    }

    /**
     * @notice Lets `delegate` sign vouchers for the caller that pay up to `cap` in total. A consumer
     * has at most one delegate: authorizing another one replaces it and starts its spending from zero;
     * authorizing the same one again changes its cap and keeps what it has spent.
     * @param delegate the key that may sign (e.g. the billing service's)
     * @param cap the most its vouchers may pay out in total, in wei
     */
    function authorize(address delegate, uint256 cap) external {
        if (delegate == address(0) || delegate == msg.sender) {
            revert AgoraEscrowInvalidDelegate(delegate);
        }
        if (cap == 0) {
            revert AgoraEscrowZeroAmount();
        }
        Delegation storage current = _delegations[msg.sender];
        address previous = current.delegate;
        if (previous != delegate) {
            current.delegate = delegate;
            _accounts[msg.sender].delegateSpent = 0;
        }
        current.cap = SafeCast.toUint96(cap);
        if (previous != address(0) && previous != delegate) {
            emit DelegateRevoked(msg.sender, previous);
        }
        emit DelegateAuthorized(msg.sender, delegate, cap);
    }

    /// @notice Ends the caller's delegate's authorization: its vouchers, even already signed ones, no longer pay.
    function revoke() external {
        address delegate = _delegations[msg.sender].delegate;
        if (delegate == address(0)) {
            revert AgoraEscrowNoDelegate(msg.sender);
        }
        delete _delegations[msg.sender];
        _accounts[msg.sender].delegateSpent = 0;
        emit DelegateRevoked(msg.sender, delegate);
    }

    /**
     * @notice Starts a withdrawal of `amount`, payable by {withdraw} once the withdrawal delay has
     * passed. Until then the balance still pays vouchers. A new request replaces the pending one and
     * restarts the delay.
     * @param amount the wei to withdraw, at most the caller's balance
     */
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) {
            revert AgoraEscrowZeroAmount();
        }
        uint256 balance = _accounts[msg.sender].balance;
        if (amount > balance) {
            revert AgoraEscrowInsufficientBalance(balance, amount);
        }
        uint64 unlockAt = uint64(block.timestamp) + _settings.withdrawalDelay;
        _withdrawals[msg.sender] = Withdrawal({amount: uint192(amount), unlockAt: unlockAt});
        emit WithdrawalRequested(msg.sender, amount, unlockAt);
    }

    /// @notice Cancels the caller's pending withdrawal.
    function cancelWithdrawal() external {
        if (_withdrawals[msg.sender].amount == 0) {
            revert AgoraEscrowNoWithdrawalRequested(msg.sender);
        }
        delete _withdrawals[msg.sender];
        emit WithdrawalCancelled(msg.sender);
    }

    /**
     * @notice Pays the caller its pending withdrawal once unlocked: the requested amount, or the
     * whole balance if vouchers redeemed since the request left less.
     * @return amount the wei paid
     */
    function withdraw() external nonReentrant returns (uint256 amount) {
        Withdrawal memory pending = _withdrawals[msg.sender];
        if (pending.amount == 0) {
            revert AgoraEscrowNoWithdrawalRequested(msg.sender);
        }
        if (block.timestamp < pending.unlockAt) {
            revert AgoraEscrowWithdrawalLocked(pending.unlockAt);
        }
        Account storage account = _accounts[msg.sender];
        uint256 balance = account.balance;
        amount = pending.amount < balance ? pending.amount : balance;
        delete _withdrawals[msg.sender];
        account.balance = uint128(balance - amount);
        emit Withdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    // ---------------------------------------------------------------- providers

    /**
     * @notice Pays `voucher.provider` the increment of `voucher.cumulativeAmount` over what the pair
     * has redeemed so far, less the platform fee; if the consumer's balance is smaller than the
     * increment, pays what the balance holds and leaves the rest redeemable later.
     * @param voucher the voucher
     * @param signature the EIP-712 signature, r‖s‖v, by the consumer or an authorized delegate
     * @return payment the wei sent to the provider
     */
    function redeem(Voucher calldata voucher, bytes calldata signature) external nonReentrant returns (uint256 payment) {
        address signer = _recoverSigner(hashVoucher(voucher), signature);
        address consumer = voucher.consumer;
        address provider = voucher.provider;

        uint256 alreadyRedeemed = _redeemed[consumer][provider];
        if (voucher.cumulativeAmount <= alreadyRedeemed) {
            revert AgoraEscrowStaleVoucher(voucher.cumulativeAmount, alreadyRedeemed);
        }
        Account memory account = _accounts[consumer];
        if (account.balance == 0) {
            revert AgoraEscrowNoBalance(consumer);
        }
        uint256 amount = voucher.cumulativeAmount - alreadyRedeemed;
        if (amount > account.balance) {
            amount = account.balance;
        }
        if (signer != consumer) {
            Delegation memory allowed = _delegations[consumer];
            if (signer != allowed.delegate) {
                revert AgoraEscrowUnauthorizedSigner(signer, consumer);
            }
            if (account.delegateSpent + amount > allowed.cap) {
                revert AgoraEscrowCapExceeded(signer, allowed.cap, account.delegateSpent, amount);
            }
            account.delegateSpent += uint128(amount);
        }

        uint256 fee = (amount * _settings.feeBps) / _BPS;
        _redeemed[consumer][provider] = alreadyRedeemed + amount;
        account.balance -= uint128(amount);
        _accounts[consumer] = account;
        if (fee != 0) {
            _settings.accruedFees += uint176(fee);
        }
        payment = amount - fee;
        emit VoucherRedeemed(consumer, provider, alreadyRedeemed + amount, payment, fee, voucher.receiptsRoot);

        _sendValue(provider, payment);
    }

    /// @notice Pays the fees accrued so far to the treasury. Anyone may call it.
    function sweepFees() external nonReentrant {
        uint256 amount = _settings.accruedFees;
        if (amount == 0) {
            revert AgoraEscrowZeroAmount();
        }
        _settings.accruedFees = 0;
        address treasury_ = _treasury;
        emit FeesSwept(treasury_, amount);
        _sendValue(treasury_, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the platform fee. Executor only.
    /// @param feeBps_ the new fee in basis points, at most {MAX_FEE_BPS}
    function setFee(uint16 feeBps_) external onlyExecutor {
        _checkFee(feeBps_);
        uint16 old = _settings.feeBps;
        _settings.feeBps = feeBps_;
        emit FeeChanged(old, feeBps_);
    }

    /// @notice Sets the withdrawal delay for requests made from now on. Executor only.
    /// @param delay the new delay in seconds, at most {MAX_WITHDRAWAL_DELAY}
    function setWithdrawalDelay(uint64 delay) external onlyExecutor {
        _checkDelay(delay);
        uint64 old = _settings.withdrawalDelay;
        _settings.withdrawalDelay = delay;
        emit WithdrawalDelayChanged(old, delay);
    }

    /// @notice Sets where fees go. Executor only.
    /// @param treasury_ the new treasury
    function setTreasury(address treasury_) external onlyExecutor {
        if (treasury_ == address(0)) {
            revert AgoraEscrowZeroAddress();
        }
        address old = _treasury;
        _treasury = treasury_;
        emit TreasuryChanged(old, treasury_);
    }

    /// @notice Hands the executor role to `executor_` (e.g. a timelock). Executor only.
    /// @param executor_ the new executor
    function setExecutor(address executor_) external onlyExecutor {
        if (executor_ == address(0)) {
            revert AgoraEscrowZeroAddress();
        }
        address old = _executor;
        _executor = executor_;
        emit ExecutorChanged(old, executor_);
    }

    // ---------------------------------------------------------------- views

    /// @notice The EIP-712 digest a signer signs for `voucher` at this escrow on this chain.
    /// @param voucher the voucher
    /// @return the digest
    function hashVoucher(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, voucher)));
    }

    /// @notice `consumer`'s balance, in wei.
    function balanceOf(address consumer) external view returns (uint256) {
        return _accounts[consumer].balance;
    }

    /// @notice What the pair has redeemed in total, in wei.
    function redeemed(address consumer, address provider) external view returns (uint256) {
        return _redeemed[consumer][provider];
    }

    /// @notice `consumer`'s delegate (the zero address if none), its cap and what it has spent so far.
    function delegation(address consumer) external view returns (address delegate, uint256 cap, uint256 spent) {
        Delegation memory current = _delegations[consumer];
        return (current.delegate, current.cap, _accounts[consumer].delegateSpent);
    }

    /// @notice `consumer`'s pending withdrawal; an amount of 0 means none.
    function pendingWithdrawal(address consumer) external view returns (uint256 amount, uint64 unlockAt) {
        Withdrawal memory pending = _withdrawals[consumer];
        return (pending.amount, pending.unlockAt);
    }

    /// @notice The platform fee, in basis points.
    function feeBps() external view returns (uint16) {
        return _settings.feeBps;
    }

    /// @notice The withdrawal delay, in seconds.
    function withdrawalDelay() external view returns (uint64) {
        return _settings.withdrawalDelay;
    }

    /// @notice Fees accrued and not yet swept to the treasury, in wei.
    function accruedFees() external view returns (uint256) {
        return _settings.accruedFees;
    }

    /// @notice Where fees go.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @notice The governance executor.
    function executor() external view returns (address) {
        return _executor;
    }

    // ---------------------------------------------------------------- internals

    function _recoverSigner(bytes32 digest, bytes calldata signature) private pure returns (address) {
        (address signer, ECDSA.RecoverError err, bytes32 errArg) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.InvalidSignatureS) {
            revert AgoraEscrowMalleableSignature(errArg);
        }
        if (err != ECDSA.RecoverError.NoError) {
            revert AgoraEscrowInvalidSignature();
        }
        return signer;
    }

    function _sendValue(address to, uint256 amount) private {
        if (amount != 0 && !LowLevelCall.callNoReturn(to, amount, "")) {
            revert AgoraEscrowTransferFailed(to, amount);
        }
    }

    function _checkFee(uint16 feeBps_) private pure {
        if (feeBps_ > MAX_FEE_BPS) {
            revert AgoraEscrowFeeTooHigh(feeBps_, MAX_FEE_BPS);
        }
    }

    function _checkDelay(uint64 delay) private pure {
        if (delay > MAX_WITHDRAWAL_DELAY) {
            revert AgoraEscrowDelayTooLong(delay, MAX_WITHDRAWAL_DELAY);
        }
    }
}
