package io.inferwire.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A text table for the terminal ({@link #render()}) or for GitHub markdown
 * ({@link #markdown()}). Cells are written as given ({@link String#valueOf}, null as
 * empty): format doubles before adding them. A column is right-aligned when all its
 * non-empty cells are numbers, or strings that read as one (such as {@code "1,234"},
 * {@code "0.25"}, {@code "-3.1%"} or {@code "12.5x"}), apart from {@code "n/a"} and
 * {@code "-"}; other columns are left-aligned.
 */
public final class Table {

    /** A number as the caller may have formatted it: sign, digit groups, fraction, exponent, then %, x or ×. */
    private static final Pattern NUMERIC = Pattern.compile("[-+]?[0-9][0-9,]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*[%x×]?");

    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();
    /** Per column: whether it holds text, and is left-aligned. */
    private final boolean[] text;

    /**
     * Creates a table with the given column headers.
     *
     * @param headers one per column
     */
    public Table(String... headers) {
        this.headers = headers.clone();
        this.text = new boolean[headers.length];
    }

    /**
     * Adds a row.
     *
     * @param cells at most one per column; missing trailing cells are left empty
     * @return this table
     * @throws IllegalArgumentException if there are more cells than columns
     */
    public Table row(Object... cells) {
        if (cells.length > headers.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        }
        String[] row = new String[headers.length];
        Arrays.fill(row, "");
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : String.valueOf(cells[i]);
            boolean number = cells[i] instanceof Number
                    || NUMERIC.matcher(row[i].strip()).matches();
            boolean blank = row[i].isBlank() || row[i].equals("n/a") || row[i].equals("-");
            text[i] |= !number && !blank;
        }
        rows.add(row);
        return this;
    }

    /**
     * Renders the table for a terminal: columns two spaces apart, the headers underlined
     * with {@code -}, one line per row, each ending in a newline.
     *
     * @return the table text
     */
    public String render() {
        int[] widths = widths(headers, rows, 1);
        StringBuilder out = new StringBuilder();
        line(out, headers, widths, "", "  ", "");
        String[] rules = new String[headers.length];
        for (int i = 0; i < rules.length; i++) {
            rules[i] = "-".repeat(widths[i]);
        }
        line(out, rules, widths, "", "  ", "");
        for (String[] row : rows) {
            line(out, row, widths, "", "  ", "");
        }
        return out.toString();
    }

    /**
     * Renders the table as a GitHub markdown table, padded so that the source lines up too;
     * numeric columns are right-aligned ({@code ---:}), {@code |} in cells is escaped.
     *
     * @return the markdown text, each line ending in a newline
     */
    public String markdown() {
        String[] head = escape(headers);
        List<String[]> body = rows.stream().map(Table::escape).toList();
        int[] widths = widths(head, body, 3);
        StringBuilder out = new StringBuilder();
        line(out, head, widths, "| ", " | ", " |");
        String[] rules = new String[headers.length];
        for (int i = 0; i < rules.length; i++) {
            rules[i] = text[i] ? "-".repeat(widths[i]) : "-".repeat(widths[i] - 1) + ":";
        }
        line(out, rules, widths, "| ", " | ", " |");
        for (String[] row : body) {
            line(out, row, widths, "| ", " | ", " |");
        }
        return out.toString();
    }

    private static int[] widths(String[] head, List<String[]> body, int min) {
        int[] widths = new int[head.length];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(min, width(head[i]));
            for (String[] row : body) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        return widths;
    }

    private void line(StringBuilder out, String[] cells, int[] widths, String open, String sep, String close) {
        StringBuilder line = new StringBuilder(open);
        for (int i = 0; i < cells.length; i++) {
            String pad = " ".repeat(widths[i] - width(cells[i]));
            line.append(i == 0 ? "" : sep).append(text[i] ? cells[i] + pad : pad + cells[i]);
        }
        out.append(line.append(close).toString().stripTrailing()).append('\n');
    }

    private static String[] escape(String[] cells) {
        String[] escaped = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            escaped[i] = cells[i].replace("|", "\\|");
        }
        return escaped;
    }

    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
