// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title AgoraToken
 * @notice The AGORA governance token: a fixed supply, minted once at deployment, whose balances are
 * checkpointed per block so that a vote can be weighed at a past snapshot block ({getPastVotes}).
 *
 * @dev Plain {ERC20Votes} gives a holder no voting power until they call {delegate}; most holders
 * never do, and governance then sees a fraction of the supply. Here an account that has not chosen a
 * delegate is its own delegate: {delegates} returns the account itself, so its balance is
 * checkpointed as its own votes from the first token it receives. Choosing a delegate works as
 * usual; delegating to the zero address means delegating to oneself again (it never burns votes).
 * No {DelegateChanged} event is emitted for the implicit self-delegation.
 */
contract AgoraToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The holders and amounts given to the constructor differ in length.
    error AgoraTokenLengthMismatch(uint256 holders, uint256 amounts);

    /// @notice The constructor was given no holder, which would create a token with no supply.
    error AgoraTokenNoSupply();

    /**
     * @notice Mints the whole, fixed supply: `amounts[i]` tokens (18 decimals) to `holders[i]`.
     * @param holders the initial holders
     * @param amounts what each initial holder receives, in the smallest unit
     */
    constructor(
        address[] memory holders,
        uint256[] memory amounts
    ) ERC20("Agora", "AGORA") ERC20Permit("Agora") {
        if (holders.length != amounts.length) {
            revert AgoraTokenLengthMismatch(holders.length, amounts.length);
        }
        if (holders.length == 0) {
            revert AgoraTokenNoSupply();
        }
        for (uint256 i = 0; i < holders.length; ++i) {
            _mint(holders[i], amounts[i]);
        }
    }

    /**
     * @notice The account whose votes `account`'s tokens count for: the chosen delegate, or `account`
     * itself when it never chose one.
     * @param account a holder
     * @return the delegate of `account`
     */
    function delegates(address account) public view override returns (address) {
        address chosen = super.delegates(account);
        return chosen == address(0) ? account : chosen;
    }

    /**
     * @dev Delegating to the zero address is delegating to oneself: {delegates} already reports the
     * holder for an unset delegate, so votes must move to the holder, not vanish.
     */
    function _delegate(address account, address delegatee) internal override {
        super._delegate(account, delegatee == address(0) ? account : delegatee);
    }

    /// @dev Both {ERC20} and {ERC20Votes} define `_update`; the votes bookkeeping must run.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
