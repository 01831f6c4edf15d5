package io.inferwire.schema;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FeatureSet.FieldPresence;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lists the changes from one version of a schema to the next that break the wire format or
 * its JSON mapping, like {@code buf breaking} at its WIRE_JSON level plus the removals its
 * FILE level reports.
 *
 * <p>Types are matched by full name across all files of a set, so moving a message to
 * another file is not a change; files are matched by name only to detect a changed package
 * (whose types are then compared under their new package). Reported as breaking:
 *
 * <ul>
 *   <li>a message or enum removed (a rename is a removal: full names appear in {@code Any});
 *   <li>a field removed without reserving its number and its name, a field's number
 *       changed, a number reused by another field;
 *   <li>a field renamed so that its JSON name changes, or its {@code json_name} changed;
 *   <li>a field type changed to one that is not wire-compatible (see below), or to another
 *       message or enum type;
 *   <li>cardinality: singular to repeated or back, required added or dropped, explicit
 *       presence dropped;
 *   <li>a field moved into, out of, or between oneofs; a proto2 default changed;
 *   <li>an enum value removed without reserving its number and name, renamed, or given
 *       another number;
 *   <li>a reserved number or name no longer reserved; a file's package changed.
 * </ul>
 *
 * <p>Wire-compatible type changes are reported as notes, each with its caveat: {@code int32},
 * {@code int64}, {@code uint32}, {@code uint64} and {@code bool} among themselves;
 * {@code sint32} and {@code sint64}; {@code fixed32} and {@code sfixed32}; {@code fixed64} and
 * {@code sfixed64}; {@code string} and {@code bytes} (only while the bytes are UTF-8, and the
 * JSON form changes to base64); a message and {@code bytes} holding its encoding. So are a
 * field gaining explicit presence, a rename that keeps the JSON name, and a oneof renamed
 * with the same members. Not checked:
 * services, extensions, options other than {@code json_name} and presence.
 */
public final class SchemaComparator {

    private final Index before;
    private final Index after;
    private final List<Finding> findings = new ArrayList<>();
    private final Set<String> renamedOneofs = new HashSet<>();

    private SchemaComparator(Index before, Index after) {
        this.before = before;
        this.after = after;
    }

    /**
     * Compares {@code before} with {@code after}.
     *
     * @return every breaking change and note, in the order of {@code before}'s files and
     *     declarations
     */
    public static List<Finding> compare(FileDescriptorSet before, FileDescriptorSet after) {
        List<Finding> packageChanges = new ArrayList<>();
        Map<String, String> renamed = new HashMap<>();
        Map<String, FileDescriptorProto> afterFiles = new HashMap<>();
        for (FileDescriptorProto f : after.getFileList()) {
            afterFiles.put(f.getName(), f);
        }
        for (FileDescriptorProto f : before.getFileList()) {
            FileDescriptorProto g = afterFiles.get(f.getName());
            if (g != null && !g.getPackage().equals(f.getPackage())) {
                renamed.put(f.getName(), g.getPackage());
                packageChanges.add(new Finding(
                        Finding.Level.BREAKING,
                        f.getName(),
                        "package " + orNone(f.getPackage()),
                        "changed to " + orNone(g.getPackage()) + " (every full name in the file changes)"));
            }
        }
        SchemaComparator c = new SchemaComparator(new Index(before, renamed), new Index(after, Map.of()));
        c.findings.addAll(packageChanges);
        c.run();
        return List.copyOf(c.findings);
    }

    /** The breaking findings of {@link #compare}. */
    public static List<Finding> breaking(FileDescriptorSet before, FileDescriptorSet after) {
        return compare(before, after).stream().filter(Finding::breaking).toList();
    }

