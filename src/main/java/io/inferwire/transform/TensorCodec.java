package io.inferwire.transform;

import io.inferwire.wire.FrameView;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Objects;

/**
 * The configuration of one float32 tensor stream, and the factory of its
 * {@link TensorEncoder} and {@link TensorDecoder}. Immutable; build it with
 * {@link #builder()}.
 *
 * <pre>{@code
 * TensorCodec codec = TensorCodec.builder().shape(384).errorBound(1e-4).build();
 * try (Arena arena = Arena.ofConfined()) {
 *     TensorEncoder enc = codec.newEncoder(arena);
 *     int len = enc.encode(embedding, 0);      // one frame in enc.buffer()
 * }
 * }</pre>
 */
public final class TensorCodec {

    /** Lossless (bit-exact) or error-bounded. */
    public enum Mode {
        /** Every bit of every value comes back, NaN payloads and -0.0 included. */
        LOSSLESS,
        /** Every value comes back within the error bound; NaN and Inf come back exactly. */
        ERROR_BOUNDED
    }

    /** How the transformed values are stored. */
    public enum Packing {
        /** Byte planes or block bit-packing, then LZ4 (stored raw when LZ4 does not pay). The fastest. */
        FAST,
        /** Range coding with adaptive models that persist across frames. The smallest, and slower. */
        DENSE
    }

    /** Default for {@link Builder#keyInterval}. */
    public static final int DEFAULT_KEY_INTERVAL = 256;

    /** Default for {@link Builder#decisionInterval} with {@link Packing#FAST} (DENSE decides on every frame). */
    public static final int DEFAULT_DECISION_INTERVAL = 16;

    /** Default for {@link Builder#maxValues}: 16 Mi values (64 MiB per frame). */
    public static final int DEFAULT_MAX_VALUES = 1 << 24;

    private final int[] shape;
    private final int values;
    private final Mode mode;
    private final double errorBound;
    private final Packing packing;
    private final int keyInterval;
    private final int decisionInterval;
    private final Backend backend;
    private final long streamId;
    private final boolean checksums;
    private final int maxValues;

    private TensorCodec(Builder b) {
        this.shape = b.shape.clone();
        this.mode = b.mode;
        this.errorBound = b.errorBound;
        this.packing = b.packing;
        this.keyInterval = b.keyInterval;
        this.decisionInterval = b.decisionInterval > 0
                ? b.decisionInterval
                : b.packing == Packing.DENSE ? 1 : DEFAULT_DECISION_INTERVAL;
        this.backend = b.backend != null ? b.backend : Backends.get();
        this.streamId = b.streamId;
        this.checksums = b.checksums;
        this.maxValues = b.maxValues;
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        this.values = shape.length == 0 ? 0 : (int) n;
        if (!backend.isAvailable()) {
            throw new IllegalStateException(
                    "backend " + backend.name() + " cannot run: " + backend.unavailableReason());
        }
    }

    /** A builder with the defaults: no shape, lossless, {@link Packing#FAST}, the factory's backend. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new encoder for one stream; its buffers come from {@code arena}, which must
     * outlive it.
     *
     * @throws IllegalStateException if no shape was set
     */
    public TensorEncoder newEncoder(Arena arena) {
        if (values == 0) {
            throw new IllegalStateException("an encoder needs a shape with at least one value");
        }
        return new TensorEncoder(this, arena);
    }

    /**
     * A new decoder for one stream; its buffers come from {@code arena}, which must
     * outlive it. When this codec has a shape, frames of another shape are rejected;
     * without one, the decoder takes the shape of each KEY frame (up to
     * {@link #maxValues()} values).
     */
    public TensorDecoder newDecoder(Arena arena) {
        return new TensorDecoder(this, arena);
    }

    /** The shape, outermost dimension first (a copy); empty when not set. */
    public int[] shape() {
        return shape.clone();
    }

    int[] shapeRef() {
        return shape;
    }

    /** Values per frame (the product of the shape), 0 when no shape is set. */
    public int values() {
        return values;
    }

    /** Lossless or error-bounded. */
    public Mode mode() {
        return mode;
    }

    /** The error bound; 0 when lossless. */
    public double errorBound() {
        return errorBound;
    }

    /** Fast or dense packing. */
    public Packing packing() {
        return packing;
    }

    /** A KEY frame is forced after this many frames since the last one (0: never). */
    public int keyInterval() {
        return keyInterval;
    }

