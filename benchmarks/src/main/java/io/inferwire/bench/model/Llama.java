package io.inferwire.bench.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Llama model with F32 weights read from GGUF, run by a plain single-threaded forward pass over
 * {@code float[]}s (llama2.c's algorithm, with grouped-query attention), and its SentencePiece vocabulary.
 * Meant for small models such as llama2.c's stories260K: real logits at about a thousand tokens a second.
 *
 * <p>Instances are immutable; {@link #generate} keeps its KV cache to itself, so calls may run concurrently.
 */
public final class Llama {

    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x([0-9A-Fa-f]{2})>");

    /** One transformer block's weights; matrices are row-major, one row per output. */
    private record Block(
            float[] attnNorm,
            float[] wq,
            float[] wk,
            float[] wv,
            float[] wo,
            float[] ffnNorm,
            float[] gate,
            float[] up,
            float[] down) {}

    private final int dim;
    private final int heads;
    private final int kvHeads;
    private final int headSize;
    private final int hidden;
    private final int contextLength;
    private final int vocab;
    private final float eps;
    private final double[] ropeFreq;
    private final float[] embed;
    private final Block[] blocks;
    private final float[] outputNorm;
    private final float[] output;
    private final int bos;
    private final int eos;
    private final String[] pieces;
    private final byte[][] pieceBytes;

    private Llama(Gguf g, Path file) throws IOException {
        Map<String, Object> md = g.metadata();
        if (!"llama".equals(md.get("general.architecture"))) {
            throw new IOException(file + ": general.architecture is " + md.get("general.architecture") + ", not llama");
        }
        dim = intValue(md, file, "llama.embedding_length", null);
        heads = intValue(md, file, "llama.attention.head_count", null);
        kvHeads = intValue(md, file, "llama.attention.head_count_kv", heads);
        hidden = intValue(md, file, "llama.feed_forward_length", null);
        contextLength = intValue(md, file, "llama.context_length", null);
        int layers = intValue(md, file, "llama.block_count", null);
        if (dim <= 0
                || heads <= 0
                || kvHeads <= 0
                || dim % heads != 0
                || heads % kvHeads != 0
                || hidden <= 0
                || contextLength <= 0
                || layers <= 0) {
            throw new IOException(file + ": inconsistent llama hyperparameters");
        }
        headSize = dim / heads;
        int ropeDims = intValue(md, file, "llama.rope.dimension_count", headSize);
        if (ropeDims <= 0 || ropeDims > headSize || ropeDims % 2 != 0) {
            throw new IOException(file + ": bad llama.rope.dimension_count " + ropeDims);
        }
        double theta = doubleValue(md, file, "llama.rope.freq_base", 10000.0);
        ropeFreq = new double[ropeDims / 2];
        for (int i = 0; i < ropeFreq.length; i++) {
            ropeFreq[i] = Math.pow(theta, -2.0 * i / ropeDims);
        }
        eps = (float) doubleValue(md, file, "llama.attention.layer_norm_rms_epsilon", null);

        if (!(md.get("tokenizer.ggml.tokens") instanceof List<?> tokens) || tokens.isEmpty()) {
            throw new IOException(file + ": no tokenizer.ggml.tokens");
        }
        vocab = tokens.size();
        bos = intValue(md, file, "tokenizer.ggml.bos_token_id", null);
        eos = intValue(md, file, "tokenizer.ggml.eos_token_id", null);
        if (bos < 0 || bos >= vocab || eos < 0 || eos >= vocab) {
            throw new IOException(file + ": bos or eos token id outside the vocabulary");
        }
        pieces = new String[vocab];
        pieceBytes = new byte[vocab][];
        for (int t = 0; t < vocab; t++) {
            String text = String.valueOf(tokens.get(t)).replace('\u2581', ' ');
            Matcher m = BYTE_TOKEN.matcher(text);
            if (m.matches()) {
                int b = HexFormat.fromHexDigits(m.group(1));
                pieces[t] = String.valueOf((char) b);
                pieceBytes[t] = new byte[] {(byte) b};
            } else {
                pieces[t] = text;
                pieceBytes[t] = text.getBytes(StandardCharsets.UTF_8);
            }
        }

        int kvDim = kvHeads * headSize;
        embed = weight(g, file, "token_embd.weight", dim, vocab);
        blocks = new Block[layers];
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            blocks[l] = new Block(
                    weight(g, file, p + "attn_norm.weight", dim),
                    weight(g, file, p + "attn_q.weight", dim, dim),
                    weight(g, file, p + "attn_k.weight", dim, kvDim),
                    weight(g, file, p + "attn_v.weight", dim, kvDim),
                    weight(g, file, p + "attn_output.weight", dim, dim),
                    weight(g, file, p + "ffn_norm.weight", dim),
                    weight(g, file, p + "ffn_gate.weight", dim, hidden),
                    weight(g, file, p + "ffn_up.weight", dim, hidden),
                    weight(g, file, p + "ffn_down.weight", hidden, dim));
        }
        outputNorm = weight(g, file, "output_norm.weight", dim);
        output = g.has("output.weight") ? weight(g, file, "output.weight", dim, vocab) : embed;
    }

    /**
     * Loads a Llama model from a GGUF file whose tensors are all F32.
     *
     * @param gguf the file
     * @return the model
     * @throws IOException if the file cannot be read, is not a well-formed GGUF file, or does not hold an F32
     *     Llama model with a SentencePiece vocabulary
     */
    public static Llama load(Path gguf) throws IOException {
        return new Llama(Gguf.read(gguf), gguf);
    }

    /** The number of tokens in the vocabulary. */
    public int vocabSize() {
        return vocab;
    }

    /** The beginning-of-sequence token id. */
    public int bos() {
        return bos;
    }

    /** The end-of-sequence token id. */
    public int eos() {
        return eos;
    }

    /**
     * A token's text: SentencePiece's U+2581 becomes a space and a byte token {@code <0xNN>} becomes that byte,
     * as the ASCII character it encodes or, for {@code NN >= 0x80} (no complete UTF-8 character alone), as the
     * character U+00NN. Control tokens such as {@code <s>} keep their text.
     */
    public String piece(int token) {
        return pieces[token];
    }

    /** The exact UTF-8 bytes of a token's piece; a byte token gives its one byte. */
    public byte[] pieceBytes(int token) {
        return pieceBytes[token].clone();
    }

    /**
     * The steps of one {@link #generate} call.
     *
     * @param vocab the vocabulary size: the length of each logits row
     * @param tokens the token produced at each step
     * @param logits {@code steps * vocab} values: the raw logits row that produced each token
     * @param logprob the log-softmax of the raw logits at each step's token (temperature does not change it)
     * @param topIds per step, the {@code topK} most likely ids, by descending logprob (ties: lower id first)
     * @param topLogprobs per step, the log-softmax of {@code topIds}
     * @param sequenceStart true where the step is the first of a sequence (the one fed BOS)
     */
    public record Generation(
            int vocab,
            int[] tokens,
            float[] logits,
            float[] logprob,
            int[][] topIds,
            float[][] topLogprobs,
            boolean[] sequenceStart) {}

    /**
     * Generates {@code steps} tokens from BOS. When EOS or BOS is produced (llama2.c's models end a story with BOS,
     * as its {@code run.c} expects), or the context ({@code llama.context_length}) is full, the sequence restarts
     * from BOS with a fresh KV cache, so that exactly {@code steps} steps are made.
     *
     * @param steps the number of tokens to produce
     * @param topK how many of the most likely tokens to report per step (at most the vocabulary size is)
     * @param temperature 0 for greedy decoding (ties: lowest id); otherwise the softmax temperature of sampling
     * @param seed the seed of the {@link SplittableRandom} that samples (unused when greedy)
     * @param progress told the number of steps done after each step
     * @return the steps
     * @throws IllegalArgumentException if an argument is negative or NaN, or the logits do not fit in an array
     */
    public Generation generate(int steps, int topK, float temperature, long seed, IntConsumer progress) {
        if (steps < 0 || topK < 0 || !(temperature >= 0)) {
            throw new IllegalArgumentException("steps, topK and temperature must be >= 0");
        }
        if ((long) steps * vocab > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(steps + " steps of " + vocab + " logits do not fit in a float[]");
        }
        int k = Math.min(topK, vocab);
        State s = new State();
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[steps];
        float[] logits = new float[steps * vocab];
        float[] logprob = new float[steps];
        int[][] topIds = new int[steps][];
        float[][] topLogprobs = new float[steps][];
        boolean[] sequenceStart = new boolean[steps];

        int pos = 0;
        int input = bos;
        for (int step = 0; step < steps; step++) {
            sequenceStart[step] = pos == 0;
            float[] row = forward(s, input, pos);
            System.arraycopy(row, 0, logits, step * vocab, vocab);
            double logSumExp = logSumExp(row);
            int next = temperature == 0 ? argmax(row) : sample(row, temperature, random);
            tokens[step] = next;
            logprob[step] = (float) (row[next] - logSumExp);
            topIds[step] = top(row, k);
            topLogprobs[step] = new float[k];
            for (int i = 0; i < k; i++) {
                topLogprobs[step][i] = (float) (row[topIds[step][i]] - logSumExp);
            }
            pos++;
            if (next == eos || next == bos || pos == contextLength) {
                pos = 0;
                input = bos;
            } else {
                input = next;
            }
            progress.accept(step + 1);
        }
        return new Generation(vocab, tokens, logits, logprob, topIds, topLogprobs, sequenceStart);
    }

    /** Activations and KV cache of one generation. Position 0 overwrites the cache, so BOS restarts it. */
    private final class State {
        final float[] x = new float[dim];
        final float[] xb = new float[dim];
        final float[] xb2 = new float[dim];
        final float[] q = new float[dim];
        final float[] hb = new float[hidden];
        final float[] hb2 = new float[hidden];
        final float[] att = new float[contextLength];
        final float[] cos = new float[ropeFreq.length];
        final float[] sin = new float[ropeFreq.length];
        final float[][] keys = new float[blocks.length][contextLength * kvHeads * headSize];
        final float[][] values = new float[blocks.length][contextLength * kvHeads * headSize];
        final float[] logits = new float[vocab];
    }

    /** Runs one token at one position; returns the state's logits row. */
    private float[] forward(State s, int token, int pos) {
        int kvDim = kvHeads * headSize;
        int group = heads / kvHeads;
        float scale = (float) (1 / Math.sqrt(headSize));
        float[] x = s.x;
        System.arraycopy(embed, token * dim, x, 0, dim);
        for (int i = 0; i < ropeFreq.length; i++) {
            double angle = pos * ropeFreq[i];
            s.cos[i] = (float) Math.cos(angle);
            s.sin[i] = (float) Math.sin(angle);
        }
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            float[] keys = s.keys[l];
            float[] values = s.values[l];
            int at = pos * kvDim;

            rmsNorm(s.xb, x, b.attnNorm);
            matmul(s.q, 0, b.wq, s.xb, dim, dim);
            matmul(keys, at, b.wk, s.xb, kvDim, dim);
            matmul(values, at, b.wv, s.xb, kvDim, dim);
            for (int h = 0; h < heads; h++) {
                rope(s, s.q, h * headSize);
            }
            for (int h = 0; h < kvHeads; h++) {
                rope(s, keys, at + h * headSize);
            }

            for (int h = 0; h < heads; h++) {
                int qAt = h * headSize;
                int kvAt = (h / group) * headSize;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    float score = 0;
                    for (int i = 0; i < headSize; i++) {
                        score += s.q[qAt + i] * keys[t * kvDim + kvAt + i];
                    }
                    s.att[t] = score * scale;
                    max = Math.max(max, s.att[t]);
                }
                float sum = 0;
                for (int t = 0; t <= pos; t++) {
                    s.att[t] = (float) Math.exp(s.att[t] - max);
                    sum += s.att[t];
                }
                Arrays.fill(s.xb2, qAt, qAt + headSize, 0);
                for (int t = 0; t <= pos; t++) {
                    float a = s.att[t] / sum;
                    for (int i = 0; i < headSize; i++) {
                        s.xb2[qAt + i] += a * values[t * kvDim + kvAt + i];
                    }
                }
            }
            matmul(s.xb, 0, b.wo, s.xb2, dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += s.xb[i];
            }

            rmsNorm(s.xb, x, b.ffnNorm);
            matmul(s.hb, 0, b.gate, s.xb, hidden, dim);
            matmul(s.hb2, 0, b.up, s.xb, hidden, dim);
            for (int i = 0; i < hidden; i++) {
                float g = s.hb[i];
                s.hb[i] = g / (1 + (float) Math.exp(-g)) * s.hb2[i];
            }
            matmul(s.xb, 0, b.down, s.hb, dim, hidden);
            for (int i = 0; i < dim; i++) {
                x[i] += s.xb[i];
            }
        }
        rmsNorm(s.xb, x, outputNorm);
        matmul(s.logits, 0, output, s.xb, vocab, dim);
        return s.logits;
    }

    /** Rotates one head's adjacent pairs (v[2i], v[2i+1]) by the position's angles, as llama.cpp's "normal" RoPE. */
    private static void rope(State s, float[] v, int at) {
        for (int i = 0; i < s.cos.length; i++) {
            int j = at + 2 * i;
            float a = v[j];
            float b = v[j + 1];
            v[j] = a * s.cos[i] - b * s.sin[i];
            v[j + 1] = a * s.sin[i] + b * s.cos[i];
        }
    }

    private void rmsNorm(float[] out, float[] x, float[] weight) {
        float ss = 0;
        for (float v : x) {
            ss += v * v;
        }
        float inv = (float) (1 / Math.sqrt(ss / x.length + eps));
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * weight[i];
        }
    }

    /** {@code out[outAt + r] = w[r] · x} for each of {@code rows} rows of {@code cols} values. */
    private static void matmul(float[] out, int outAt, float[] w, float[] x, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += w[base + c] * x[c];
            }
            out[outAt + r] = sum;
        }
    }

    private static double logSumExp(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : row) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int sample(float[] row, float temperature, SplittableRandom random) {
        double max = row[argmax(row)];
        double[] weights = new double[row.length];
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            weights[i] = Math.exp((row[i] - max) / temperature);
            sum += weights[i];
        }
        double r = random.nextDouble() * sum;
        for (int i = 0; i < row.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return argmax(row);
    }

    /** The ids of the {@code k} largest values, largest first, lower id first among equals. */
    private static int[] top(float[] row, int k) {
        int[] ids = new int[k];
        int n = 0;
        for (int i = 0; i < row.length && k > 0; i++) {
            if (n == k && !(row[i] > row[ids[k - 1]])) {
                continue;
            }
            int j = n < k ? n++ : k - 1;
            while (j > 0 && row[i] > row[ids[j - 1]]) {
                ids[j] = ids[j - 1];
                j--;
            }
            ids[j] = i;
        }
        return ids;
    }

    private static int intValue(Map<String, Object> md, Path file, String key, Integer fallback) throws IOException {
        Object v = md.getOrDefault(key, fallback);
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() != ((Number) v).intValue()) {
            throw new IOException(file + ": missing or bad integer metadata " + key);
        }
        return ((Number) v).intValue();
    }

    private static double doubleValue(Map<String, Object> md, Path file, String key, Double fallback)
            throws IOException {
        if (!(md.getOrDefault(key, fallback) instanceof Number v)) {
            throw new IOException(file + ": missing or bad numeric metadata " + key);
        }
        return v.doubleValue();
    }

    /** Reads an F32 tensor, checking its dims (fastest-varying first). */
    private static float[] weight(Gguf g, Path file, String name, long... dims) throws IOException {
        if (!g.has(name)) {
            throw new IOException(file + ": no tensor " + name);
        }
        if (!Arrays.equals(g.dims(name), dims)) {
            throw new IOException(file + ": tensor " + name + " has dims " + Arrays.toString(g.dims(name))
                    + ", expected " + Arrays.toString(dims));
        }
        try {
            return g.tensor(name);
        } catch (UnsupportedOperationException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a model and prints its greedy text of 60 tokens, then the speed of a 2,000-step sampled run.
     *
     * @param args the GGUF file
     * @throws IOException if the model cannot be loaded
     */
    public static void main(String[] args) throws IOException {
        Llama model = load(Path.of(args[0]));
        long start = System.nanoTime();
        Generation greedy = model.generate(60, 0, 0, 0, n -> {});
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder text = new StringBuilder();
        for (int t : greedy.tokens()) {
            text.append(new String(model.pieceBytes(t), StandardCharsets.UTF_8));
        }
        System.out.println(text.toString().strip());
        System.out.printf("greedy: 60 tokens in %.3f s (%.0f tokens/s, cold)%n", seconds, 60 / seconds);

        int steps = 2000;
        start = System.nanoTime();
        model.generate(steps, 5, 1, 42, n -> {});
        seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "sampled: %d tokens in %.3f s (%.0f tokens/s, top-5 logprobs)%n", steps, seconds, steps / seconds);
    }
}
