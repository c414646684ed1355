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
 * EIP-712-signed vouchers: one redeem can pay for thousands of function invocations, and one
 * {redeemMany} can pay a provider many consumers' vouchers.
 *
 * A consumer {deposit}s ETH. A voucher `Voucher(consumer, provider, cumulativeAmount, receiptsRoot)`
 * says "`consumer` owes `provider` `cumulativeAmount` in total so far, for the usage receipts whose
 * Merkle root is `receiptsRoot`". It is signed by the consumer, or by the one delegate key the consumer
 * {authorize}d with a spending cap (the billing service's key). Anyone may {redeem} it: the provider
 * is paid the increment over what was already redeemed for the pair, less the platform fee, which
 * accrues to the treasury ({sweepFees}). Only the newest voucher matters; an older or replayed one
 * pays nothing and reverts.
 *
 * What a consumer owes cannot be dodged: withdrawals take two steps ({requestWithdrawal}, then
 * {withdraw} after the withdrawal delay), and a change that narrows what the delegate may sign
 * (another delegate, a lower cap, {revoke}) takes effect only after the same delay. Until then the
 * delegate in effect keeps signing within its cap, and the vouchers it signed keep paying. The
 * delay has a floor fixed at deployment ({minWithdrawalDelay}) that no governance vote can go below.
 * The fee, the delay and the treasury can be changed only by the governance executor, which hands its
 * role over in two steps ({proposeExecutor}, {acceptExecutor}).
 *
 * @dev Signatures are checked with OpenZeppelin's {ECDSA} (low-s only, so a signature has one form)
 * over an {EIP712} digest bound to this chain id and this contract's address (no replay across chains
 * or deployments). State changes come before the one external call (the payment), and every function
 * that pays is `nonReentrant` (transient storage). The fee accrues in the contract instead of being
 * pushed to the treasury on every redeem: it saves a second external call (~7k gas per redeem) and a
 * treasury that cannot receive ETH can never block providers from being paid.
 *
 * A requested delegation change is stored beside the delegation in effect, and its time in the
 * consumer's account slot, which every redeem reads anyway: a redeem learns whether a change is due
 * without another storage read. The first transaction that touches the consumer's delegation after
 * that time (a redeem, {authorize}, {revoke}) writes the change in; the views apply it on the fly.
 */
