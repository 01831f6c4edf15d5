package io.inferwire.tokens.internal;

import io.inferwire.entropy.AdaptiveModel;
import io.inferwire.tokens.Revision;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything a token stream's encoder and decoder carry from step to step, and the
 * code of one step. Written once for both directions through {@link Coder}.
 *
 * <p>A step, in coding order: a shape symbol (which parts are present), token ids and
 * their logprobs, the text piece (bytes from the text model, each preceded by a
 * "one more byte" decision whose context is the position in the piece and the last
 * byte), the top-k pairs, the finish reason, the revision, and the extra bytes as a
 * change against the previous step's extra (common prefix and suffix lengths, then
 * the differing middle from a second text model).
 *
 * <p>Logprobs are coded one after another against the previous reconstruction: with
 * an error bound e > 0 as q = round((x - r_prev) / 2e), r = (float) (r_prev + 2e q),
 * escaped to the exact float bits when |x - r| > e or x is not finite (closed loop:
 * the bound holds for every value); with e = 0 as the exact float bits.
 */
public final class StepModel {

    private static final int SHAPE_IDS = 1;
    private static final int SHAPE_TOP = 2;
    private static final int SHAPE_FINISH = 4;
    private static final int SHAPE_REVISION = 8;
    private static final int SHAPE_EXTRA = 16;
    private static final int SHAPE_LOGPROBS = 32;

    private static final String[] REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"};
    private static final int MAX_COUNT = 1 << 20;
    /** The most token ids, and the most top-k pairs, in one step. */
    public static final int MAX_ITEMS = 4096;

    // Gamma bases in `numbers`.
    private static final int G_IDCOUNT = 0;
    private static final int G_ID = 64;
    private static final int G_TOPK = 128;
    private static final int G_Q0 = 192;
    private static final int G_Q1 = 256;
    private static final int G_REVPOS = 320;
    private static final int G_LEN = 384;
    private static final int G_PREFIX = 448;
    private static final int G_SUFFIX = 512;
    private static final int G_MIDDLE = 576;
    private static final int G_REASON = 640;
    private static final int G_TOPID = 704;
    private static final int G_TOPREF = 768;
    private static final int G_END = 832;

    private final Coder c;
    private final double bound;
    private final AdaptiveModel shape = new AdaptiveModel(64);
    private final AdaptiveModel reason = new AdaptiveModel(REASONS.length + 1);
    private final AdaptiveModel exponent = new AdaptiveModel(512);
    private final Counters numbers = new Counters(G_END, 30);
    private final Counters flags = new Counters(64, 30);
    private final Counters ends = new Counters(1 << 14, 30);
    private final Counters ends2 = new Counters(1 << 12, 30);
    private final int[] endWeights = new int[8 * 4];
    private final TextModel text;
    private final TextModel side;

    private final boolean primed;
    private byte[] lastExtra = new byte[0];
    /** Length of the previous step's extra, -1 when it had none. */
    private int lastExtraLength = -1;

    private float prev;

    /**
     * @param c the coder (encoding or decoding)
     * @param bound the logprob error bound, 0 for lossless
     * @param tableBits log2 of the text model's hashed table sizes
     */
    public StepModel(Coder c, double bound, int tableBits, boolean primed) {
        this.c = c;
        this.bound = bound;
        this.primed = primed;
        this.text = new TextModel(tableBits);
        this.side = new TextModel(Math.max(10, tableBits - 2));
    }

    /** Back to the state at stream start (both sides do this at a sync point). */
    public void reset() {
        shape.reset();
        reason.reset();
        exponent.reset();
        numbers.reset();
        flags.reset();
        ends.reset();
        ends2.reset();
        java.util.Arrays.fill(endWeights, 1 << 15);
        for (int k = 2; k < endWeights.length; k += 4) {
            endWeights[k] = 0;
        }
        text.reset();
        side.reset();
        if (primed) {
            StepModel prior = Prior.MODEL;
            numbers.copyFrom(prior.numbers);
            flags.copyFrom(prior.flags);
            ends.copyFrom(prior.ends);
            ends2.copyFrom(prior.ends2);
            System.arraycopy(prior.endWeights, 0, endWeights, 0, endWeights.length);
            text.copyFrom(prior.text);
            side.copyFrom(prior.side);
        }
        lastExtra = new byte[0];
        lastExtraLength = -1;
    }

    /**
     * The prior: models trained once per JVM on the text resources next to this class
     * (generic English prose in the style of chat answers, and chat-completion chunk
     * templates), copied into a stream's models at every reset. The resources are
     * part of the format: changing them changes what a stream decodes to.
     */
    private static final class Prior {
        static final StepModel MODEL = train();

