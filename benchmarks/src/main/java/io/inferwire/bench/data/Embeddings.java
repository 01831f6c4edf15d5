package io.inferwire.bench.data;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real sentence embeddings: all-MiniLM-L6-v2 (quantized ONNX, from langchain4j's model jar) run by ONNX Runtime
 * on the CPU, mean-pooled and normalized to unit length, {@value #DIM} floats per sentence.
 */
public final class Embeddings {

    /** Floats per embedding. */
    public static final int DIM = 384;

    private static final int BATCH = 32;
    private static final Pattern WORD = Pattern.compile("\\S+");

    private Embeddings() {}

    /**
     * Embeds each sentence. The model is loaded on first use and kept; it embeds the sentences of a batch in
     * parallel on its own threads.
     *
     * @param sentences non-blank texts
     * @param progress told the number of sentences done after each batch
     * @return {@code sentences.size() * DIM} floats, row-major, one row per sentence
     * @throws IllegalArgumentException if a sentence is blank
     */
    public static float[] embed(List<String> sentences, IntConsumer progress) {
        float[] out = new float[Math.multiplyExact(sentences.size(), DIM)];
        for (int from = 0; from < sentences.size(); from += BATCH) {
            int to = Math.min(from + BATCH, sentences.size());
            List<TextSegment> batch =
                    sentences.subList(from, to).stream().map(TextSegment::from).toList();
            List<Embedding> rows = Model.INSTANCE.embedAll(batch).content();
            for (int i = 0; i < rows.size(); i++) {
                float[] v = rows.get(i).vector();
                if (v.length != DIM) {
                    throw new IllegalStateException("model returned " + v.length + " floats, not " + DIM);
                }
                System.arraycopy(v, 0, out, (from + i) * DIM, DIM);
            }
            progress.accept(to);
        }
        return out;
    }

    /**
     * The texts to embed when a passage is embedded as it streams: for each passage, its prefixes ending at
     * word {@code firstWords}, then at each next word, up to the whole passage. A prefix is the passage text
     * from its first word to the end of its last word, spacing kept. A passage of fewer words gives one row,
     * itself (trimmed); a blank passage gives none.
     *
     * @param passages the texts
     * @param firstWords words in the first prefix of each passage, at least 1
     * @return the prefixes, passage after passage
     * @throws IllegalArgumentException if {@code firstWords} is below 1
     */
    public static List<String> prefixes(List<String> passages, int firstWords) {
        if (firstWords < 1) {
            throw new IllegalArgumentException("firstWords < 1: " + firstWords);
        }
        List<String> rows = new ArrayList<>();
        for (String passage : passages) {
            Matcher m = WORD.matcher(passage);
            int start = -1;
            int words = 0;
            int end = -1;
            while (m.find()) {
                if (start < 0) {
                    start = m.start();
                }
                end = m.end();
                if (++words >= firstWords) {
                    rows.add(passage.substring(start, end));
                }
            }
            if (words > 0 && words < firstWords) {
                rows.add(passage.substring(start, end));
            }
        }
        return rows;
    }

    /**
     * Reads a file of little-endian float32 rows of {@code dim} values, like
     * {@code shared/data/embeddings/minilmq-1000x384.f32le}.
     *
     * @param file the file, at most 2 GiB
     * @param dim values per row
     * @return all values, row-major
     * @throws IllegalArgumentException if {@code dim} is below 1
     * @throws IOException if reading fails, or the size is not a whole number of rows
     */
    public static float[] readF32le(Path file, int dim) throws IOException {
        if (dim < 1) {
            throw new IllegalArgumentException("dim < 1: " + dim);
        }
        long size = Files.size(file);
        if (size % (4L * dim) != 0) {
            throw new IOException(file + ": " + size + " bytes are not whole rows of " + dim + " float32");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != size) {
            throw new IOException(file + " changed while being read");
        }
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** Loads the model once, on first use. */
    private static final class Model {
        static final EmbeddingModel INSTANCE = new AllMiniLmL6V2QuantizedEmbeddingModel();
    }
}
