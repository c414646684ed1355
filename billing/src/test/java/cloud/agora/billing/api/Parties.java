package cloud.agora.billing.api;

import static org.awaitility.Awaitility.await;

import cloud.agora.billing.Fixtures;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A developer with {@code deposit} in the escrow who authorized billing's delegate (the devnet's account 4) up to a
 * cap, a provider, and a lease between them that billing knows.
 */
record Parties(Signer developer, Wallet developerWallet, Wallet provider, LeaseView lease) {

    static Parties fund(Devnet devnet, AgroalDataSource dataSource, KafkaProducer<String, String> producer, Wei deposit,
            Wei cap) throws Exception {
        Signer developer = devnet.newAccount();
        devnet.escrow().deposit(developer, deposit);
        devnet.escrow().authorize(developer, devnet.account(4).address(), cap);
        Wallet provider = Wallet.random();
        LeaseView lease = Fixtures.lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return new Parties(developer, Wallet.of(developer.key()), provider, lease);
    }
}
