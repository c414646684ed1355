/**
 * How the agent calls the platform's services: REST clients of protocol's JAX-RS interfaces
 * ({@code cloud.agora.protocol.api}) built at run time for the configured base URLs ({@link RestClients}), and the
 * provider's Sign-In with Ethereum session at one service ({@link ServiceSession}).
 */
package cloud.agora.agent.remote;
