package io.inferwire.bench.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.DoubleStream;

/**
 * Horizontal bar charts as standalone SVG 1.1 documents, for a browser or a GitHub page
 * ({@code <img src="chart.svg">}). Sizes follow from the number of bars and an estimate of
 * the text widths (0.6 &times; the font size per character), on a white background so the
 * chart also reads in dark mode. Only finite positive values get a bar; the others are labelled
 * {@code n/a} if NaN or infinite, or on a log scale, and with their value (such as {@code 0})
 * on a linear scale.
 */
public final class SvgChart {

    /**
     * One bar of {@link #bars}.
     *
     * @param label the row label, left of the bar
     * @param value the bar's length in the chart's unit
     * @param group what colours the bar and names it in the legend: {@code baseline} (grey),
     *     {@code seed} (orange), {@code inferwire} (blue) and {@code lossy} (purple) have fixed
     *     colours, other groups take further colours in turn
     */
    public record Bar(String label, double value, String group) {

        /** Checks that the label and group are not null. */
        public Bar {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(group, "group");
        }
    }

    private static final Map<String, String> GROUP_COLOURS =
            Map.of("baseline", "#8c8c8c", "seed", "#f28e2b", "inferwire", "#4e79a7", "lossy", "#9467bd");
    private static final String[] OTHER_COLOURS = {"#59a14f", "#e15759", "#76b7b2", "#9c755f", "#ff9da7", "#edc948"};
    private static final String[] SERIES_COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#9467bd", "#e15759", "#76b7b2"};

    private static final String FONTS = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
    private static final double CHAR = 0.6;
    private static final int PAD = 16;
    private static final int TITLE = 15;
    private static final int FONT = 12;
    private static final int SMALL = 11;
    private static final int PLOT_WIDTH = 480;
    private static final int SWATCH = 11;
    private static final int LEGEND_ROW = 18;

    private SvgChart() {}

    /** A drawn bar: its value, fill and tooltip. */
    private record Item(double value, String colour, String name) {}

    /** One labelled row of the chart, holding one bar or one per series. */
    private record Block(String label, List<Item> items) {}

    /**
     * A chart with one bar per row, coloured by group, with a legend of the groups present.
     *
     * @param title the chart title
     * @param unit the unit of the values, shown under the axis (may be empty)
     * @param bars the bars, top to bottom
     * @param logScale whether the axis is logarithmic
     * @return the SVG document
     */
    public static String bars(String title, String unit, List<Bar> bars, boolean logScale) {
        Map<String, String> colours = new LinkedHashMap<>();
        int others = 0;
        List<Block> blocks = new ArrayList<>();
        for (Bar bar : bars) {
            if (!colours.containsKey(bar.group())) {
                String fixed = GROUP_COLOURS.get(bar.group());
                colours.put(bar.group(), fixed != null ? fixed : OTHER_COLOURS[others++ % OTHER_COLOURS.length]);
            }
            blocks.add(new Block(bar.label(), List.of(new Item(bar.value(), colours.get(bar.group()), bar.label()))));
        }
        return render(title, unit, blocks, colours, logScale, 18, 8);
    }

    /**
     * A chart with a block of bars per category, one bar per series (such as encode and
     * decode throughput per format), with a legend of the series.
     *
     * @param title the chart title
     * @param unit the unit of the values, shown under the axis (may be empty)
     * @param categories the row labels, top to bottom
     * @param series the series names, in the order of the bars within a block
     * @param values {@code values[category][series]}
     * @param logScale whether the axis is logarithmic
     * @return the SVG document
     * @throws IllegalArgumentException if {@code values} does not match the categories and series
     */
    public static String groupedBars(
            String title,
            String unit,
            List<String> categories,
            List<String> series,
            double[][] values,
            boolean logScale) {
        if (values.length != categories.size()) {
            throw new IllegalArgumentException(values.length + " value rows for " + categories.size() + " categories");
        }
        Map<String, String> colours = new LinkedHashMap<>();
        for (int s = 0; s < series.size(); s++) {
            colours.put(series.get(s), SERIES_COLOURS[s % SERIES_COLOURS.length]);
        }
        List<Block> blocks = new ArrayList<>();
        for (int c = 0; c < values.length; c++) {
            if (values[c].length != series.size()) {
                throw new IllegalArgumentException(values[c].length + " values for " + series.size() + " series");
            }
            List<Item> items = new ArrayList<>();
            for (int s = 0; s < series.size(); s++) {
                items.add(new Item(values[c][s], colours.get(series.get(s)), categories.get(c) + ", " + series.get(s)));
            }
            blocks.add(new Block(categories.get(c), items));
        }
        return render(title, unit, blocks, colours, logScale, 14, 12);
    }

