/**
 * How a provider agent or a service calls another Agora service whose URL it learns at run time: REST clients of
 * protocol's JAX-RS interfaces ({@code cloud.agora.protocol.api}) built for a base URL ({@link RestClients}), and a
 * session signed in with Sign-In with Ethereum at one service ({@link ServiceSession}).
 */
package cloud.agora.client;
