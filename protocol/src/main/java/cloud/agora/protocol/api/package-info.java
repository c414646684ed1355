/**
 * The services' HTTP interfaces as plain JAX-RS interfaces: paths, verbs, headers and the protocol records as bodies,
 * exactly as the serving module's resources declare them. A calling module makes a REST client of one (Quarkus's
 * {@code @RegisterRestClient} on a sub-interface, or {@code QuarkusRestClientBuilder} when the base URL is known only
 * at run time); the interfaces carry no client configuration of their own. Each is named by the service that serves it
 * and what it is for.
 */
package cloud.agora.protocol.api;
