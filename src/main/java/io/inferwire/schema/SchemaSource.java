package io.inferwire.schema;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.RuntimeVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a schema version as a {@code FileDescriptorSet}: from a descriptor set file (the
 * binary {@code protoc --include_imports --descriptor_set_out} writes), or from {@code .proto}
 * sources (one file, or every {@code .proto} under a directory), which it compiles with
 * protoc.
 *
 * <p>There is no protobuf parser in Java, so {@code .proto} input needs a protoc binary: the
 * one named by {@code -Dinferwire.protoc} or {@code $INFERWIRE_PROTOC}, else the one Maven
 * downloaded for the build ({@code ~/.m2/repository/com/google/protobuf/protoc/}, the version
 * of the protobuf runtime first), else {@code protoc} on {@code PATH}. The well-known types
 * ({@code google/protobuf/*.proto}) come from the protobuf-java jar. Descriptor sets need
 * nothing outside the JVM.
 */
public final class SchemaSource {

    /** System property naming a protoc binary. */
    public static final String PROTOC_PROPERTY = "inferwire.protoc";

    /** Environment variable naming a protoc binary. */
    public static final String PROTOC_ENV = "INFERWIRE_PROTOC";

    private static final List<String> WELL_KNOWN = List.of(
            "any",
            "api",
            "descriptor",
            "duration",
            "empty",
            "field_mask",
            "java_features",
            "source_context",
            "struct",
            "timestamp",
            "type",
            "wrappers");

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");

    private SchemaSource() {}

    /**
     * Loads {@code path}: a directory or a {@code .proto} file is compiled with protoc, any
     * other file is read as a descriptor set.
     *
     * @param protoc the protoc binary to use for {@code .proto} input, or null to look for one
     * @throws IllegalArgumentException when the file is not a descriptor set, protoc rejects the
     *     sources, or no protoc can be found for {@code .proto} input
     * @throws NoSuchFileException when {@code path} does not exist
     * @throws IOException when reading fails
     */
    public static FileDescriptorSet load(Path path, Path protoc) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        if (Files.isDirectory(path)) {
            List<Path> sources;
            try (Stream<Path> s = Files.walk(path)) {
                sources = s.filter(p -> p.toString().endsWith(".proto") && Files.isRegularFile(p))
                        .sorted()
                        .toList();
            }
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("no .proto files under " + path);
            }
            return compile(path, sources, protoc);
        }
        if (path.toString().endsWith(".proto")) {
            return compile(importRoot(path), List.of(path), protoc);
        }
        return read(path);
    }

    /** Reads a binary {@code FileDescriptorSet}. */
    public static FileDescriptorSet read(Path file) throws IOException {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw notASet(file);
        }
        if (set.getFileCount() == 0 || !set.getUnknownFields().asMap().isEmpty()) {
            throw notASet(file);
        }
        for (FileDescriptorProto f : set.getFileList()) {
            if (!f.getName().endsWith(".proto")) {
                throw notASet(file);
            }
        }
        return set;
    }

    private static IllegalArgumentException notASet(Path file) {
        return new IllegalArgumentException(file
                + " is neither a .proto file, a directory of them, nor a descriptor set"
                + " (protoc --include_imports --descriptor_set_out=FILE)");
    }

    /**
     * The import root of a single {@code .proto} file: the directory above the folders that
     * spell its package (proto/inferwire/v1/frame.proto declaring inferwire.v1 gives proto/),
     * else the file's own directory.
     */
    static Path importRoot(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Matcher m = PACKAGE.matcher(Files.readString(file, StandardCharsets.UTF_8));
        if (m.find()) {
            String[] parts = m.group(1).split("\\.");
            Path root = dir;
            for (int i = parts.length - 1; i >= 0 && root != null; i--) {
                if (root.getFileName() == null || !root.getFileName().toString().equals(parts[i])) {
                    return dir;
                }
                root = root.getParent();
            }
            if (root != null) {
                return root;
            }
        }
        return dir;
    }

    private static FileDescriptorSet compile(Path root, List<Path> sources, Path protoc) throws IOException {
        Path tmp = Files.createTempDirectory("inferwire-schema");
        try {
            Path exe = executable(protoc != null ? protoc : findProtoc(), tmp);
            Path include = tmp.resolve("include");
            for (String name : WELL_KNOWN) {
                String resource = "google/protobuf/" + name + ".proto";
                try (InputStream in = com.google.protobuf.Any.class.getModule().getResourceAsStream(resource)) {
                    if (in != null) {
                        Files.createDirectories(include.resolve("google/protobuf"));
                        Files.copy(in, include.resolve(resource));
                    }
                }
            }
            Path out = tmp.resolve("set.binpb");
            List<String> cmd = new ArrayList<>(List.of(
                    exe.toString(),
                    "--proto_path=" + root.toAbsolutePath(),
                    "--proto_path=" + include,
                    "--include_imports",
                    "--descriptor_set_out=" + out));
            for (Path s : sources) {
                cmd.add(root.toAbsolutePath().relativize(s.toAbsolutePath()).toString());
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("protoc did not finish in 120 s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while protoc ran", e);
            }
            if (p.exitValue() != 0) {
                throw new IllegalArgumentException("protoc rejected " + root + ": "
                        + String.join("; ", log.strip().lines().toList()));
            }
            return read(out);
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * The protoc to use: {@code -Dinferwire.protoc}, {@code $INFERWIRE_PROTOC}, Maven's local
     * repository, {@code PATH}.
     *
     * @throws IllegalArgumentException when there is none
     */
    public static Path findProtoc() {
        for (String named : new String[] {System.getProperty(PROTOC_PROPERTY), System.getenv(PROTOC_ENV)}) {
            if (named != null && !named.isBlank() && Files.isRegularFile(Path.of(named))) {
                return Path.of(named);
            }
        }
        Path maven = fromMavenRepository();
        if (maven != null) {
            return maven;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "protoc");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no protoc to compile .proto files: give descriptor sets instead"
                + " (protoc --include_imports --descriptor_set_out=FILE), or name a protoc with --protoc, $"
                + PROTOC_ENV + " or -D" + PROTOC_PROPERTY + ", or put one on PATH");
    }

    private static Path fromMavenRepository() {
        String repo = System.getProperty("maven.repo.local");
        Path base = repo != null ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2", "repository");
        Path dir = base.resolve("com/google/protobuf/protoc");
        String classifier = classifier();
        if (classifier == null || !Files.isDirectory(dir)) {
            return null;
        }
        String runtime = RuntimeVersion.MAJOR + "." + RuntimeVersion.MINOR + "." + RuntimeVersion.PATCH;
        List<Path> found = new ArrayList<>();
        try (Stream<Path> versions = Files.list(dir)) {
            for (Path v : versions.sorted(Comparator.reverseOrder()).toList()) {
                Path exe = v.resolve("protoc-" + v.getFileName() + "-" + classifier + ".exe");
                if (Files.isRegularFile(exe)) {
                    if (v.getFileName().toString().equals(runtime)) {
                        return exe;
                    }
                    found.add(exe);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /** The os-maven-plugin classifier of this machine, or null when protoc publishes none for it. */
    private static String classifier() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux")
                ? "linux"
                : os.startsWith("mac") ? "osx" : os.startsWith("windows") ? "windows" : null;
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            case "ppc64le" -> "ppcle_64";
            case "s390x" -> "s390_64";
            default -> null;
        };
        return o == null || a == null ? null : o + "-" + a;
    }

    /** Maven stores protoc without the executable bit: run a copy that has it. */
    private static Path executable(Path protoc, Path tmp) throws IOException {
        if (Files.isExecutable(protoc)) {
            return protoc;
        }
        Path copy = tmp.resolve("protoc");
        Files.copy(protoc, copy);
        if (!copy.toFile().setExecutable(true)) {
            throw new IOException("cannot make a copy of " + protoc + " executable");
        }
        return copy;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
