package io.inferwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import io.inferwire.cli.CliTest.Result;
import io.inferwire.schema.SchemaSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code schema-check}: one line per finding, exit 1 on a breaking change, 0 without, 2 on usage errors. */
class SchemaCheckCliTest {

    static Path write(Path dir, String name, DescriptorProto.Builder m) throws Exception {
        FileDescriptorSet set = FileDescriptorSet.newBuilder()
                .addFile(FileDescriptorProto.newBuilder()
                        .setName("t.proto")
                        .setPackage("t")
                        .setSyntax("proto3")
                        .addMessageType(m))
                .build();
        Path p = dir.resolve(name);
        Files.write(p, set.toByteArray());
        return p;
    }

    static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(Label.LABEL_OPTIONAL);
    }

    @Test
    void descriptorSetsBreakingAndNot(@TempDir Path dir) throws Exception {
        Path before = write(
                dir,
                "old.binpb",
                DescriptorProto.newBuilder()
                        .setName("M")
                        .addField(field("a", 1, Type.TYPE_INT32))
                        .addField(field("b", 2, Type.TYPE_STRING)));
        Path widened = write(
                dir,
                "widened.binpb",
                DescriptorProto.newBuilder()
                        .setName("M")
                        .addField(field("a", 1, Type.TYPE_INT64))
                        .addField(field("b", 2, Type.TYPE_STRING)));
        Path broken = write(
                dir,
                "broken.binpb",
                DescriptorProto.newBuilder().setName("M").addField(field("a", 1, Type.TYPE_FLOAT)));

        Result same = CliTest.run("schema-check", before.toString(), before.toString());
        assertEquals(0, same.code(), same.err());
        assertEquals("no breaking changes", same.out().strip());

        Result compatible = CliTest.run("schema-check", widened.toString(), before.toString());
        assertEquals(0, compatible.code(), compatible.err());
        assertEquals(
                "NOTE t.proto: t.M.a (#1): type changed from int64 to int32 (wire-compatible: values outside 32 bits"
                        + " are truncated by the 32-bit side)\nno breaking changes",
                compatible.out().strip());
        Result quiet = CliTest.run("schema-check", "--quiet", widened.toString(), before.toString());
        assertEquals("no breaking changes", quiet.out().strip());

        Result r = CliTest.run("schema-check", before.toString(), broken.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(
                "BREAKING t.proto: t.M.a (#1): type changed from int32 to float (not wire-compatible)\n"
                        + "BREAKING t.proto: t.M.b (#2): field removed without reserving its number or its name",
                r.out().strip());
        assertEquals(
                "inferwire schema-check: 2 breaking change(s) from " + before + " to " + broken,
                r.err().strip());
    }

    @Test
    void badInputExits1WithOneLineAndUsageErrorsExit2(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, new byte[] {(byte) 0xff, 1, 2, 3});
        Path empty = dir.resolve("empty.binpb");
        Files.write(empty, new byte[0]);
        for (Path bad : new Path[] {junk, empty}) {
            Result r = CliTest.run("schema-check", bad.toString(), bad.toString());
            assertEquals(1, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(
                    r.err().contains("is neither a .proto file, a directory of them, nor a descriptor set"), r.err());
        }
        Result missing = CliTest.run("schema-check", dir.resolve("nope").toString(), junk.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Result noProtos = CliTest.run("schema-check", dir.toString(), dir.toString());
        assertEquals(1, noProtos.code());
        assertTrue(noProtos.err().contains("no .proto files under"), noProtos.err());

        assertEquals(2, CliTest.run("schema-check", junk.toString()).code());
        Result help = CliTest.run("schema-check", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Usage: inferwire schema-check"), help.out());
    }

    /** .proto input, compiled with the build's protoc; the real proto/ against the committed baseline. */
    @Test
    void protoSourcesAgainstEachOtherAndTheBaseline(@TempDir Path dir) throws Exception {
        try {
            SchemaSource.findProtoc();
        } catch (IllegalArgumentException e) {
            Assumptions.abort("SKIPPED: " + e.getMessage());
        }
        Path protoDir = Path.of(System.getProperty("inferwire.proto.dir", "proto"));
        Result real = CliTest.run(
                "schema-check", protoDir.resolve("baseline/inferwire-v1.binpb").toString(), protoDir.toString());
        assertEquals(0, real.code(), real.out() + real.err());
        assertEquals("no breaking changes", real.out().strip());

        Path v1 = dir.resolve("v1/acme/api");
        Path v2 = dir.resolve("v2/acme/api");
        Files.createDirectories(v1);
        Files.createDirectories(v2);
        Files.writeString(v1.resolve("job.proto"), """
                syntax = "proto3";
                package acme.api;
                import "google/protobuf/timestamp.proto";
                enum State { STATE_UNSPECIFIED = 0; STATE_DONE = 1; }
                message Job { string id = 1; State state = 2; google.protobuf.Timestamp at = 3; int32 tries = 4; }
                """);
        Files.writeString(v2.resolve("job.proto"), """
                syntax = "proto3";
                package acme.api;
                import "google/protobuf/timestamp.proto";
                enum State { STATE_UNSPECIFIED = 0; reserved 1; reserved "STATE_DONE"; }
                message Job { string id = 1; State state = 2; google.protobuf.Timestamp at = 3; string tries = 4; }
                """);
        // A single file finds its import root from its package: the files are named acme/api/job.proto.
        Result r = CliTest.run(
                "schema-check",
                v1.resolve("job.proto").toString(),
                dir.resolve("v2").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(
                "BREAKING acme/api/job.proto: acme.api.Job.tries (#4): type changed from int32 to string (not"
                        + " wire-compatible)",
                r.out().strip());

        Files.writeString(
                v2.resolve("job.proto"), "syntax = \"proto3\"; package acme.api; message Job { strin id = 1; }");
        Result bad = CliTest.run(
                "schema-check",
                v1.resolve("job.proto").toString(),
                v2.resolve("job.proto").toString());
        assertEquals(1, bad.code());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().startsWith("inferwire schema-check: protoc rejected "), bad.err());
    }
}
