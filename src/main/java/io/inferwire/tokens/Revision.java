package io.inferwire.tokens;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A change to text already sent, for runtimes that rewrite it: the bytes of the
 * stream's text from {@code position} on are replaced by {@code text} (an empty text
 * truncates; a position at the end appends). Applied before the step's own piece.
 *
 * @param position byte offset in the stream's UTF-8 text so far, non-negative
 * @param text the replacement bytes (the record keeps the array; do not change it)
 */
public record Revision(long position, byte[] text) {

    /** Validates the values. */
    public Revision {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, was " + position);
        }
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
    }

    /** A revision with UTF-8 text. */
    public static Revision of(long position, String text) {
        return new Revision(position, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Revision r && r.position == position && Arrays.equals(r.text, text);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(position) * 31 + Arrays.hashCode(text);
    }

    @Override
    public String toString() {
        return "Revision[position=" + position + ", text=" + new String(text, StandardCharsets.UTF_8) + "]";
    }
}
