package io.inferwire.schema;

import java.util.Objects;

/**
 * One difference between two versions of a schema.
 *
 * @param level whether it breaks the other version ({@link Level#BREAKING}) or is compatible
 *     with a caveat worth knowing ({@link Level#NOTE})
 * @param file the file that declares the element: the new version's, or the old one's when
 *     the element is gone
 * @param element what changed, e.g. {@code inferwire.v1.Frame.seq (#2)}
 * @param what the change, in words
 */
public record Finding(Level level, String file, String element, String what) {

    /** How serious a finding is. */
    public enum Level {
        /** Data or JSON written with one version is misread, or rejected, by the other. */
        BREAKING,
        /** Compatible on the wire, with a caveat (value ranges, JSON form, presence). */
        NOTE
    }

    /** Checks that no component is null. */
    public Finding {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(element, "element");
        Objects.requireNonNull(what, "what");
    }

    /** {@code true} for {@link Level#BREAKING}. */
    public boolean breaking() {
        return level == Level.BREAKING;
    }

    /** The one-line form: {@code BREAKING <file>: <element>: <what>}. */
    @Override
    public String toString() {
        return level + " " + file + ": " + element + ": " + what;
    }
}
