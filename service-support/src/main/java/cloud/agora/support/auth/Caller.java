package cloud.agora.support.auth;

import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.RequestScoped;

/** The signed-in address behind the current request (set by {@link SignedInFilter}). */
@RequestScoped
public class Caller {

    private Address address;

    /** The caller; only on endpoints marked {@link SignedIn}. */
    public Address address() {
        if (address == null) {
            throw new IllegalStateException("no signed-in caller: is the endpoint marked @SignedIn?");
        }
        return address;
    }

    void signedIn(Address address) {
        this.address = address;
    }
}
