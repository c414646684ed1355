// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AgoraEscrow} from "../../AgoraEscrow.sol";

/**
 * @title ReentrantProvider
 * @notice Test double: a malicious provider that, when paid, re-enters {AgoraEscrow-redeem} with the
 * voucher it was just paid for, hoping to be paid twice. It swallows the failure of the re-entry so
 * that the outer redeem can complete, and records what happened.
 */
contract ReentrantProvider {
    AgoraEscrow private immutable _escrow;
    AgoraEscrow.Voucher private _voucher;
    bytes private _signature;

    /// @notice How many times the re-entry was tried, and how many succeeded.
    uint256 public attempts;
    uint256 public successes;

    /// @notice The revert data of the last failed re-entry.
    bytes public lastRevertData;

    constructor(AgoraEscrow escrow) {
        _escrow = escrow;
    }

    /// @notice Sets the voucher to replay from inside the payment.
    function arm(AgoraEscrow.Voucher calldata voucher, bytes calldata signature) external {
        _voucher = voucher;
        _signature = signature;
    }

    receive() external payable {
        if (attempts == 0) {
            attempts = 1;
            try _escrow.redeem(_voucher, _signature) {
                successes += 1;
            } catch (bytes memory reason) {
                lastRevertData = reason;
            }
        }
    }
}
