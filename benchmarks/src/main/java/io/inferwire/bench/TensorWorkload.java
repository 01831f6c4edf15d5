package io.inferwire.bench;

/**
 * A float tensor workload: {@code rows} rows of {@code dim} float32 values, in order, as
 * one stream (each row one message / frame).
 *
 * @param name short name shown in tables and charts
 * @param source where the data came from (file, model, artifact)
 * @param kind "embedding" or "logits": which JSON API shape the JSON baselines use
 * @param dim values per row
 * @param values rows * dim values, row-major
 */
public record TensorWorkload(String name, String source, String kind, int dim, float[] values) {

    public TensorWorkload {
        if (dim <= 0 || values.length % dim != 0) {
            throw new IllegalArgumentException(values.length + " values are not rows of " + dim);
        }
    }

    /** The number of rows. */
    public int rows() {
        return values.length / dim;
    }
}