    private void run() {
        for (Msg m : before.messages.values()) {
            Msg n = after.messages.get(m.name);
            if (n == null) {
                // A map's entry message goes with its field, which reports the change.
                if (!parentGone(m.name) && !m.proto.getOptions().getMapEntry()) {
                    breaking(
                            m.file,
                            display(m.name),
                            "message removed (a rename removes it too: full names are part of Any type URLs)");
                }
            } else {
                compareMessage(m, n);
            }
        }
        for (En e : before.enums.values()) {
            En n = after.enums.get(e.name);
            if (n == null) {
                if (!parentGone(e.name)) {
                    breaking(e.file, display(e.name), "enum removed");
                }
            } else {
                compareEnum(e, n);
            }
        }
    }

    /** A type nested in a removed message is reported with its parent, not on its own. */
    private boolean parentGone(String name) {
        String parent = name.substring(0, name.lastIndexOf('.'));
        return before.messages.containsKey(parent) && !after.messages.containsKey(parent);
    }

    private void compareMessage(Msg m, Msg n) {
        String file = n.file;
        Map<Integer, FieldDescriptorProto> byNumber = new HashMap<>();
        Map<String, FieldDescriptorProto> byName = new HashMap<>();
        for (FieldDescriptorProto f : n.proto.getFieldList()) {
            byNumber.put(f.getNumber(), f);
            byName.put(f.getName(), f);
        }
        for (FieldDescriptorProto f : m.proto.getFieldList()) {
            String el = display(m.name) + "." + f.getName() + " (#" + f.getNumber() + ")";
            FieldDescriptorProto g = byNumber.get(f.getNumber());
            if (g == null) {
                FieldDescriptorProto moved = byName.get(f.getName());
                if (moved != null) {
                    breaking(file, el, "number changed from " + f.getNumber() + " to " + moved.getNumber());
                    continue;
                }
                boolean number = reserved(messageRanges(n.proto), f.getNumber());
                boolean name = n.proto.getReservedNameList().contains(f.getName());
                if (!number || !name) {
                    breaking(file, el, "field removed" + unreserved(number, name, f.getName()));
                }
                continue;
            }
            compareField(file, el, m, f, n, g, byName);
        }
        compareReserved(
                file,
                display(m.name),
                messageRanges(m.proto),
                messageRanges(n.proto),
                m.proto.getReservedNameList(),
                n.proto.getReservedNameList(),
                byNumber.keySet(),
                byName.keySet(),
                "field");
    }

    private void compareField(
            String file,
            String el,
            Msg m,
            FieldDescriptorProto f,
            Msg n,
            FieldDescriptorProto g,
            Map<String, FieldDescriptorProto> byName) {
        String oldJson = jsonName(f);
        String newJson = jsonName(g);
        if (!f.getName().equals(g.getName())) {
            FieldDescriptorProto same = byName.get(f.getName());
            if (same != null) {
                breaking(
                        file,
                        el,
                        "number reused by field " + g.getName() + " (" + f.getName() + " moved to #" + same.getNumber()
                                + ")");
                return;
            }
            if (!oldJson.equals(newJson)) {
                breaking(
                        file,
                        el,
                        "field renamed to " + g.getName() + " (its JSON name \"" + oldJson + "\" becomes \"" + newJson
                                + "\")");
            } else {
                note(
                        file,
                        el,
                        "field renamed to " + g.getName() + " (same JSON name \"" + newJson
                                + "\"; the text format and generated code change)");
            }
        } else if (!oldJson.equals(newJson)) {
            breaking(file, el, "JSON name changed from \"" + oldJson + "\" to \"" + newJson + "\"");
        }
        compareType(file, el, f, g);

        String oldOneof = oneof(m.proto, f);
        String newOneof = oneof(n.proto, g);
        boolean renamedOneof = oldOneof != null
                && newOneof != null
                && !oldOneof.equals(newOneof)
                && sameMembers(m.proto, oldOneof, n.proto, newOneof);
        boolean sameOneof = renamedOneof || (oldOneof == null ? newOneof == null : oldOneof.equals(newOneof));
        Cardinality was = cardinality(m, f);
        Cardinality is = cardinality(n, g);
        // Presence follows from a oneof or a message type: a change of those is reported as such.
        boolean presenceOnly = (was == Cardinality.IMPLICIT || was == Cardinality.EXPLICIT)
                && (is == Cardinality.IMPLICIT || is == Cardinality.EXPLICIT);
        boolean presenceFollows = !sameOneof || isMessage(f.getType()) != isMessage(g.getType());
        if (was != is && !(presenceOnly && presenceFollows)) {
            if (was == Cardinality.IMPLICIT && is == Cardinality.EXPLICIT) {
                note(
                        file,
                        el,
                        "gained explicit presence (wire-compatible; old writers never send a default value, so"
                                + " it reads as unset)");
            } else if (was == Cardinality.EXPLICIT && is == Cardinality.IMPLICIT) {
                breaking(
                        file,
                        el,
                        "lost explicit presence (a value equal to the default is no longer sent, and readers"
                                + " cannot tell it from unset)");
            } else {
                breaking(file, el, "changed from " + was.words + " to " + is.words);
            }
        }

        if (oldOneof == null && newOneof != null) {
            breaking(file, el, "moved into oneof " + newOneof);
        } else if (oldOneof != null && newOneof == null) {
            breaking(file, el, "moved out of oneof " + oldOneof);
        } else if (renamedOneof) {
            if (renamedOneofs.add(m.name + "." + oldOneof)) {
                note(
                        file,
                        display(m.name),
                        "oneof " + oldOneof + " renamed to " + newOneof
                                + " (same members; the wire and JSON do not carry oneof names, generated code does)");
            }
        } else if (oldOneof != null && !oldOneof.equals(newOneof)) {
            breaking(file, el, "moved from oneof " + oldOneof + " to oneof " + newOneof);
        }

        if (!f.getDefaultValue().equals(g.getDefaultValue())) {
            breaking(
                    file,
                    el,
                    "default changed from " + orNone(f.getDefaultValue()) + " to " + orNone(g.getDefaultValue()));
        }
    }