        private static StepModel train() {
            Coder coder = Coder.encoder();
            StepModel m = new StepModel(coder, 0, io.inferwire.tokens.internal.StepModel.PRIOR_TABLE_BITS, false);
            m.reset();
            java.lang.foreign.MemorySegment scratch = java.lang.foreign.MemorySegment.ofArray(new byte[1 << 16]);
            String text = resource("prior-text.txt");
            for (String piece : text.split("(?= )|(?<=\\n)(?!\\n)|(?=[.,:;!?*#`()\\n])")) {
                coder.rangeEncoder().reset(scratch, 0, scratch.byteSize());
                m.code(new TokenStep(null, null, piece.getBytes(StandardCharsets.UTF_8), null, null, null, null));
                coder.rangeEncoder().finish();
            }
            for (String line : resource("prior-json.txt").split("\\n")) {
                coder.rangeEncoder().reset(scratch, 0, scratch.byteSize());
                m.code(new TokenStep(null, null, null, null, null, null, line.getBytes(StandardCharsets.UTF_8)));
                coder.rangeEncoder().finish();
            }
            return m;
        }

        private static String resource(String name) {
            try (java.io.InputStream in = StepModel.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + name);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Table size of the prior; streams use the same so the state can be copied. */
    public static final int PRIOR_TABLE_BITS = 16;

    /** Upper bound of the coded size of {@code s} in bytes. */
    public static long bound(TokenStep s) {
        long bytes = s.text().length
                + (s.extra() == null ? 0 : s.extra().length)
                + (s.revision() == null ? 0 : s.revision().text().length)
                + (s.finishReason() == null ? 0 : 4L * s.finishReason().length());
        long values =
                s.tokenIds().length + s.logprobs().length + 2L * s.topLogprobs().size();
        return 64 + 16 * bytes + 24 * values;
    }

    /** Codes one step; when decoding, {@code s} is ignored (pass null) and the decoded step is returned. */
    public TokenStep code(TokenStep s) {
        boolean enc = c.encoding();
        int sh = 0;
        byte[] extra = null;
        if (enc) {
            extra = s.extra();
            sh = (s.tokenIds().length > 0 ? SHAPE_IDS : 0)
                    | (s.topLogprobs().isEmpty() ? 0 : SHAPE_TOP)
                    | (s.finishReason() != null ? SHAPE_FINISH : 0)
                    | (s.revision() != null ? SHAPE_REVISION : 0)
                    | (!same(extra) ? SHAPE_EXTRA : 0)
                    | (s.logprobs().length > 0 ? SHAPE_LOGPROBS : 0);
        }
        sh = c.symbol(shape, sh);
        prev = 0;

        int[] ids = enc ? s.tokenIds() : null;
        float[] lps = enc ? s.logprobs() : null;
        if ((sh & SHAPE_IDS) != 0) {
            int n = (int) count(G_IDCOUNT, enc ? ids.length - 1 : 0) + 1;
            if (!enc) {
                ids = new int[n];
            }
            for (int i = 0; i < n; i++) {
                ids[i] = (int) number(G_ID, enc ? ids[i] : 0, Integer.MAX_VALUE);
            }
        } else if (!enc) {
            ids = new int[0];
        }

        byte[] piece = piece(enc ? s.text() : null);

        List<TopLogprob> top = List.of();
        if ((sh & SHAPE_TOP) != 0) {
            List<TopLogprob> in = enc ? s.topLogprobs() : null;
            int k = (int) count(G_TOPK, enc ? in.size() - 1 : 0) + 1;
            List<TopLogprob> out = enc ? in : new ArrayList<>(k);
            int sampled = ids.length > 0 ? ids[ids.length - 1] : -1;
            for (int i = 0; i < k; i++) {
                TopLogprob t = enc ? in.get(i) : null;
                int ctx = 1 + Math.min(i, 7);
                int isSampled = flags.code(c, ctx, enc && t.tokenId() == sampled ? 1 : 0);
                int id = isSampled == 1 ? sampled : (int) number(G_TOPID, enc ? t.tokenId() : 0, Integer.MAX_VALUE);
                if (id < 0) {
                    id = 0;
                }
                float lp = logprob(enc ? t.logprob() : 0, 1);
                if (!enc) {
                    out.add(new TopLogprob(id, lp));
                }
            }
            top = out;
        }

        if ((sh & SHAPE_LOGPROBS) != 0) {
            // After the top-k: a sampled token's logprob is usually one of the top-k values.
            int n = ids.length;
            if (!enc) {
                lps = new float[n];
            }
            prev = 0;
            for (int i = 0; i < n; i++) {
                int match = -1;
                if (enc) {
                    for (int k = 0; k < top.size() && match < 0; k++) {
                        if (top.get(k).tokenId() == ids[i]
                                && Float.floatToRawIntBits(top.get(k).logprob()) == Float.floatToRawIntBits(lps[i])) {
                            match = k;
                        }
                    }
                }
                if (!top.isEmpty() && flags.code(c, 32, match >= 0 ? 1 : 0) == 1) {
                    int k = (int) Math.min(top.size() - 1, numbers.gamma(c, G_TOPREF, Math.max(0, match)));
                    // the encoder's value is bit-identical to the input, the decoder's is the top-k reconstruction
                    lps[i] = enc ? lps[i] : top.get(k).logprob();
                } else {
                    lps[i] = logprob(enc ? lps[i] : 0, 0);
                }
            }
        }

        String finish = null;
        if ((sh & SHAPE_FINISH) != 0) {
            String r = enc ? s.finishReason() : null;
            int known = enc ? Arrays.asList(REASONS).indexOf(r) : 0;
            int sym = c.symbol(reason, known < 0 ? REASONS.length : known);
            if (sym < REASONS.length) {
                finish = REASONS[sym];
            } else {
                finish = new String(
                        sideBytes(G_REASON, enc ? r.getBytes(StandardCharsets.UTF_8) : null), StandardCharsets.UTF_8);
            }
        }

        Revision rev = null;
        if ((sh & SHAPE_REVISION) != 0) {
            long pos = number(G_REVPOS, enc ? s.revision().position() : 0, Long.MAX_VALUE >>> 2);
            byte[] t = textBytes(enc ? s.revision().text() : null);
            rev = new Revision(pos, t);
        }

        if ((sh & SHAPE_EXTRA) != 0) {
            extra = extra(extra);
        } else if (!enc) {
            extra = lastExtraLength < 0 ? null : Arrays.copyOf(lastExtra, lastExtraLength);
        }
        if (!enc) {
            return new TokenStep(ids, lps, piece, top, finish, rev, extra);
        }
        return s;
    }

    /** Whether {@code e} equals the previous step's extra (an unchanged extra costs nothing). */
    private boolean same(byte[] e) {
        if (e == null) {
            return lastExtraLength < 0;
        }
        return lastExtraLength == e.length && Arrays.equals(e, 0, e.length, lastExtra, 0, lastExtraLength);
    }

    private long count(int base, long v) {
        return Math.min(MAX_ITEMS - 1, numbers.gamma(c, base, v));
    }

    private long number(int base, long v, long max) {
        long r = numbers.gamma(c, base, v);
        return r > max ? max : r;
    }

    private byte[] piece(byte[] in) {
        boolean enc = c.encoding();
        int n = enc ? in.length : 0;
        byte[] out = enc ? in : new byte[16];
        int i = 0;
        while (true) {
            int more = more(i, enc && i < n ? 1 : 0);
            if (more == 0) {
                break;
            }
            if (!enc && i == out.length) {
                if (i >= MAX_COUNT || c.rangeDecoder().overran()) {
                    break; // only a damaged unit gets here; the caller sees the overrun
                }
                out = Arrays.copyOf(out, i * 2);
            }
            int b = text.code(c, enc ? in[i] & 0xFF : 0);
            if (!enc) {
                out[i] = (byte) b;
            }
            i++;
        }
        return enc ? in : Arrays.copyOf(out, i);
    }

    /**
     * Codes whether the piece goes on after {@code i} bytes, mixing two counters with
     * the text model's own belief that a space or newline comes next (pieces of real
     * tokenizers mostly end before one).
     */
    private int more(int i, int bit) {
        int ctxA = ((Math.min(i, 15) << 8 | text.last()) * 4 + (text.previous() == ' ' ? 1 : 0)) & (ends.size() - 1);
        int space = text.peek(' ') + text.peek('\n');
        int sp = TextModel.stretch(Math.clamp(space, 1, 4095));
        int bucket = Math.clamp((sp + 2048) >> 8, 0, 15);
        int ctxB = (Math.min(i, 7) << 8 | bucket << 4 | Math.min(15, text.last() >> 4)) & (ends2.size() - 1);
        int s0 = TextModel.stretch(ends.p12(ctxA));
        int s1 = TextModel.stretch(ends2.p12(ctxB));
        int w = Math.min(i, 7) * 4;
        long dot = (long) endWeights[w] * s0
                + (long) endWeights[w + 1] * s1
                + (long) endWeights[w + 2] * -sp
                + (long) endWeights[w + 3] * 256;
        int p = Math.clamp(TextModel.squash((int) (dot >> 16)), 1, 4095);
        int b = c.bit(bit, p);
        int err = ((b << 12) - p) * 2;
        endWeights[w] += (s0 * err) >> 10;
        endWeights[w + 1] += (s1 * err) >> 10;
        endWeights[w + 2] += (-sp * err) >> 10;
        endWeights[w + 3] += (256 * err) >> 10;
        ends.update(ctxA, b);
        ends2.update(ctxB, b);
        return b;
    }

    private byte[] textBytes(byte[] in) {
        boolean enc = c.encoding();
        int n = (int) Math.min(MAX_COUNT, numbers.gamma(c, G_LEN, enc ? in.length : 0));
        byte[] out = enc ? in : new byte[n];
        for (int i = 0; i < n && (enc || !c.rangeDecoder().overran()); i++) {
            int b = text.code(c, enc ? in[i] & 0xFF : 0);
            if (!enc) {
                out[i] = (byte) b;
            }
        }
        return out;
    }

    private byte[] sideBytes(int base, byte[] in) {
        boolean enc = c.encoding();
        int n = (int) Math.min(MAX_COUNT, numbers.gamma(c, base, enc ? in.length : 0));
        byte[] out = enc ? in : new byte[n];
        for (int i = 0; i < n && (enc || !c.rangeDecoder().overran()); i++) {
            int b = side.code(c, enc ? in[i] & 0xFF : 0);
            if (!enc) {
                out[i] = (byte) b;
            }
        }
        return out;
    }

    /** Codes the extra as a change of the previous one; returns the new extra. */
    private byte[] extra(byte[] in) {
        boolean enc = c.encoding();
        if (flags.code(c, 24, enc && in == null ? 1 : 0) == 1) {
            lastExtraLength = -1;
            return null;
        }
        int old = Math.max(0, lastExtraLength);
        int prefix = 0;
        int suffix = 0;
        if (enc) {
            int max = Math.min(old, in.length);
            while (prefix < max && in[prefix] == lastExtra[prefix]) {
                prefix++;
            }
            while (suffix < max - prefix && in[in.length - 1 - suffix] == lastExtra[old - 1 - suffix]) {
                suffix++;
            }
        }
        prefix = (int) Math.min(old, numbers.gamma(c, G_PREFIX, prefix));
        suffix = (int) Math.min(old - prefix, numbers.gamma(c, G_SUFFIX, suffix));
        int middle = (int) Math.min(MAX_COUNT, numbers.gamma(c, G_MIDDLE, enc ? in.length - prefix - suffix : 0));
        byte[] out = enc ? in : new byte[prefix + middle + suffix];
        if (!enc) {
            System.arraycopy(lastExtra, 0, out, 0, prefix);
            System.arraycopy(lastExtra, old - suffix, out, prefix + middle, suffix);
        }
        for (int i = 0; i < middle && (enc || !c.rangeDecoder().overran()); i++) {
            int b = side.code(c, enc ? in[prefix + i] & 0xFF : 0);
            if (!enc) {
                out[prefix + i] = (byte) b;
            }
        }
        if (lastExtra.length < out.length) {
            lastExtra = Arrays.copyOf(out, Math.max(out.length, lastExtra.length * 2));
        } else {
            System.arraycopy(out, 0, lastExtra, 0, out.length);
        }
        lastExtraLength = out.length;
        return out;
    }

    /** Codes a logprob against the previous reconstruction; returns the reconstruction. */
    private float logprob(float x, int kind) {
        boolean enc = c.encoding();
        if (bound == 0) {
            int bits = c.symbol(exponent, enc ? Float.floatToRawIntBits(x) >>> 23 : 0) << 23;
            bits |= c.bits(enc ? Float.floatToRawIntBits(x) & 0x7FFFFF : 0, 23);
            return Float.intBitsToFloat(bits);
        }
        double step = 2 * bound;
        long q = 0;
        float r = 0;
        boolean escape = true;
        if (enc && Float.isFinite(x)) {
            double qd = Math.rint(((double) x - prev) / step);
            if (Math.abs(qd) < (1L << 40)) {
                q = (long) qd;
                r = (float) (prev + step * q);
                escape = !(Math.abs((double) x - r) <= bound);
            }
        }
        if (flags.code(c, 16 + kind, escape ? 1 : 0) == 1) {
            float v = Float.intBitsToFloat(c.bits(enc ? Float.floatToRawIntBits(x) : 0, 32));
            if (Float.isFinite(v)) {
                prev = v;
            }
            return v;
        }
        long z = numbers.gamma(c, kind == 0 ? G_Q0 : G_Q1, enc ? (q << 1) ^ (q >> 63) : 0);
        q = (z >>> 1) ^ -(z & 1);
        r = (float) (prev + step * q);
        prev = r;
        return r;
    }
}
