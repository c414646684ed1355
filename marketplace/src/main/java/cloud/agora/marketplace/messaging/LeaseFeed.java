package cloud.agora.marketplace.messaging;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-sent events for agents: each provider follows its own leases. A new subscriber first
 * receives one {@code LeaseCreated} per lease active at that moment, then every committed
 * {@code LeaseCreated}/{@code LeaseClosed} as it happens. Agents must treat events as
 * idempotent and resynchronise periodically (GET /api/v1/leases?provider=): a stream can drop.
 */
@ApplicationScoped
public class LeaseFeed {

    private final Map<Address, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();

    /** Adds a subscriber and sends it the snapshot. Call on the market desk's thread. */
    public void subscribe(Address provider, SseEventSink sink, Sse sse, List<LeaseView> activeLeases) {
        Subscriber subscriber = new Subscriber(sink, sse);
        for (LeaseView lease : activeLeases) {
            subscriber.send(MarketEvents.LEASE_CREATED, lease);
        }
        subscribers.computeIfAbsent(provider, p -> ConcurrentHashMap.newKeySet()).add(subscriber);
    }

    /** Sends a committed lease change to the provider's subscribers. */
    public void publish(String type, LeaseView lease) {
        Set<Subscriber> followers = subscribers.get(lease.provider());
        if (followers != null) {
            followers.removeIf(s -> !s.send(type, lease));
        }
    }

    /** Comments keep idle connections open through proxies and reveal dead subscribers. */
    @Scheduled(every = "15s")
    void keepAlive() {
        subscribers.values().forEach(followers -> followers.removeIf(s -> !s.ping()));
    }

    /** Ends every stream (this instance stopped being the market's writer: no more lease changes come from it). */
    public void closeAll() {
        subscribers.values().forEach(followers -> followers.removeIf(s -> {
            s.sink().close();
            return true;
        }));
    }

    public int subscriberCount(Address provider) {
        Set<Subscriber> followers = subscribers.get(provider);
        return followers == null ? 0 : followers.size();
    }

    private record Subscriber(SseEventSink sink, Sse sse) {

        boolean send(String type, LeaseView lease) {
            return emit(sse.newEventBuilder().name(type).id(lease.id() + ":" + lease.state())
                    .mediaType(MediaType.APPLICATION_JSON_TYPE).data(JsonCodec.write(lease)).build());
        }

        boolean ping() {
            return emit(sse.newEventBuilder().comment("keep-alive").build());
        }

        private boolean emit(OutboundSseEvent event) {
            if (sink.isClosed()) {
                return false;
            }
            sink.send(event).exceptionally(e -> {
                sink.close();
                return null;
            });
            return true;
        }
    }
}