    private void compareType(String file, String el, FieldDescriptorProto f, FieldDescriptorProto g) {
        Type was = f.getType();
        Type is = g.getType();
        String oldName = before.canonical(f.getTypeName());
        String newName = g.getTypeName();
        if (was == is) {
            if (!named(was) || oldName.equals(newName)) {
                return;
            }
            Msg oldEntry = before.messages.get(oldName);
            Msg newEntry = after.messages.get(newName);
            if (oldEntry != null
                    && newEntry != null
                    && oldEntry.proto.getOptions().getMapEntry()
                    && newEntry.proto.getOptions().getMapEntry()
                    && oldEntry.proto.getFieldCount() == 2
                    && newEntry.proto.getFieldCount() == 2) {
                // A renamed map field renames its entry message; what matters is its key and value.
                compareType(file, el + " map key", oldEntry.proto.getField(0), newEntry.proto.getField(0));
                compareType(file, el + " map value", oldEntry.proto.getField(1), newEntry.proto.getField(1));
                return;
            }
            breaking(file, el, "type changed from " + typeName(was, oldName) + " to " + typeName(is, newName));
            return;
        }
        String change = "type changed from " + typeName(was, oldName) + " to " + typeName(is, newName);
        String caveat = compatibleCaveat(was, is);
        if (caveat == null) {
            breaking(file, el, change + " (not wire-compatible)");
        } else {
            note(file, el, change + " (wire-compatible: " + caveat + ")");
        }
    }