    /**
     * Formats a value as the charts label it: {@code n/a} if not finite, whole numbers from
     * 100 up, three significant digits below that, and {@code 1.23e6} style from a million up
     * and below 0.001.
     *
     * @param value the value
     * @return the label
     */
    public static String format(double value) {
        if (!Double.isFinite(value)) {
            return "n/a";
        }
        if (value == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros();
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= 6 || exponent < -3) {
            return rounded.movePointLeft(exponent).toPlainString() + "e" + exponent;
        }
        return exponent >= 2 ? Long.toString(Math.round(value)) : rounded.toPlainString();
    }

    private static String render(
            String title,
            String unit,
            List<Block> blocks,
            Map<String, String> legend,
            boolean log,
            int barHeight,
            int gap) {
        Scale scale = Scale.of(blocks.stream().flatMap(b -> b.items().stream()).mapToDouble(Item::value), log);
        double labelWidth = 0;
        double valueWidth = textWidth(format(scale.ticks().getLast()), SMALL) / 2;
        for (Block block : blocks) {
            labelWidth = Math.max(labelWidth, textWidth(block.label(), FONT));
            for (Item item : block.items()) {
                valueWidth = Math.max(valueWidth, textWidth(valueLabel(item.value(), log), SMALL) + 4);
            }
        }
        double legendWidth = 0;
        for (String name : legend.keySet()) {
            legendWidth = Math.max(legendWidth, legendEntryWidth(name));
        }
        double plotX = Math.ceil(PAD + labelWidth + 8);
        double width = Math.ceil(Math.max(
                plotX + PLOT_WIDTH + valueWidth + PAD, 2 * PAD + Math.max(textWidth(title, TITLE), legendWidth)));

        StringBuilder body = new StringBuilder();
        text(body, PAD, PAD + TITLE, TITLE, "start", "#222", title, " font-weight=\"bold\"");
        double y = legend(body, legend, width, PAD + TITLE + 10);

        double plotTop = y + 6;
        double rowHeight = blocks.isEmpty() ? 0 : blocks.getFirst().items().size() * (barHeight + 2) - 2 + gap;
        double axisY = plotTop + blocks.size() * rowHeight;
        for (double tick : scale.ticks()) {
            double x = plotX + scale.fraction(tick) * PLOT_WIDTH;
            line(body, x, plotTop, x, axisY + 4, "#e3e3e3");
            text(body, x, axisY + 6 + SMALL, SMALL, "middle", "#555", format(tick), "");
        }
        for (int b = 0; b < blocks.size(); b++) {
            Block block = blocks.get(b);
            double top = plotTop + b * rowHeight + gap / 2.0;
            double blockHeight = rowHeight - gap;
            text(body, plotX - 8, top + blockHeight / 2 + FONT * 0.35, FONT, "end", "#222", block.label(), "");
            for (int i = 0; i < block.items().size(); i++) {
                bar(body, block.items().get(i), scale, plotX, top + i * (barHeight + 2), barHeight, unit);
            }
        }
        line(body, plotX, axisY, plotX + PLOT_WIDTH, axisY, "#888");
        line(body, plotX, plotTop, plotX, axisY, "#888");
        String caption = unit + (log ? (unit.isEmpty() ? "" : ", ") + "log scale" : "");
        text(body, plotX + PLOT_WIDTH / 2.0, axisY + 10 + SMALL + FONT, FONT, "middle", "#444", caption, "");
        double height = Math.ceil(axisY + 10 + SMALL + FONT + PAD);

        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width)
                + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height)
                + "\" font-family=\"" + FONTS + "\">\n"
                + "<title>" + xml(title) + "</title>\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
                + body
                + "</svg>\n";
    }

    /** Draws the legend from {@code top} down, wrapping to the chart width; returns the y below it. */
    private static double legend(StringBuilder out, Map<String, String> legend, double width, double top) {
        double x = PAD;
        double y = top;
        for (Map.Entry<String, String> e : legend.entrySet()) {
            double entry = legendEntryWidth(e.getKey());
            if (x > PAD && x + entry > width - PAD) {
                x = PAD;
                y += LEGEND_ROW;
            }
            out.append("<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n"
                    .formatted(num(x), num(y), SWATCH, SWATCH, e.getValue()));
            text(out, x + SWATCH + 4, y + SWATCH - 1, SMALL, "start", "#333", e.getKey(), "");
            x += entry + 14;
        }
        return legend.isEmpty() ? top : y + LEGEND_ROW;
    }

    private static void bar(StringBuilder out, Item item, Scale scale, double x, double y, int height, String unit) {
        double length = 0;
        if (scale.drawable(item.value())) {
            length = Math.max(1, scale.fraction(item.value()) * PLOT_WIDTH);
            String tooltip = item.name() + ": " + format(item.value()) + (unit.isEmpty() ? "" : " " + unit);
            out.append("<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"><title>%s</title></rect>\n"
                    .formatted(num(x), num(y), num(length), height, item.colour(), xml(tooltip)));
        }
        String label = valueLabel(item.value(), scale.log());
        text(out, x + length + 4, y + height / 2.0 + SMALL * 0.35, SMALL, "start", "#333", label, "");
    }

    private static String valueLabel(double value, boolean log) {
        return log && !(value > 0) ? "n/a" : format(value);
    }

    private static double legendEntryWidth(String name) {
        return SWATCH + 4 + textWidth(name, SMALL);
    }

    private static double textWidth(String s, int size) {
        return s.codePointCount(0, s.length()) * size * CHAR;
    }

    private static void text(
            StringBuilder out, double x, double y, int size, String anchor, String fill, String text, String extra) {
        out.append("<text x=\"%s\" y=\"%s\" font-size=\"%s\" text-anchor=\"%s\" fill=\"%s\"%s>%s</text>\n"
                .formatted(num(x), num(y), size, anchor, fill, extra, xml(text)));
    }

    private static void line(StringBuilder out, double x1, double y1, double x2, double y2, String stroke) {
        out.append(("<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1\""
                        + " shape-rendering=\"crispEdges\"/>\n")
                .formatted(num(x1), num(y1), num(x2), num(y2), stroke));
    }

    /** A coordinate with at most one decimal. */
    private static String num(double v) {
        double rounded = Math.round(v * 10) / 10.0;
        return rounded == Math.rint(rounded)
                ? Long.toString((long) rounded)
                : String.format(Locale.ROOT, "%.1f", rounded);
    }

    /**
     * The value axis, linear from zero or logarithmic, from its first tick to its last.
     *
     * @param log whether the axis is logarithmic
     * @param ticks the tick values, ascending
     */
    private record Scale(boolean log, List<Double> ticks) {

        /** A scale that fits the drawable values: 4 to 6 ticks (log: up to 7 at 1, 2 and 5 times 10^n). */
        static Scale of(DoubleStream values, boolean log) {
            DoubleSummaryStatistics drawn =
                    values.filter(v -> Double.isFinite(v) && v > 0).summaryStatistics();
            if (drawn.getCount() == 0) {
                return log ? new Scale(true, List.of(1.0, 10.0)) : new Scale(false, List.of(0.0, 1.0));
            }
            return new Scale(log, log ? logTicks(drawn.getMin(), drawn.getMax()) : linearTicks(drawn.getMax()));
        }

        /** Whether a value gets a bar (linear scales draw no bar for zero or negative values either). */
        boolean drawable(double value) {
            return Double.isFinite(value) && value > 0;
        }

        /** Where a drawable value falls between the first tick (0) and the last (1). */
        double fraction(double value) {
            double low = ticks.getFirst();
            double high = ticks.getLast();
            return log ? Math.log(value / low) / Math.log(high / low) : (value - low) / (high - low);
        }

        private static List<Double> linearTicks(double max) {
            double raw = max / 5;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = 10 * magnitude;
            for (double m : new double[] {1, 2, 2.5, 5}) {
                if (m * magnitude >= raw * (1 - 1e-9)) {
                    step = m * magnitude;
                    break;
                }
            }
            long intervals = (long) Math.ceil(max / step - 1e-9);
            List<Double> ticks = new ArrayList<>();
            for (long i = 0; i <= intervals; i++) {
                ticks.add(i * step);
            }
            return ticks;
        }

        /**
         * Ticks at 1, 2 and 5 times powers of ten where 4 to 7 of them span the values, else at
         * every power of ten, or every n-th, so that 4 to 6 do; the first tick lies at least 1.2
         * times below the smallest value, so that every bar shows.
         */
        private static List<Double> logTicks(double min, double max) {
            int low = 3 * (int) Math.floor(Math.log10(min)) + 2;
            while (step125(low) * 1.2 > min) {
                low--;
            }
            int high = low + 1;
            while (step125(high) < max) {
                high++;
            }
            for (boolean down = true; high - low < 3; down = !down) {
                low -= down ? 1 : 0;
                high += down ? 0 : 1;
            }
            List<Double> ticks = new ArrayList<>();
            if (high - low < 7) {
                for (int k = low; k <= high; k++) {
                    ticks.add(step125(k));
                }
                return ticks;
            }
            int first = Math.floorDiv(low, 3);
            int decades = Math.ceilDiv(high, 3) - first;
            int stride = Math.ceilDiv(decades, 5);
            for (int i = 0; i <= Math.ceilDiv(decades, stride); i++) {
                ticks.add(step125(3 * (first + i * stride)));
            }
            return ticks;
        }

        /** The k-th number of the sequence ..., 0.5, 1, 2, 5, 10, 20, ... (k = 0 at 1). */
        private static double step125(int k) {
            return Double.parseDouble("125".charAt(Math.floorMod(k, 3)) + "e" + Math.floorDiv(k, 3));
        }
    }

    /** Escapes text for XML content and attributes; characters XML 1.0 forbids become U+FFFD. */
    private static String xml(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default ->
                    out.append(
                            c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF
                                    ? '\uFFFD'
                                    : c);
            }
        }
        return out.toString();
    }
}
