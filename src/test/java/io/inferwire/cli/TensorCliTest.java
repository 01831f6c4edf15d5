package io.inferwire.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code encode} / {@code decode}: the contract other tools and tests rely on. */
class TensorCliTest {

    private static byte[] rows(SplittableRandom r, int rows, int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * rows * n).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[n];
        for (int f = 0; f < rows; f++) {
            for (int i = 0; i < n; i++) {
                v[i] += (float) (r.nextGaussian() * (f % 10 == 0 ? 0.05 : 1e-3));
                b.putFloat(f % 17 == 3 && i == 5 ? Float.NaN : v[i]);
            }
        }
        return b.array();
    }

    @Test
    void losslessAndBoundedRoundTrips(@TempDir Path dir) throws Exception {
        SplittableRandom r = Seeds.random("tensor cli");
        byte[] data = rows(r, 200, 96);
        Path in = dir.resolve("in.f32le");
        Files.write(in, data);
        for (String[] mode : new String[][] {
            {"--lossless"}, {"--lossless", "--dense"}, {"--error-bound", "1e-3"}, {"--error-bound", "1e-3", "--dense"}
        }) {
            Path enc = dir.resolve("out.iw");
            Path dec = dir.resolve("back.f32le");
            String[] args = new String[mode.length + 6];
            args[0] = "encode";
            args[1] = "--shape";
            args[2] = "8,12";
            args[3] = "--key-interval";
            args[4] = "64";
            System.arraycopy(mode, 0, args, 5, mode.length);
            args[args.length - 1] = in.toString();
            String[] full = Arrays.copyOf(args, args.length + 1);
            full[full.length - 1] = enc.toString();
            CliTest.Result e = CliTest.run(full);
            assertEquals(0, e.code(), e.err());
            assertTrue(e.err().contains("encoded 200 rows"), e.err());
            assertTrue(Files.size(enc) < data.length, Arrays.toString(mode) + ": " + e.err());
            CliTest.Result d = CliTest.run("decode", enc.toString(), dec.toString());
            assertEquals(0, d.code(), d.err());
            byte[] back = Files.readAllBytes(dec);
            assertEquals(data.length, back.length);
            if (mode[0].equals("--lossless")) {
                assertArrayEquals(data, back, Arrays.toString(mode));
            } else {
                ByteBuffer a = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer b = ByteBuffer.wrap(back).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; i += 4) {
                    float x = a.getFloat(i);
                    float y = b.getFloat(i);
                    if (Float.isNaN(x)) {
                        assertEquals(a.getInt(i), b.getInt(i));
                    } else {
                        assertTrue(Math.abs((double) x - y) <= 1e-3, x + " vs " + y);
                    }
                }
            }
            CliTest.Result table = CliTest.run("inspect", enc.toString());
            assertEquals(0, table.code(), table.err());
            assertTrue(table.out().contains("HEADER") && table.out().contains("KEY"), table.out());
        }
    }

    @Test
    void badInputFailsWithOneLine(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.f32le");
        Files.write(in, new byte[4 * 10 + 2]);
        CliTest.Result notRows = CliTest.run(
                "encode", "--shape", "10", in.toString(), dir.resolve("o").toString());
        assertEquals(1, notRows.code());
        assertTrue(notRows.err().contains("not a whole number of rows"), notRows.err());

        Files.write(in, new byte[4 * 10 * 5]);
        Path enc = dir.resolve("o.iw");
        assertEquals(
                0,
                CliTest.run("encode", "--shape", "10", in.toString(), enc.toString())
                        .code());
        byte[] bytes = Files.readAllBytes(enc);
        // Without its END frame (cut exactly on a frame boundary): truncated.
        Path cut = dir.resolve("cut.iw");
        java.io.ByteArrayInputStream frames = new java.io.ByteArrayInputStream(bytes);
        int lastStart = 0;
        while (frames.available() > 0) {
            lastStart = bytes.length - frames.available();
            io.inferwire.proto.v1.Frame.parseDelimitedFrom(frames);
        }
        Files.write(cut, Arrays.copyOf(bytes, lastStart));
        CliTest.Result d =
                CliTest.run("decode", cut.toString(), dir.resolve("back").toString());
        assertEquals(1, d.code());
        assertEquals(1, d.err().strip().lines().count(), d.err());
        assertTrue(d.err().contains("END"), d.err());

        // Cut inside its last frame, or with a frame dropped: non-zero, naming the stream and seq.
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        d = CliTest.run("decode", cut.toString(), dir.resolve("back").toString());
        assertEquals(1, d.code());
        assertTrue(d.err().contains("inside a frame") && d.err().contains("seq "), d.err());
        frames = new java.io.ByteArrayInputStream(bytes);
        io.inferwire.proto.v1.Frame.parseDelimitedFrom(frames);
        int secondStart = bytes.length - frames.available();
        io.inferwire.proto.v1.Frame.parseDelimitedFrom(frames);
        int thirdStart = bytes.length - frames.available();
        byte[] dropped = new byte[bytes.length - (thirdStart - secondStart)];
        System.arraycopy(bytes, 0, dropped, 0, secondStart);
        System.arraycopy(bytes, thirdStart, dropped, secondStart, bytes.length - thirdStart);
        Files.write(cut, dropped);
        d = CliTest.run("decode", cut.toString(), dir.resolve("back").toString());
        assertEquals(1, d.code());
        assertTrue(d.err().contains("sequence gap") && d.err().contains("seq 2"), d.err());

        CliTest.Result usage = CliTest.run("encode", "--lossless", "--error-bound", "1e-3", "--shape", "4", "a", "b");
        assertEquals(2, usage.code(), usage.err());
        assertEquals(0, CliTest.run("encode", "--help").code());
        assertEquals(0, CliTest.run("decode", "--help").code());
    }
}
