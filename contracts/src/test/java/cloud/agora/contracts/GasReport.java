package cloud.agora.contracts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Gas figures measured by the tests, appended to {@code target/gas-report.txt} (operation, gas) so that the
 * README's table can be checked against a run: {@code mvn -o -pl contracts verify && cat contracts/target/gas-report.txt}.
 */
public final class GasReport {

    private static final Path FILE = Path.of("target", "gas-report.txt");
    private static boolean started;

    private GasReport() {
    }

    public static synchronized void record(String operation, BigInteger gasUsed) {
        try {
            Files.createDirectories(FILE.getParent());
            if (!started) {
                Files.deleteIfExists(FILE);
                started = true;
            }
            Files.writeString(FILE, String.format("%-40s %,10d%n", operation, gasUsed),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