    /** Why a wire-compatible type change still deserves care, or null when it is not compatible. */
    static String compatibleCaveat(Type a, Type b) {
        Set<Type> pair = Set.of(a, b);
        Set<Type> varint = Set.of(Type.TYPE_INT32, Type.TYPE_INT64, Type.TYPE_UINT32, Type.TYPE_UINT64, Type.TYPE_BOOL);
        if (varint.containsAll(pair)) {
            if (pair.contains(Type.TYPE_BOOL)) {
                return "a bool reader takes any non-zero value as true, and JSON writes true/false, not a number";
            }
            List<String> why = new ArrayList<>();
            if (width(a) != width(b)) {
                why.add("values outside 32 bits are truncated by the 32-bit side");
            }
            if (unsigned(a) != unsigned(b)) {
                why.add("negative values read as large unsigned ones");
            }
            return String.join("; ", why);
        }
        if (pair.equals(Set.of(Type.TYPE_SINT32, Type.TYPE_SINT64))) {
            return "values outside 32 bits are truncated by the 32-bit side";
        }
        if (pair.equals(Set.of(Type.TYPE_FIXED32, Type.TYPE_SFIXED32))
                || pair.equals(Set.of(Type.TYPE_FIXED64, Type.TYPE_SFIXED64))) {
            return "values with the top bit set change sign";
        }
        if (pair.equals(Set.of(Type.TYPE_STRING, Type.TYPE_BYTES))) {
            return "only while every value is valid UTF-8, and JSON writes bytes as base64, a string as text";
        }
        if (pair.equals(Set.of(Type.TYPE_MESSAGE, Type.TYPE_BYTES))) {
            return "the bytes hold the encoded message; JSON writes bytes as base64, a message as an object";
        }
        return null;
    }

    private static int width(Type t) {
        return t == Type.TYPE_INT64 || t == Type.TYPE_UINT64 ? 64 : 32;
    }

    private static boolean unsigned(Type t) {
        return t == Type.TYPE_UINT32 || t == Type.TYPE_UINT64;
    }

    private static boolean isMessage(Type t) {
        return t == Type.TYPE_MESSAGE || t == Type.TYPE_GROUP;
    }

    private static boolean named(Type t) {
        return t == Type.TYPE_MESSAGE || t == Type.TYPE_GROUP || t == Type.TYPE_ENUM;
    }

    private static String typeName(Type t, String name) {
        String scalar = t.name().substring("TYPE_".length()).toLowerCase(java.util.Locale.ROOT);
        return named(t) ? scalar + " " + display(name) : scalar;
    }

    private void compareEnum(En e, En n) {
        String file = n.file;
        Map<Integer, EnumValueDescriptorProto> byNumber = new HashMap<>();
        Map<String, EnumValueDescriptorProto> byName = new HashMap<>();
        for (EnumValueDescriptorProto v : n.proto.getValueList()) {
            byNumber.putIfAbsent(v.getNumber(), v);
            byName.put(v.getName(), v);
        }
        for (EnumValueDescriptorProto v : e.proto.getValueList()) {
            String el = display(e.name) + "." + v.getName() + " (#" + v.getNumber() + ")";
            EnumValueDescriptorProto same = byName.get(v.getName());
            if (same != null) {
                if (same.getNumber() != v.getNumber()) {
                    breaking(file, el, "number changed from " + v.getNumber() + " to " + same.getNumber());
                }
                continue;
            }
            EnumValueDescriptorProto other = byNumber.get(v.getNumber());
            if (other != null) {
                breaking(
                        file,
                        el,
                        "enum value renamed to " + other.getName() + " (JSON and the text format carry the name)");
                continue;
            }
            boolean number = reserved(enumRanges(n.proto), v.getNumber());
            boolean name = n.proto.getReservedNameList().contains(v.getName());
            if (!number || !name) {
                breaking(file, el, "enum value removed" + unreserved(number, name, v.getName()));
            }
        }
        compareReserved(
                file,
                display(e.name),
                enumRanges(e.proto),
                enumRanges(n.proto),
                e.proto.getReservedNameList(),
                n.proto.getReservedNameList(),
                byNumber.keySet(),
                byName.keySet(),
                "value");
    }

    private static String unreserved(boolean number, boolean name, String what) {
        if (!number && !name) {
            return " without reserving its number or its name";
        }
        if (!number) {
            return " without reserving its number (its name is reserved)";
        }
        return " without reserving its name \"" + what + "\" (its number is reserved; JSON could reuse the name)";
    }

