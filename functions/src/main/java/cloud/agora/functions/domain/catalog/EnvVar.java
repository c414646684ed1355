package cloud.agora.functions.domain.catalog;

/**
 * One environment variable of a function version.
 *
 * @param name   the variable name
 * @param value  its value; for a secret only held in memory on the way in, never returned
 * @param secret whether the value is sealed at rest and hidden from every read
 */
public record EnvVar(String name, String value, boolean secret) {
}
