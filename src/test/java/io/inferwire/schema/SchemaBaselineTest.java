package io.inferwire.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The build's guard on {@code proto/}: the descriptor set the build just compiled from it must
 * not break the committed baseline, {@code proto/baseline/inferwire-v1.binpb}. Replacing the
 * baseline is an explicit step, reviewed with the change:
 * {@code bin/mvn -B -o test -Dtest=SchemaBaselineTest
 * -Dinferwire.schema.update=true}.
 */
class SchemaBaselineTest {

    static final String UPDATE = "inferwire.schema.update";

    static Path protoDir() {
        return Path.of(System.getProperty("inferwire.proto.dir", "proto"));
    }

    static Path baseline() {
        return protoDir().resolve("baseline/inferwire-v1.binpb");
    }

    /** The descriptor set protobuf-maven-plugin wrote from proto/ in this build. */
    static Path built() {
        Path p = Path.of(
                System.getProperty("inferwire.descriptor.set", "target/generated-resources/protobuf/inferwire.desc"));
        assertTrue(Files.isRegularFile(p), "the build wrote no descriptor set at " + p);
        return p;
    }

    @Test
    void protoDoesNotBreakTheBaseline() throws IOException {
        FileDescriptorSet now = SchemaSource.read(built());
        if (Boolean.getBoolean(UPDATE)) {
            if (Files.exists(baseline())) {
                List<Finding> accepted = SchemaComparator.compare(SchemaSource.read(baseline()), now);
                System.out.println("SchemaBaselineTest: replacing " + baseline() + ", accepting " + accepted.size()
                        + " change(s)");
                accepted.forEach(f -> System.out.println("  " + f));
            }
            Files.createDirectories(baseline().getParent());
            Files.copy(built(), baseline(), StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        List<Finding> breaking = SchemaComparator.breaking(SchemaSource.read(baseline()), now);
        assertTrue(
                breaking.isEmpty(),
                () -> "proto/ breaks the committed baseline " + baseline() + ":\n"
                        + breaking.stream().map(Finding::toString).collect(Collectors.joining("\n"))
                        + "\nRetire fields and values with `reserved` instead. If the break is intended,"
                        + " replace the baseline (and have the change reviewed): bin/mvn -B -o test"
                        + " -Dtest=SchemaBaselineTest -D" + UPDATE
                        + "=true");
    }

    /** The .proto path of schema-check (protoc run by SchemaSource) sees proto/ as the build does. */
    @Test
    void protoSourcesCompiledByTheCheckerMatchTheBuildsSet() throws IOException {
        try {
            SchemaSource.findProtoc();
        } catch (IllegalArgumentException e) {
            Assumptions.abort("SKIPPED: " + e.getMessage());
        }
        FileDescriptorSet compiled = SchemaSource.load(protoDir(), null);
        assertEquals(List.of(), SchemaComparator.compare(SchemaSource.read(built()), compiled));
        assertEquals(List.of(), SchemaComparator.breaking(SchemaSource.read(baseline()), compiled));
        FileDescriptorSet single = SchemaSource.load(protoDir().resolve("inferwire/v1/frame.proto"), null);
        assertEquals(
                "inferwire/v1/frame.proto",
                single.getFile(single.getFileCount() - 1).getName());
        // One file alone (with its imports) is a subset of the whole folder under the same names.
        assertEquals(List.of(), SchemaComparator.compare(single, compiled));
    }
}
