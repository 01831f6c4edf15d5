package io.inferwire.transform;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inferwire.TestArena;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes the golden vectors into {@code src/test/resources/golden/} from the scalar
 * reference, only when run with {@code -Dinferwire.golden.write=true}; otherwise
 * skipped. Regenerating changes committed files on purpose: review the diff.
 *
 * <pre>{@code
 * bin/mvn -B -o test -Dtest=GoldenVectorsWriter -Dinferwire.golden.write=true
 * }</pre>
 */
class GoldenVectorsWriter {

    static final String PROPERTY = "inferwire.golden.write";

    @Test
    void writeGoldenVectors() throws Exception {
        assumeTrue(Boolean.getBoolean(PROPERTY), "golden vectors are written only with -D" + PROPERTY + "=true");
        Path dir = GoldenVectors.sourceDir();
        byte[] input = GoldenVectors.makeInput();
        GoldenVectors.write(dir, "input.f32", input);
        try (TestArena arena = TestArena.open()) {
            Backend oracle = Backends.scalar();
            for (Map<String, byte[]> files : java.util.List.of(
                    GoldenVectors.kernels(oracle, input, arena), GoldenVectors.streams(oracle, input, arena))) {
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    GoldenVectors.write(dir, e.getKey(), e.getValue());
                    System.out.println("wrote " + dir.resolve(e.getKey()) + " (" + e.getValue().length + " bytes)");
                }
            }
        }
    }
}
