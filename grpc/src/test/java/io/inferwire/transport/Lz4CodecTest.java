package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class Lz4CodecTest {

    /** What Debian's lz4 CLI reads out of a message (skips the test when it is not installed). */
    private static String lz4Cli(byte[] z) throws IOException {
        Path in = Files.createTempFile("msg", ".lz4");
        try {
            Files.write(in, z);
            Process p;
            try {
                p = new ProcessBuilder("lz4", "-d", "-c", in.toString()).start();
            } catch (IOException e) {
                Assumptions.abort("no lz4 CLI: " + e.getMessage());
                throw e;
            }
            byte[] out = p.getInputStream().readAllBytes();
            try {
                assertEquals(0, p.waitFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.delete(in);
        }
    }

    @Test
    void roundTripsAsAStandardLz4Frame() throws IOException {
        byte[] text = "data: {\"choices\":[{\"delta\":{\"content\":\" the\"}}]}\n\n"
                .repeat(2000)
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (OutputStream os = Lz4Codec.instance().compress(wire)) {
            os.write(text);
        }
        byte[] z = wire.toByteArray();
        assertEquals(0x184D2204, (z[0] & 0xff) | (z[1] & 0xff) << 8 | (z[2] & 0xff) << 16 | (z[3] & 0xff) << 24);
        assertTrue(z.length < text.length / 10, "compressed " + z.length);
        try (InputStream in = Lz4Codec.instance().decompress(new ByteArrayInputStream(z))) {
            assertArrayEquals(text, in.readAllBytes());
        }
        assertEquals("lz4", Lz4Codec.instance().getMessageEncoding());
        assertEquals(new String(text, StandardCharsets.UTF_8), lz4Cli(z));
        assertEquals(Lz4Codec.instance(), Lz4Codec.compressorRegistry().lookupCompressor("lz4"));
        assertTrue(
                Lz4Codec.decompressorRegistry().getAdvertisedMessageEncodings().contains("lz4"));
    }
}
