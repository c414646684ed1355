package cloud.agora.protocol.eip712;

/** How a vote counts, as the {@code uint8 support} of a {@code Vote} (OpenZeppelin Governor's numbering). */
public enum VoteSupport {
    AGAINST,
    FOR,
    ABSTAIN;

    /** The {@code uint8} value signed. */
    public int code() {
        return ordinal();
    }

    /** The support signed as {@code code}; throws {@link IllegalArgumentException} for anything but 0, 1, 2. */
    public static VoteSupport ofCode(int code) {
        if (code < 0 || code >= values().length) {
            throw new IllegalArgumentException("support is 0 (against), 1 (for) or 2 (abstain), got " + code);
        }
        return values()[code];
    }
}