    /** Reports every reserved number or name of the old version that the new one does not reserve. */
    private void compareReserved(
            String file,
            String el,
            List<long[]> was,
            List<long[]> is,
            List<String> wasNames,
            List<String> isNames,
            Set<Integer> usedNumbers,
            Set<String> usedNames,
            String kind) {
        for (long[] r : was) {
            for (long[] gap : uncovered(r[0], r[1], is)) {
                String numbers = gap[1] - gap[0] == 1
                        ? "reserved number " + gap[0]
                        : "reserved numbers " + gap[0] + " to " + (gap[1] - 1);
                List<Integer> used = usedNumbers.stream()
                        .filter(x -> x >= gap[0] && x < gap[1])
                        .sorted()
                        .toList();
                breaking(
                        file,
                        el,
                        used.isEmpty()
                                ? numbers + " no longer reserved"
                                : numbers + " no longer reserved: " + kind + " number(s) " + used + " reuse them");
            }
        }
        Set<String> keep = new HashSet<>(isNames);
        for (String name : wasNames) {
            if (!keep.contains(name)) {
                breaking(
                        file,
                        el,
                        "reserved name \"" + name + "\" no longer reserved"
                                + (usedNames.contains(name) ? ": a " + kind + " reuses it" : ""));
            }
        }
    }

    /** The parts of {@code [start, end)} that none of {@code ranges} (each {@code [start, end)}) covers. */
    static List<long[]> uncovered(long start, long end, List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> gaps = new ArrayList<>();
        long at = start;
        for (long[] r : sorted) {
            if (at >= end) {
                break;
            }
            if (r[1] <= at) {
                continue;
            }
            if (r[0] > at) {
                gaps.add(new long[] {at, Math.min(r[0], end)});
            }
            at = Math.max(at, r[1]);
        }
        if (at < end) {
            gaps.add(new long[] {at, end});
        }
        return gaps;
    }

    private static boolean reserved(List<long[]> ranges, int number) {
        return ranges.stream().anyMatch(r -> number >= r[0] && number < r[1]);
    }

    /** Message reserved ranges, end exclusive as in the descriptor. */
    private static List<long[]> messageRanges(DescriptorProto m) {
        return m.getReservedRangeList().stream()
                .map(r -> new long[] {r.getStart(), r.getEnd()})
                .toList();
    }

    /** Enum reserved ranges, made end exclusive (the descriptor's end is inclusive). */
    private static List<long[]> enumRanges(EnumDescriptorProto e) {
        return e.getReservedRangeList().stream()
                .map(r -> new long[] {r.getStart(), (long) r.getEnd() + 1})
                .toList();
    }

    private enum Cardinality {
        REQUIRED("required"),
        REPEATED("repeated"),
        EXPLICIT("singular with explicit presence"),
        IMPLICIT("singular with implicit presence");

        final String words;

        Cardinality(String words) {
            this.words = words;
        }
    }

    private static Cardinality cardinality(Msg m, FieldDescriptorProto f) {
        if (f.getLabel() == Label.LABEL_REPEATED) {
            return Cardinality.REPEATED;
        }
        FieldPresence presence = f.getOptions().getFeatures().hasFieldPresence()
                ? f.getOptions().getFeatures().getFieldPresence()
                : m.presence;
        if (f.getLabel() == Label.LABEL_REQUIRED || presence == FieldPresence.LEGACY_REQUIRED) {
            return Cardinality.REQUIRED;
        }
        if (isMessage(f.getType()) || f.hasOneofIndex() || f.getProto3Optional()) {
            return Cardinality.EXPLICIT;
        }
        return presence == FieldPresence.IMPLICIT ? Cardinality.IMPLICIT : Cardinality.EXPLICIT;
    }

    /**
     * Whether oneof {@code a} of {@code m} is oneof {@code b} of {@code n} renamed: the same
     * fields of the old version, plus only new ones.
     */
    private static boolean sameMembers(DescriptorProto m, String a, DescriptorProto n, String b) {
        Set<Integer> old = new HashSet<>();
        for (FieldDescriptorProto f : m.getFieldList()) {
            old.add(f.getNumber());
        }
        Set<Integer> was = new HashSet<>();
        for (FieldDescriptorProto f : m.getFieldList()) {
            if (a.equals(oneof(m, f))) {
                was.add(f.getNumber());
            }
        }
        Set<Integer> is = new HashSet<>();
        for (FieldDescriptorProto f : n.getFieldList()) {
            if (b.equals(oneof(n, f)) && old.contains(f.getNumber())) {
                is.add(f.getNumber());
            }
        }
        return was.equals(is);
    }

