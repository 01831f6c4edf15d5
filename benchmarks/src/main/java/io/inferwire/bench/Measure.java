package io.inferwire.bench;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** Runs every format of a workload: bytes, error and speed from the same encode and decode. */
final class Measure {

    private final Timer timer;
    private final Progress progress;

    Measure(Timer timer, Progress progress) {
        this.timer = timer;
        this.progress = progress;
    }

    /** Measures the token formats on {@code w}. */
    List<Result> tokens(TokenWorkload w) throws Exception {
        TokenFormats.Prepared in = TokenFormats.Prepared.of(w);
        boolean logprobs = in.steps().stream()
                .flatMap(List::stream)
                .anyMatch(s -> !s.topLogprobs().isEmpty());
        // Tokens: the events that carry text or ids (not the role and finish chunks).
        long tokens = in.steps().stream()
                .flatMap(List::stream)
                .filter(s -> s.text().length > 0 || s.tokenIds().length > 0)
                .count();
        List<Result> out = new ArrayList<>();
        double mb = in.sseBytes() / 1e6;
        for (TokenFormats.Format f : TokenFormats.all(logprobs)) {
            progress.step(w.name(), f.name());
            TensorFormats.Encoded e = f.encode(in);
            double err = f.decode(e, in);
            double te = timer.best(() -> f.encode(in));
            double td = timer.best(() -> f.decode(e, in));
            out.add(new Result(
                    w.name(),
                    f.name(),
                    f.group(),
                    e.bytes(),
                    tokens,
                    w.streams().size(),
                    err,
                    mb / te,
                    mb / td));
        }
        progress.done();
        return out;
    }

    /** Measures the tensor formats on {@code w}. */
    List<Result> tensors(TensorWorkload w) throws Exception {
        List<Result> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            TensorFormats.Input in = TensorFormats.Input.of(w, arena);
            float[] back = new float[w.values().length];
            double mb = 4.0 * w.values().length / 1e6;
            for (TensorFormats.Format f : TensorFormats.all()) {
                progress.step(w.name(), f.name());
                TensorFormats.Encoded e = f.encode(in);
                f.decode(e, in, back);
                double err = maxError(w.values(), back, f.name());
                double te = timer.best(() -> f.encode(in));
                double td = timer.best(() -> f.decode(e, in, back));
                out.add(new Result(
                        w.name(), f.name(), f.group(), e.bytes(), w.values().length, w.rows(), err, mb / te, mb / td));
            }
        }
        progress.done();
        return out;
    }

    /** The largest |a - b|; non-finite values must come back with the same bits' meaning. */
    static double maxError(float[] want, float[] got, String format) {
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            float a = want[i];
            float b = got[i];
            if (!Float.isFinite(a) || !Float.isFinite(b)) {
                if (Float.compare(a, b) != 0) {
                    throw new IllegalStateException(format + ": value " + i + " was " + a + ", came back " + b);
                }
                continue;
            }
            err = Math.max(err, Math.abs((double) a - b));
        }
        return err;
    }
}
