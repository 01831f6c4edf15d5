package io.inferwire.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Maps files into off-heap segments for the commands. */
final class CliFiles {

    private CliFiles() {}

    /** Maps {@code file} read-only into {@code arena}. */
    static MemorySegment map(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
    }

    /** Refuses to write {@code out} over {@code in} (it would be truncated before it is read). */
    static void checkDistinct(Path in, Path out) throws IOException {
        if (java.nio.file.Files.exists(out) && java.nio.file.Files.isSameFile(in, out)) {
            throw new IllegalArgumentException("output " + out + " is the input file");
        }
    }

    /** Opens {@code file} for writing, truncating it. */
    static FileChannel create(Path file) throws IOException {
        return FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
