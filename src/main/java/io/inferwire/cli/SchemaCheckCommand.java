package io.inferwire.cli;

import io.inferwire.schema.Finding;
import io.inferwire.schema.SchemaComparator;
import io.inferwire.schema.SchemaSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code inferwire schema-check OLD NEW}: the changes from one version of a protobuf schema to
 * the next that break the wire format or JSON, one line each; exits 1 when there is any.
 */
@Command(
        name = "schema-check",
        mixinStandardHelpOptions = true,
        description = {
            "List the changes from OLD to NEW that break the wire format or JSON (like buf breaking):",
            "one 'BREAKING <file>: <element>: <what>' line each, exit 1 when there is any, else print",
            "'no breaking changes' and exit 0. Compatible changes with a caveat print as NOTE lines.",
            "OLD and NEW are descriptor sets (protoc --include_imports --descriptor_set_out=FILE,",
            "e.g. proto/baseline/inferwire-v1.binpb), .proto files or directories of them; .proto",
            "input is compiled with protoc (--protoc, $INFERWIRE_PROTOC, Maven's, or PATH)."
        })
final class SchemaCheckCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "OLD", description = "The old schema.")
    Path before;

    @Parameters(index = "1", paramLabel = "NEW", description = "The new schema.")
    Path after;

    @Option(names = "--protoc", paramLabel = "FILE", description = "The protoc binary for .proto input.")
    Path protoc;

    @Option(names = "--quiet", description = "Print only the BREAKING lines (no notes).")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        List<Finding> findings =
                SchemaComparator.compare(SchemaSource.load(before, protoc), SchemaSource.load(after, protoc));
        PrintStream out = System.out;
        long breaking = 0;
        for (Finding f : findings) {
            if (f.breaking()) {
                breaking++;
            }
            if (f.breaking() || !quiet) {
                out.println(f);
            }
        }
        out.flush();
        if (breaking == 0) {
            out.println("no breaking changes");
            return 0;
        }
        System.err.println(
                "inferwire schema-check: " + breaking + " breaking change(s) from " + before + " to " + after);
        return 1;
    }
}