    /** KEY-or-DELTA is decided by size on every this many frames. */
    public int decisionInterval() {
        return decisionInterval;
    }

    /** The transform backend. */
    public Backend backend() {
        return backend;
    }

    /** The stream id written into every frame. */
    public long streamId() {
        return streamId;
    }

    /** Whether frames carry a checksum. */
    public boolean checksums() {
        return checksums;
    }

    /** The most values per frame a decoder accepts. */
    public int maxValues() {
        return maxValues;
    }

    @Override
    public String toString() {
        return "TensorCodec{shape=" + Arrays.toString(shape) + ", mode=" + mode
                + (mode == Mode.ERROR_BOUNDED ? ", bound=" + errorBound : "") + ", packing=" + packing
                + ", keyInterval=" + keyInterval + ", backend=" + backend.name() + '}';
    }

    /** Builds a {@link TensorCodec}. Not thread-safe. */
    public static final class Builder {
        private int[] shape = new int[0];
        private Mode mode = Mode.LOSSLESS;
        private double errorBound;
        private Packing packing = Packing.FAST;
        private int keyInterval = DEFAULT_KEY_INTERVAL;
        private int decisionInterval;
        private Backend backend;
        private long streamId;
        private boolean checksums = true;
        private int maxValues = DEFAULT_MAX_VALUES;

        private Builder() {}

        /**
         * The tensor shape of every frame, outermost first; at most
         * {@link FrameView#MAX_RANK} positive dimensions whose product is at most
         * {@link #maxValues(int)}.
         */
        public Builder shape(int... dims) {
            if (dims.length == 0 || dims.length > FrameView.MAX_RANK) {
                throw new IllegalArgumentException("a shape has 1 to " + FrameView.MAX_RANK + " dimensions");
            }
            long n = 1;
            for (int d : dims) {
                if (d <= 0) {
                    throw new IllegalArgumentException("dimensions must be positive: " + Arrays.toString(dims));
                }
                n *= d;
                if (n > Integer.MAX_VALUE / 8) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " is too large");
                }
            }
            this.shape = dims.clone();
            return this;
        }

        /** Lossless mode (the default). */
        public Builder lossless() {
            this.mode = Mode.LOSSLESS;
            this.errorBound = 0;
            return this;
        }

        /**
         * Error-bounded mode: every decoded value is within {@code bound} of the input.
         *
         * @throws IllegalArgumentException unless {@code bound} is finite, positive and
         *     {@code 2 * bound} is a normal float32
         */
        public Builder errorBound(double bound) {
            QuantParams.of(bound);
            this.mode = Mode.ERROR_BOUNDED;
            this.errorBound = bound;
            return this;
        }

        /** Fast (default) or dense packing. */
        public Builder packing(Packing packing) {
            this.packing = Objects.requireNonNull(packing);
            return this;
        }

        /** Force a KEY frame after {@code n} frames since the last one; 0 disables it. */
        public Builder keyInterval(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("key interval must be >= 0, was " + n);
            }
            this.keyInterval = n;
            return this;
        }

        /**
         * Decide KEY-or-DELTA by trying both on every {@code n}th frame (and after every
         * forced KEY); frames in between repeat the last decision. 1 tries both on every frame;
         * 0 (the default) means {@value TensorCodec#DEFAULT_DECISION_INTERVAL} for
         * {@link Packing#FAST} and 1 for {@link Packing#DENSE}.
         */
        public Builder decisionInterval(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("decision interval must be >= 0, was " + n);
            }
            this.decisionInterval = n;
            return this;
        }

        /** The backend to run the transforms on (default: {@link Backends#get()}). */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend);
            return this;
        }

        /** The stream id written into every frame (default 0). */
        public Builder streamId(long id) {
            this.streamId = id;
            return this;
        }

        /** Whether frames carry a checksum (default true). */
        public Builder checksums(boolean on) {
            this.checksums = on;
            return this;
        }

        /** The most values per frame a decoder accepts (default {@link TensorCodec#DEFAULT_MAX_VALUES}). */
        public Builder maxValues(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxValues must be >= 1, was " + n);
            }
            this.maxValues = n;
            return this;
        }

        /** The codec. */
        public TensorCodec build() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (shape.length > 0 && n > maxValues) {
                throw new IllegalArgumentException("shape has " + n + " values, more than maxValues " + maxValues);
            }
            return new TensorCodec(this);
        }
    }
}
