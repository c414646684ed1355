package cloud.agora.storage.domain.pin;

import java.util.List;

/**
 * One page of a pin listing.
 *
 * @param count   how many pins match the filters in all
 * @param results the newest {@code limit} of them, newest first
 */
public record PinPage(int count, List<PinRequest> results) {
}
