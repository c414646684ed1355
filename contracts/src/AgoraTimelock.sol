// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title AgoraTimelock
 * @notice The escrow's executor: OpenZeppelin's {TimelockController}, unchanged in how operations are scheduled,
 * executed and cancelled, with two deployment rules added.
 *
 * - **Nobody bypasses the delay.** There is no admin: the timelock administers itself only (OpenZeppelin's
 *   constructor gives `DEFAULT_ADMIN_ROLE` to the contract itself), so a role can be granted or revoked only by an
 *   operation that waited the delay like any other.
 * - **A floor under the delay.** {updateDelay} (callable only by the timelock itself, through a scheduled
 *   operation) refuses a delay below {minDelayFloor}, fixed at deployment: no vote, however it passes, can shorten
 *   the time guardians and users have to react below it.
 *
 * Roles at deployment: `proposers` get `PROPOSER_ROLE` and, as OpenZeppelin 5 does, `CANCELLER_ROLE` (a proposer
 * that can refuse to schedule gains nothing from cancelling; governance uses it to withdraw an operation it let
 * expire); `executors` get `EXECUTOR_ROLE`; `guardians` get `CANCELLER_ROLE` only: they can stop a scheduled
 * operation during its delay, never schedule or execute one.
 */
contract AgoraTimelock is TimelockController {
    uint256 private immutable _minDelayFloor;

    /// @notice A delay below the floor, at deployment or through {updateDelay}.
    error AgoraTimelockDelayTooShort(uint256 delay, uint256 floor);

    /**
     * @param minDelay the delay operations wait at least, in seconds (not below `minDelayFloor_`)
     * @param minDelayFloor_ the lowest delay {updateDelay} accepts, fixed for the contract's life
     * @param proposers accounts that may schedule (and cancel) operations
     * @param executors accounts that may execute ready operations
     * @param guardians accounts that may only cancel scheduled operations
     */
    constructor(
        uint256 minDelay,
        uint256 minDelayFloor_,
        address[] memory proposers,
        address[] memory executors,
        address[] memory guardians
    ) TimelockController(minDelay, proposers, executors, address(0)) {
        if (minDelay < minDelayFloor_) {
            revert AgoraTimelockDelayTooShort(minDelay, minDelayFloor_);
        }
        _minDelayFloor = minDelayFloor_;
        for (uint256 i = 0; i < guardians.length; ++i) {
            _grantRole(CANCELLER_ROLE, guardians[i]);
        }
    }

    /// @notice The lowest delay {updateDelay} accepts, in seconds.
    function minDelayFloor() external view returns (uint256) {
        return _minDelayFloor;
    }

    /**
     * @notice Changes the delay of operations scheduled from now on; only through an operation of this timelock.
     * @param newDelay the new delay in seconds, not below {minDelayFloor}
     */
    function updateDelay(uint256 newDelay) public override {
        if (msg.sender != address(this)) {
            revert TimelockUnauthorizedCaller(msg.sender);
        }
        if (newDelay < _minDelayFloor) {
            revert AgoraTimelockDelayTooShort(newDelay, _minDelayFloor);
        }
        super.updateDelay(newDelay);
    }
}