    /** The field's real oneof, or null (the synthetic oneof of a proto3 {@code optional} is none). */
    private static String oneof(DescriptorProto m, FieldDescriptorProto f) {
        if (!f.hasOneofIndex() || f.getProto3Optional()) {
            return null;
        }
        return m.getOneofDecl(f.getOneofIndex()).getName();
    }

    /** The JSON name protoc derives (lowerCamelCase of the field name) unless json_name sets one. */
    static String jsonName(FieldDescriptorProto f) {
        if (f.hasJsonName()) {
            return f.getJsonName();
        }
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : f.getName().toCharArray()) {
            if (c == '_') {
                upper = true;
            } else if (upper) {
                b.append(Character.toUpperCase(c));
                upper = false;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String display(String name) {
        return name.startsWith(".") ? name.substring(1) : name;
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "(none)" : s;
    }

    private void breaking(String file, String element, String what) {
        findings.add(new Finding(Finding.Level.BREAKING, file, element, what));
    }

    private void note(String file, String element, String what) {
        findings.add(new Finding(Finding.Level.NOTE, file, element, what));
    }

    /** A message with its full name (leading dot), its file, and the presence its fields default to. */
    private record Msg(String file, String name, DescriptorProto proto, FieldPresence presence) {}

    private record En(String file, String name, EnumDescriptorProto proto) {}

    /** Every message and enum of a set by full name, the old ones under their file's new package. */
    private static final class Index {
        final Map<String, Msg> messages = new LinkedHashMap<>();
        final Map<String, En> enums = new LinkedHashMap<>();
        private final Map<String, String> canonical = new HashMap<>();

        Index(FileDescriptorSet set, Map<String, String> renamedPackages) {
            for (FileDescriptorProto f : set.getFileList()) {
                String raw = scope(f.getPackage());
                String canon = scope(renamedPackages.getOrDefault(f.getName(), f.getPackage()));
                FieldPresence presence = filePresence(f);
                for (DescriptorProto m : f.getMessageTypeList()) {
                    add(f.getName(), raw, canon, m, presence);
                }
                for (EnumDescriptorProto e : f.getEnumTypeList()) {
                    enums.put(canon + e.getName(), new En(f.getName(), canon + e.getName(), e));
                    canonical.put(raw + e.getName(), canon + e.getName());
                }
            }
        }

        private void add(String file, String raw, String canon, DescriptorProto m, FieldPresence inherited) {
            String r = raw + m.getName();
            String c = canon + m.getName();
            FieldPresence presence = m.getOptions().getFeatures().hasFieldPresence()
                    ? m.getOptions().getFeatures().getFieldPresence()
                    : inherited;
            messages.put(c, new Msg(file, c, m, presence));
            canonical.put(r, c);
            for (DescriptorProto n : m.getNestedTypeList()) {
                add(file, r + ".", c + ".", n, presence);
            }
            for (EnumDescriptorProto e : m.getEnumTypeList()) {
                enums.put(c + "." + e.getName(), new En(file, c + "." + e.getName(), e));
                canonical.put(r + "." + e.getName(), c + "." + e.getName());
            }
        }

        /** The full name a type reference of this set has after package renames. */
        String canonical(String typeName) {
            return canonical.getOrDefault(typeName, typeName);
        }

        private static String scope(String pkg) {
            return pkg.isEmpty() ? "." : "." + pkg + ".";
        }

        private static FieldPresence filePresence(FileDescriptorProto f) {
            if (f.getOptions().getFeatures().hasFieldPresence()) {
                return f.getOptions().getFeatures().getFieldPresence();
            }
            return "proto3".equals(f.getSyntax()) ? FieldPresence.IMPLICIT : FieldPresence.EXPLICIT;
        }
    }
}
