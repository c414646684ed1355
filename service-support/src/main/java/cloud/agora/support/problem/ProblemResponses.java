package cloud.agora.support.problem;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The exceptions a resource method (or every method of a resource class) can end with, declared for its OpenAPI
 * document: each {@link ProblemException} by the problem types its code constructs (status, slug and title are read
 * from the class's bytecode, never written twice), and {@code StoreException} as {@code 503 database-unavailable}.
 * What every endpoint answers anyway — {@code 401} for {@code @SignedIn}, {@code 400 invalid-body} for a body,
 * {@code 400 invalid-address} for an address parameter, {@code 500 internal-error} — needs no declaration. Each service's
 * {@code OpenApiContractTest} fails when a method can construct a problem it does not declare, or declares one it
 * cannot.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ProblemResponses {

    /** The exceptions, {@code ProblemException} subclasses or {@code StoreException}. */
    Class<? extends Throwable>[] value();
}