contract AgoraEscrow is EIP712, ReentrancyGuardTransient {
    /// @notice A cumulative payment promise; see the contract's description.
    struct Voucher {
        address consumer;
        address provider;
        uint256 cumulativeAmount;
        bytes32 receiptsRoot;
    }

    /// @dev A delegate signer and its total spending cap; the zero delegate means none.
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

    /// @notice The lowest floor a deployment may give the withdrawal delay ({minWithdrawalDelay}).
    uint64 public constant MIN_WITHDRAWAL_DELAY_FLOOR = 1 hours;

    uint256 private constant _BPS = 10_000;

    uint64 private immutable _minWithdrawalDelay;

    Settings private _settings;
    address private _treasury;
    address private _executor;
    address private _pendingExecutor;
    /**
     * @dev A consumer's balance (bits 0-95), what its delegate has spent (96-191), and when its requested
     * delegation change takes effect (192-255; 0: none), packed by hand in one slot ({_packAccount}) so that a
     * redeem reads and writes all three with one SLOAD and one SSTORE (a struct costs a read-modify-write per field).
     */
    mapping(address consumer => uint256) private _accounts;
    mapping(address consumer => Delegation) private _delegations;
    mapping(address consumer => Delegation) private _pendingDelegations;
    mapping(address consumer => mapping(address provider => uint256)) private _redeemed;
    mapping(address consumer => Withdrawal) private _withdrawals;

    /// @notice `consumer` deposited `amount`; its balance is now `balance`.
    event Deposited(address indexed consumer, uint256 amount, uint256 balance);

    /**
     * @notice From now on `delegate` is the one key that may sign vouchers for `consumer`, paying at most
     * `cap` in total (the zero address: none). Emitted for the changes that take effect at once (a first
     * delegate, a higher or equal cap for the same delegate).
     */
    event DelegationChanged(address indexed consumer, address indexed delegate, uint256 cap);

    /**
     * @notice `consumer` asked that `delegate` with `cap` (the zero address: no delegate) replace its
     * delegation from `effectiveAt` (unix seconds). Until then the delegation in effect still signs and
     * its vouchers still pay; from then on the change is in effect with no further transaction.
     */
    event DelegationChangeRequested(address indexed consumer, address indexed delegate, uint256 cap, uint64 effectiveAt);

    /// @notice `consumer`'s requested delegation change was dropped by a change that took effect at once.
    event DelegationChangeCancelled(address indexed consumer);

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

    /**
     * @notice {redeemMany} paid nothing for the voucher of `consumer` to `provider` for `cumulativeAmount`:
     * `reason` is the custom error {redeem} would have reverted with (e.g. {AgoraEscrowStaleVoucher}).
     */
    event VoucherSkipped(address indexed consumer, address indexed provider, uint256 cumulativeAmount, bytes reason);

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

    /// @notice The executor `executor` proposed `proposed` as its successor (the zero address: no one).
    event ExecutorChangeProposed(address indexed executor, address indexed proposed);

    /// @notice The governance executor changed from `oldExecutor` to `newExecutor`.
    event ExecutorChanged(address indexed oldExecutor, address indexed newExecutor);

    /// @notice `caller` is not the governance executor.
    error AgoraEscrowUnauthorizedExecutor(address caller);

    /// @notice `caller` is not the proposed executor.
    error AgoraEscrowNotProposedExecutor(address caller);

    /// @notice The zero address was given where an account is needed.
    error AgoraEscrowZeroAddress();

    /// @notice An amount of zero was given where a positive amount is needed.
    error AgoraEscrowZeroAmount();

    /// @notice `feeBps` is above {MAX_FEE_BPS}.
    error AgoraEscrowFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice `delay` is above {MAX_WITHDRAWAL_DELAY}.
    error AgoraEscrowDelayTooLong(uint256 delay, uint256 maxDelay);

    /// @notice `delay` is below the floor `minDelay` ({minWithdrawalDelay}, or {MIN_WITHDRAWAL_DELAY_FLOOR} for the floor itself).
    error AgoraEscrowDelayTooShort(uint256 delay, uint256 minDelay);

    /// @notice A consumer cannot make itself (or the zero address) its own delegate.
    error AgoraEscrowInvalidDelegate(address delegate);

    /// @notice The signature is not 65 bytes or recovers no signer.
    error AgoraEscrowInvalidSignature();

    /// @notice The signature has a high `s` (the malleable twin of a valid one); only low-s is accepted.
    error AgoraEscrowMalleableSignature(bytes32 s);

    /// @notice `signer` is neither `consumer` nor the delegate in effect for `consumer`.
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

    /// @notice {redeemMany} got `vouchers` vouchers and `signatures` signatures: it needs as many, and at least one.
    error AgoraEscrowBatchLengthMismatch(uint256 vouchers, uint256 signatures);

    /// @notice A {redeemMany} batch pays one provider, `provider`; a voucher names `other`.
    error AgoraEscrowMixedProviders(address provider, address other);

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
     * @param withdrawalDelay_ seconds between a withdrawal (or delegation change) request and its effect
     * @param minWithdrawalDelay_ the floor of the withdrawal delay, fixed for the contract's life: at least
     * {MIN_WITHDRAWAL_DELAY_FLOOR}, at most {MAX_WITHDRAWAL_DELAY}
     */
    constructor(
        address executor_,
        address treasury_,
        uint16 feeBps_,
        uint64 withdrawalDelay_,
        uint64 minWithdrawalDelay_
    ) EIP712("Agora Escrow", "1") {
        if (executor_ == address(0) || treasury_ == address(0)) {
            revert AgoraEscrowZeroAddress();
        }
        if (minWithdrawalDelay_ < MIN_WITHDRAWAL_DELAY_FLOOR) {
            revert AgoraEscrowDelayTooShort(minWithdrawalDelay_, MIN_WITHDRAWAL_DELAY_FLOOR);
        }
        _checkFee(feeBps_);
        _checkDelay(minWithdrawalDelay_, MIN_WITHDRAWAL_DELAY_FLOOR);
        _checkDelay(withdrawalDelay_, minWithdrawalDelay_);
        _minWithdrawalDelay = minWithdrawalDelay_;
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
        (uint256 balance, uint256 spent, uint64 changeAt) = _unpackAccount(_accounts[msg.sender]);
        balance = SafeCast.toUint96(balance + msg.value);
        _accounts[msg.sender] = _packAccount(balance, spent, changeAt);
        emit Deposited(msg.sender, msg.value, balance);
    }

    /**
     * @notice Lets `delegate` sign vouchers for the caller that pay up to `cap` in total. A consumer has at
     * most one delegate. A first delegate, or a cap at least as high for the delegate in effect, takes effect
     * at once (and drops a requested change). Another delegate, or a lower cap, is a request that takes effect
     * after the withdrawal delay: until then the delegate in effect keeps signing within its cap, so vouchers
     * it signed are still paid. A new delegate starts spending from zero; the same one keeps what it spent.
     * Requesting again the change already pending keeps its time; any other request replaces it.
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
        uint96 newCap = SafeCast.toUint96(cap);
        (address current, uint256 currentCap, uint256 balance, uint256 spent, uint64 changeAt) =
            _currentDelegation(msg.sender);
        if (current != address(0) && (current != delegate || newCap < currentCap)) {
            _requestDelegationChange(msg.sender, balance, spent, changeAt, Delegation({delegate: delegate, cap: newCap}));
            return;
        }
        if (current != delegate) {
            spent = 0;
        }
        _accounts[msg.sender] = _packAccount(balance, spent, 0);
        _delegations[msg.sender] = Delegation({delegate: delegate, cap: newCap});
        if (changeAt != 0) {
            delete _pendingDelegations[msg.sender];
            emit DelegationChangeCancelled(msg.sender);
        }
        emit DelegationChanged(msg.sender, delegate, cap);
    }

    /**
     * @notice Asks to end the caller's delegate's authorization after the withdrawal delay. Until then its
     * vouchers, already signed or not, still pay within its cap; from then on none does.
     */
    function revoke() external {
        (address current,, uint256 balance, uint256 spent, uint64 changeAt) = _currentDelegation(msg.sender);
        if (current == address(0)) {
            revert AgoraEscrowNoDelegate(msg.sender);
        }
        _requestDelegationChange(msg.sender, balance, spent, changeAt, Delegation({delegate: address(0), cap: 0}));
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
        (uint256 balance,,) = _unpackAccount(_accounts[msg.sender]);
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
        (uint256 balance, uint256 spent, uint64 changeAt) = _unpackAccount(_accounts[msg.sender]);
        amount = pending.amount < balance ? pending.amount : balance;
        delete _withdrawals[msg.sender];
        _accounts[msg.sender] = _packAccount(balance - amount, spent, changeAt);
        emit Withdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    // ---------------------------------------------------------------- providers

    /**
     * @notice Pays `voucher.provider` the increment of `voucher.cumulativeAmount` over what the pair
     * has redeemed so far, less the platform fee; if the consumer's balance is smaller than the
     * increment, pays what the balance holds and leaves the rest redeemable later.
     * @param voucher the voucher
     * @param signature the EIP-712 signature, r‖s‖v, by the consumer or the delegate in effect
     * @return payment the wei sent to the provider
     */
    function redeem(Voucher calldata voucher, bytes calldata signature) external nonReentrant returns (uint256 payment) {
        (uint256 amount, uint256 fee, bytes memory reason) = _settle(voucher, signature, _settings.feeBps);
        if (reason.length != 0) {
            _revertWith(reason);
        }
        if (fee != 0) {
            _settings.accruedFees += uint176(fee);
        }
        payment = amount - fee;
        _sendValue(voucher.provider, payment);
    }

    /**
     * @notice Redeems many consumers' vouchers for one provider in one transaction, paying the provider once.
     * Each voucher is settled as {redeem} would settle it (one {VoucherRedeemed} each); a voucher that
     * {redeem} would refuse is skipped with a {VoucherSkipped} event carrying the error, and the others are
     * still paid, so that nobody can make the batch fail by front-running one of its vouchers. Vouchers for
     * the same pair are settled in order (a later one pays its increment over an earlier one).
     * @param vouchers the vouchers, all naming the same provider
     * @param signatures their signatures, in the same order
     * @return payment the wei sent to the provider
     * @return skipped how many vouchers paid nothing
     */
    function redeemMany(Voucher[] calldata vouchers, bytes[] calldata signatures)
        external
        nonReentrant
        returns (uint256 payment, uint256 skipped)
    {
        uint256 count = vouchers.length;
        if (count == 0 || count != signatures.length) {
            revert AgoraEscrowBatchLengthMismatch(count, signatures.length);
        }
        address provider = vouchers[0].provider;
        uint256 feeBps_ = _settings.feeBps;
        uint256 total;
        uint256 fees;
        for (uint256 i = 0; i < count; ++i) {
            Voucher calldata voucher = vouchers[i];
            if (voucher.provider != provider) {
                revert AgoraEscrowMixedProviders(provider, voucher.provider);
            }
            (uint256 amount, uint256 fee, bytes memory reason) = _settle(voucher, signatures[i], feeBps_);
            if (reason.length != 0) {
                ++skipped;
                emit VoucherSkipped(voucher.consumer, provider, voucher.cumulativeAmount, reason);
            } else {
                total += amount;
                fees += fee;
            }
        }
        if (fees != 0) {
            _settings.accruedFees += uint176(fees);
        }
        payment = total - fees;
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

    /**
     * @notice Sets the withdrawal delay for withdrawal and delegation change requests made from now on
     * (pending ones keep their time). Executor only.
     * @param delay the new delay in seconds, from {minWithdrawalDelay} to {MAX_WITHDRAWAL_DELAY}
     */
    function setWithdrawalDelay(uint64 delay) external onlyExecutor {
        _checkDelay(delay, _minWithdrawalDelay);
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

    /**
     * @notice Proposes `executor_` (e.g. a timelock) as the next executor; it takes the role when it calls
     * {acceptExecutor}, which proves it can act. A new proposal replaces the previous one; the zero address
     * withdraws it. Executor only.
     * @param executor_ the proposed executor
     */
    function proposeExecutor(address executor_) external onlyExecutor {
        _pendingExecutor = executor_;
        emit ExecutorChangeProposed(msg.sender, executor_);
    }

    /// @notice Makes the caller the executor. Only the proposed executor may call it.
    function acceptExecutor() external {
        if (msg.sender != _pendingExecutor) {
            revert AgoraEscrowNotProposedExecutor(msg.sender);
        }
        address old = _executor;
        _executor = msg.sender;
        delete _pendingExecutor;
        emit ExecutorChanged(old, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @notice The EIP-712 digest a signer signs for `voucher` at this escrow on this chain.
    /// @param voucher the voucher
    /// @return the digest
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _hashVoucher(voucher);
    }

    /// @notice `consumer`'s balance, in wei.
    function balanceOf(address consumer) external view returns (uint256) {
        (uint256 balance,,) = _unpackAccount(_accounts[consumer]);
        return balance;
    }

    /// @notice What the pair has redeemed in total, in wei.
    function redeemed(address consumer, address provider) external view returns (uint256) {
        return _redeemed[consumer][provider];
    }

    /**
     * @notice The delegation in effect now: `consumer`'s delegate (the zero address if none), its cap and what
     * it has spent so far. A requested change counts from its time on.
     */
    function delegation(address consumer) external view returns (address delegate, uint256 cap, uint256 spent) {
        uint64 changeAt;
        (, spent, changeAt) = _unpackAccount(_accounts[consumer]);
        (delegate, cap) = _loadDelegation(_delegations[consumer]);
        if (_isDue(changeAt)) {
            (address next, uint256 nextCap) = _loadDelegation(_pendingDelegations[consumer]);
            if (next != delegate) {
                spent = 0;
            }
            (delegate, cap) = (next, nextCap);
        }
    }

    /**
     * @notice `consumer`'s requested delegation change not yet in effect: the delegate (the zero address for a
     * revocation), its cap, and when it takes effect. An `effectiveAt` of 0 means none.
     */
    function pendingDelegation(address consumer)
        external
        view
        returns (address delegate, uint256 cap, uint64 effectiveAt)
    {
        (,, uint64 changeAt) = _unpackAccount(_accounts[consumer]);
        if (changeAt == 0 || _isDue(changeAt)) {
            return (address(0), 0, 0);
        }
        Delegation memory next = _pendingDelegations[consumer];
        return (next.delegate, next.cap, changeAt);
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

    /// @notice The withdrawal delay, in seconds: for withdrawals and for delegation changes that narrow.
    function withdrawalDelay() external view returns (uint64) {
        return _settings.withdrawalDelay;
    }

    /// @notice The floor of the withdrawal delay, in seconds, fixed at deployment.
    function minWithdrawalDelay() external view returns (uint64) {
        return _minWithdrawalDelay;
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

    /// @notice The proposed next executor, the zero address if none.
    function pendingExecutor() external view returns (address) {
        return _pendingExecutor;
    }

    // ---------------------------------------------------------------- internals

    /**
     * @dev Checks one voucher and records its effects (balance, redeemed total, delegate spending, the
     * {VoucherRedeemed} event) without paying anyone. Returns the amount taken from the consumer's balance and
     * the fee in it; or, paying nothing and changing nothing but a due delegation change, the ABI-encoded custom
     * error that {redeem} reverts with and {redeemMany} reports.
     */
    function _settle(Voucher calldata voucher, bytes calldata signature, uint256 feeBps_)
        private
        returns (uint256 amount, uint256 fee, bytes memory reason)
    {
        address signer;
        (signer, reason) = _recoverSigner(_hashVoucher(voucher), signature);
        if (reason.length != 0) {
            return (0, 0, reason);
        }
        address consumer = voucher.consumer;
        address provider = voucher.provider;
        uint256 cumulativeAmount = voucher.cumulativeAmount;

        uint256 alreadyRedeemed = _redeemed[consumer][provider];
        if (cumulativeAmount <= alreadyRedeemed) {
            return (0, 0, abi.encodeWithSelector(AgoraEscrowStaleVoucher.selector, cumulativeAmount, alreadyRedeemed));
        }
        (uint256 balance, uint256 spent, uint64 changeAt) = _unpackAccount(_accounts[consumer]);
        if (balance == 0) {
            return (0, 0, abi.encodeWithSelector(AgoraEscrowNoBalance.selector, consumer));
        }
        amount = cumulativeAmount - alreadyRedeemed;
        if (amount > balance) {
            amount = balance;
        }
        if (signer != consumer) {
            address delegate;
            uint256 cap;
            if (_isDue(changeAt)) {
                (delegate, cap, spent) = _applyDelegationChange(consumer, balance, spent);
                changeAt = 0;
            } else {
                (delegate, cap) = _loadDelegation(_delegations[consumer]);
            }
            if (signer != delegate) {
                return (0, 0, abi.encodeWithSelector(AgoraEscrowUnauthorizedSigner.selector, signer, consumer));
            }
            if (spent + amount > cap) {
                return (0, 0, abi.encodeWithSelector(AgoraEscrowCapExceeded.selector, signer, cap, spent, amount));
            }
            spent += amount;
        }

        fee = (amount * feeBps_) / _BPS;
        _redeemed[consumer][provider] = alreadyRedeemed + amount;
        _accounts[consumer] = _packAccount(balance - amount, spent, changeAt);
        emit VoucherRedeemed(consumer, provider, alreadyRedeemed + amount, amount - fee, fee, voucher.receiptsRoot);
    }

    /**
     * @dev The delegation in effect for `consumer` and its account's fields, once a requested change that is due
     * has been written in.
     */
    function _currentDelegation(address consumer)
        private
        returns (address delegate, uint256 cap, uint256 balance, uint256 spent, uint64 changeAt)
    {
        (balance, spent, changeAt) = _unpackAccount(_accounts[consumer]);
        if (_isDue(changeAt)) {
            (delegate, cap, spent) = _applyDelegationChange(consumer, balance, spent);
            changeAt = 0;
        } else {
            (delegate, cap) = _loadDelegation(_delegations[consumer]);
        }
    }

    /**
     * @dev Writes in `consumer`'s requested delegation change, which is due: the delegation replaced, the request
     * cleared, the spending restarted if the delegate changes. Returns the delegation now in effect and its spending.
     */
    function _applyDelegationChange(address consumer, uint256 balance, uint256 spent)
        private
        returns (address delegate, uint256 cap, uint256 spentAfter)
    {
        (address previous,) = _loadDelegation(_delegations[consumer]);
        Delegation memory next = _pendingDelegations[consumer];
        spentAfter = next.delegate == previous ? spent : 0;
        _accounts[consumer] = _packAccount(balance, spentAfter, 0);
        _delegations[consumer] = next;
        delete _pendingDelegations[consumer];
        return (next.delegate, next.cap, spentAfter);
    }

    /// @dev Records `next` as `consumer`'s delegation from one withdrawal delay on, unless it is already pending.
    function _requestDelegationChange(
        address consumer,
        uint256 balance,
        uint256 spent,
        uint64 changeAt,
        Delegation memory next
    ) private {
        (address pending, uint256 pendingCap) = _loadDelegation(_pendingDelegations[consumer]);
        if (changeAt == 0 || pending != next.delegate || pendingCap != next.cap) {
            changeAt = uint64(block.timestamp) + _settings.withdrawalDelay;
            _accounts[consumer] = _packAccount(balance, spent, changeAt);
            _pendingDelegations[consumer] = next;
        }
        emit DelegationChangeRequested(consumer, next.delegate, next.cap, changeAt);
    }

    /// @dev Whether a delegation change requested for `changeAt` (0: none) is in effect.
    function _isDue(uint64 changeAt) private view returns (bool) {
        return changeAt != 0 && block.timestamp >= changeAt;
    }

    function _unpackAccount(uint256 word) private pure returns (uint256 balance, uint256 spent, uint64 changeAt) {
        return (uint96(word), uint96(word >> 96), uint64(word >> 192));
    }

    /// @dev Callers keep `balance` and `spent` below 2^96 (deposits are SafeCast, spending is under a uint96 cap).
    function _packAccount(uint256 balance, uint256 spent, uint64 changeAt) private pure returns (uint256) {
        return uint256(uint96(balance)) | (uint256(uint96(spent)) << 96) | (uint256(changeAt) << 192);
    }

    /// @dev Reads a {Delegation} with one SLOAD (reading the fields one by one costs one each).
    function _loadDelegation(Delegation storage stored) private view returns (address delegate, uint256 cap) {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
        return (address(uint160(word)), word >> 160);
    }

    /// @dev {hashVoucher} without copying the voucher into fresh memory (a batch hashes many).
    function _hashVoucher(Voucher calldata voucher) private view returns (bytes32) {
        bytes32 typeHash = VOUCHER_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), voucher, 0x80)
            structHash := keccak256(ptr, 0xa0)
        }
        return _hashTypedDataV4(structHash);
    }

    function _recoverSigner(bytes32 digest, bytes calldata signature)
        private
        pure
        returns (address signer, bytes memory reason)
    {
        ECDSA.RecoverError err;
        bytes32 errArg;
        (signer, err, errArg) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.InvalidSignatureS) {
            reason = abi.encodeWithSelector(AgoraEscrowMalleableSignature.selector, errArg);
        } else if (err != ECDSA.RecoverError.NoError) {
            reason = abi.encodeWithSelector(AgoraEscrowInvalidSignature.selector);
        }
    }

    function _revertWith(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
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

    function _checkDelay(uint64 delay, uint64 minDelay) private pure {
        if (delay < minDelay) {
            revert AgoraEscrowDelayTooShort(delay, minDelay);
        }
        if (delay > MAX_WITHDRAWAL_DELAY) {
            revert AgoraEscrowDelayTooLong(delay, MAX_WITHDRAWAL_DELAY);
        }
    }
}
