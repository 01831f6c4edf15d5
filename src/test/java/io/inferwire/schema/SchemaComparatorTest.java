package io.inferwire.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each rule of {@link SchemaComparator} on a pair of small schemas built as descriptors. */
class SchemaComparatorTest {

    // ---- builders: file t.proto, package t, proto3 unless said otherwise

    static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(Label.LABEL_OPTIONAL);
    }

    static FieldDescriptorProto.Builder ref(String name, int number, Type type, String typeName) {
        return field(name, number, type).setTypeName(typeName);
    }

    static DescriptorProto.Builder message(String name, FieldDescriptorProto.Builder... fields) {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto.Builder f : fields) {
            m.addField(f);
        }
        return m;
    }

    static EnumDescriptorProto.Builder enumOf(String name, Object... nameNumber) {
        EnumDescriptorProto.Builder e = EnumDescriptorProto.newBuilder().setName(name);
        for (int i = 0; i < nameNumber.length; i += 2) {
            e.addValue(EnumValueDescriptorProto.newBuilder()
                    .setName((String) nameNumber[i])
                    .setNumber((Integer) nameNumber[i + 1]));
        }
        return e;
    }

    static FileDescriptorProto.Builder file(String syntax, Object... types) {
        FileDescriptorProto.Builder f =
                FileDescriptorProto.newBuilder().setName("t.proto").setPackage("t");
        if (!syntax.equals("proto2")) {
            f.setSyntax(syntax);
        }
        for (Object t : types) {
            if (t instanceof DescriptorProto.Builder m) {
                f.addMessageType(m);
            } else {
                f.addEnumType((EnumDescriptorProto.Builder) t);
            }
        }
        return f;
    }

    static FileDescriptorSet set(FileDescriptorProto.Builder... files) {
        FileDescriptorSet.Builder s = FileDescriptorSet.newBuilder();
        for (FileDescriptorProto.Builder f : files) {
            s.addFile(f);
        }
        return s.build();
    }

    /** Proto3 files holding the given messages and enums. */
    static FileDescriptorSet p3(Object... types) {
        return set(file("proto3", types));
    }

    static List<String> lines(FileDescriptorSet before, FileDescriptorSet after) {
        return SchemaComparator.compare(before, after).stream()
                .map(Finding::toString)
                .toList();
    }

    static void assertFindings(FileDescriptorSet before, FileDescriptorSet after, String... expected) {
        assertEquals(List.of(expected), lines(before, after));
    }

    static DescriptorProto.Builder ab() {
        return message("M", field("a", 1, Type.TYPE_INT32), field("b", 2, Type.TYPE_STRING));
    }

    // ---- fields

    @Test
    void identicalSchemasHaveNoFindings() {
        assertFindings(p3(ab(), enumOf("E", "E_UNSPECIFIED", 0)), p3(ab(), enumOf("E", "E_UNSPECIFIED", 0)));
    }

    @Test
    void aRemovedFieldMustReserveItsNumberAndName() {
        DescriptorProto.Builder a = message("M", field("a", 1, Type.TYPE_INT32));
        assertFindings(
                p3(ab()),
                p3(a.clone()),
                "BREAKING t.proto: t.M.b (#2): field removed without reserving its number or its name");
        assertFindings(
                p3(ab()),
                p3(a.clone()
                        .addReservedRange(DescriptorProto.ReservedRange.newBuilder()
                                .setStart(2)
                                .setEnd(3))),
                "BREAKING t.proto: t.M.b (#2): field removed without reserving its name \"b\" (its number is"
                        + " reserved; JSON could reuse the name)");
        assertFindings(
                p3(ab()),
                p3(a.clone().addReservedName("b")),
                "BREAKING t.proto: t.M.b (#2): field removed without reserving its number (its name is reserved)");
        assertFindings(
                p3(ab()),
                p3(a.clone()
                        .addReservedRange(DescriptorProto.ReservedRange.newBuilder()
                                .setStart(2)
                                .setEnd(5))
                        .addReservedName("b")));
    }

    @Test
    void aFieldNumberChangeAndANumberReuseBreak() {
        assertFindings(
                p3(ab()),
                p3(message("M", field("a", 1, Type.TYPE_INT32), field("b", 3, Type.TYPE_STRING))),
                "BREAKING t.proto: t.M.b (#2): number changed from 2 to 3");
        assertFindings(
                p3(message("M", field("a", 1, Type.TYPE_INT32))),
                p3(message("M", field("c", 1, Type.TYPE_INT32), field("a", 2, Type.TYPE_INT32))),
                "BREAKING t.proto: t.M.a (#1): number reused by field c (a moved to #2)");
    }

    @Test
    void aRenameBreaksWhenItChangesTheJsonName() {
        DescriptorProto.Builder before = message("M", field("max_len", 1, Type.TYPE_INT32));
        assertFindings(
                p3(before),
                p3(message("M", field("limit", 1, Type.TYPE_INT32))),
                "BREAKING t.proto: t.M.max_len (#1): field renamed to limit (its JSON name \"maxLen\" becomes"
                        + " \"limit\")");
        assertFindings(
                p3(before),
                p3(message("M", field("maxLen", 1, Type.TYPE_INT32))),
                "NOTE t.proto: t.M.max_len (#1): field renamed to maxLen (same JSON name \"maxLen\"; the text"
                        + " format and generated code change)");
        assertFindings(
                p3(before),
                p3(message("M", field("max_len", 1, Type.TYPE_INT32).setJsonName("maxLength"))),
                "BREAKING t.proto: t.M.max_len (#1): JSON name changed from \"maxLen\" to \"maxLength\"");
        // protoc writes the derived json_name into descriptor sets; a builder leaves it out: same thing.
        assertFindings(
                p3(before), p3(message("M", field("max_len", 1, Type.TYPE_INT32).setJsonName("maxLen"))));
    }

    static Stream<Arguments> incompatibleTypes() {
        return Stream.of(
                Arguments.of(Type.TYPE_INT32, Type.TYPE_SINT32),
                Arguments.of(Type.TYPE_INT64, Type.TYPE_SINT64),
                Arguments.of(Type.TYPE_INT32, Type.TYPE_FIXED32),
                Arguments.of(Type.TYPE_UINT64, Type.TYPE_FIXED64),
                Arguments.of(Type.TYPE_FIXED32, Type.TYPE_FIXED64),
                Arguments.of(Type.TYPE_SFIXED32, Type.TYPE_FLOAT),
                Arguments.of(Type.TYPE_DOUBLE, Type.TYPE_FLOAT),
                Arguments.of(Type.TYPE_DOUBLE, Type.TYPE_FIXED64),
                Arguments.of(Type.TYPE_INT32, Type.TYPE_STRING),
                Arguments.of(Type.TYPE_BOOL, Type.TYPE_SINT32),
                Arguments.of(Type.TYPE_STRING, Type.TYPE_FLOAT));
    }

    @ParameterizedTest
    @MethodSource("incompatibleTypes")
    void aWireIncompatibleTypeChangeBreaks(Type was, Type is) {
        String a = was.name().substring(5).toLowerCase(java.util.Locale.ROOT);
        String b = is.name().substring(5).toLowerCase(java.util.Locale.ROOT);
        assertFindings(
                p3(message("M", field("x", 1, was))),
                p3(message("M", field("x", 1, is))),
                "BREAKING t.proto: t.M.x (#1): type changed from " + a + " to " + b + " (not wire-compatible)");
        assertFindings(
                p3(message("M", field("x", 1, is))),
                p3(message("M", field("x", 1, was))),
                "BREAKING t.proto: t.M.x (#1): type changed from " + b + " to " + a + " (not wire-compatible)");
    }

    static Stream<Arguments> compatibleTypes() {
        return Stream.of(
                Arguments.of(Type.TYPE_INT32, Type.TYPE_INT64, "values outside 32 bits are truncated"),
                Arguments.of(Type.TYPE_INT32, Type.TYPE_UINT32, "negative values read as large unsigned ones"),
                Arguments.of(Type.TYPE_INT64, Type.TYPE_UINT64, "negative values"),
                Arguments.of(Type.TYPE_UINT32, Type.TYPE_UINT64, "values outside 32 bits"),
                Arguments.of(Type.TYPE_INT32, Type.TYPE_BOOL, "a bool reader takes any non-zero value as true"),
                Arguments.of(Type.TYPE_UINT64, Type.TYPE_BOOL, "JSON writes true/false"),
                Arguments.of(Type.TYPE_SINT32, Type.TYPE_SINT64, "values outside 32 bits"),
                Arguments.of(Type.TYPE_FIXED32, Type.TYPE_SFIXED32, "top bit set change sign"),
                Arguments.of(Type.TYPE_FIXED64, Type.TYPE_SFIXED64, "top bit set change sign"),
                Arguments.of(Type.TYPE_STRING, Type.TYPE_BYTES, "only while every value is valid UTF-8"));
    }

    @ParameterizedTest
    @MethodSource("compatibleTypes")
    void aWireCompatibleTypeChangeIsANoteWithItsCaveat(Type was, Type is, String caveat) {
        for (var pair : List.of(List.of(was, is), List.of(is, was))) {
            List<Finding> f = SchemaComparator.compare(
                    p3(message("M", field("x", 1, pair.get(0)))), p3(message("M", field("x", 1, pair.get(1)))));
            assertEquals(1, f.size(), f.toString());
            assertEquals(Finding.Level.NOTE, f.get(0).level(), f.toString());
            assertTrue(
                    f.get(0).what().contains("(wire-compatible: ")
                            && f.get(0).what().contains(caveat),
                    f.toString());
            assertEquals(
                    List.of(),
                    SchemaComparator.breaking(
                            p3(message("M", field("x", 1, pair.get(0)))),
                            p3(message("M", field("x", 1, pair.get(1))))));
        }
    }

    @Test
    void aMessageAndBytesHoldingItAreWireCompatible() {
        DescriptorProto.Builder inner = message("Inner", field("v", 1, Type.TYPE_INT32));
        FileDescriptorSet asMessage = p3(inner, message("M", ref("x", 1, Type.TYPE_MESSAGE, ".t.Inner")));
        FileDescriptorSet asBytes = p3(inner, message("M", field("x", 1, Type.TYPE_BYTES)));
        assertFindings(
                asMessage,
                asBytes,
                "NOTE t.proto: t.M.x (#1): type changed from message t.Inner to bytes (wire-compatible: the bytes"
                        + " hold the encoded message; JSON writes bytes as base64, a message as an object)");
        assertEquals(List.of(), SchemaComparator.breaking(asBytes, asMessage));
    }

    @Test
    void anotherMessageOrEnumTypeBreaks() {
        DescriptorProto.Builder a = message("A", field("v", 1, Type.TYPE_INT32));
        DescriptorProto.Builder b = message("B", field("v", 1, Type.TYPE_INT32));
        EnumDescriptorProto.Builder e = enumOf("E", "E_ZERO", 0);
        EnumDescriptorProto.Builder f = enumOf("F", "F_ZERO", 0);
        assertFindings(
                p3(a, b, message("M", ref("x", 1, Type.TYPE_MESSAGE, ".t.A"))),
                p3(a, b, message("M", ref("x", 1, Type.TYPE_MESSAGE, ".t.B"))),
                "BREAKING t.proto: t.M.x (#1): type changed from message t.A to message t.B");
        assertFindings(
                p3(e, f, message("M", ref("x", 1, Type.TYPE_ENUM, ".t.E"))),
                p3(e, f, message("M", ref("x", 1, Type.TYPE_ENUM, ".t.F"))),
                "BREAKING t.proto: t.M.x (#1): type changed from enum t.E to enum t.F");
        // An enum is a varint on the wire, but JSON carries its value names.
        assertFindings(
                p3(e, message("M", ref("x", 1, Type.TYPE_ENUM, ".t.E"))),
                p3(e, message("M", field("x", 1, Type.TYPE_INT32))),
                "BREAKING t.proto: t.M.x (#1): type changed from enum t.E to int32 (not wire-compatible)");
    }

    static DescriptorProto.Builder mapEntry(String name, Type value) {
        return message(name, field("key", 1, Type.TYPE_STRING), field("value", 2, value))
                .setOptions(MessageOptions.newBuilder().setMapEntry(true));
    }

    @Test
    void aMapComparesItsKeyAndValueTypes() {
        FileDescriptorSet before = p3(message(
                        "M",
                        ref("labels", 1, Type.TYPE_MESSAGE, ".t.M.LabelsEntry").setLabel(Label.LABEL_REPEATED))
                .addNestedType(mapEntry("LabelsEntry", Type.TYPE_STRING)));
        FileDescriptorSet sameValues = p3(message(
                        "M",
                        ref("labels", 1, Type.TYPE_MESSAGE, ".t.M.LabelsEntry").setLabel(Label.LABEL_REPEATED))
                .addNestedType(mapEntry("LabelsEntry", Type.TYPE_STRING)));
        FileDescriptorSet intValues = p3(message(
                        "M",
                        ref("labels", 1, Type.TYPE_MESSAGE, ".t.M.LabelsEntry").setLabel(Label.LABEL_REPEATED))
                .addNestedType(mapEntry("LabelsEntry", Type.TYPE_INT32)));
        FileDescriptorSet renamed = p3(
                message("M", ref("tags", 1, Type.TYPE_MESSAGE, ".t.M.TagsEntry").setLabel(Label.LABEL_REPEATED))
                        .addNestedType(mapEntry("TagsEntry", Type.TYPE_STRING)));
        assertFindings(before, sameValues);
        assertFindings(
                before,
                intValues,
                "BREAKING t.proto: t.M.LabelsEntry.value (#2): type changed from string to int32 (not"
                        + " wire-compatible)");
        assertFindings(
                before,
                renamed,
                "BREAKING t.proto: t.M.labels (#1): field renamed to tags (its JSON name \"labels\" becomes"
                        + " \"tags\")");
    }

    // ---- cardinality and presence

    static FieldDescriptorProto.Builder proto3Optional(String name, int number, Type type) {
        return field(name, number, type).setProto3Optional(true).setOneofIndex(0);
    }

    @Test
    void cardinalityChangesBreak() {
        assertFindings(
                p3(message("M", field("x", 1, Type.TYPE_INT32))),
                p3(message("M", field("x", 1, Type.TYPE_INT32).setLabel(Label.LABEL_REPEATED))),
                "BREAKING t.proto: t.M.x (#1): changed from singular with implicit presence to repeated");
        assertFindings(
                p3(message("M", field("x", 1, Type.TYPE_STRING).setLabel(Label.LABEL_REPEATED))),
                p3(message("M", field("x", 1, Type.TYPE_STRING))),
                "BREAKING t.proto: t.M.x (#1): changed from repeated to singular with implicit presence");
        assertFindings(
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32)))),
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32).setLabel(Label.LABEL_REQUIRED)))),
                "BREAKING t.proto: t.M.x (#1): changed from singular with explicit presence to required");
        assertFindings(
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32).setLabel(Label.LABEL_REQUIRED)))),
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32)))),
                "BREAKING t.proto: t.M.x (#1): changed from required to singular with explicit presence");
    }

    @Test
    void droppingExplicitPresenceBreaksAddingItIsANote() {
        FileDescriptorSet optional = p3(message("M", proto3Optional("x", 1, Type.TYPE_FIXED32))
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_x")));
        FileDescriptorSet plain = p3(message("M", field("x", 1, Type.TYPE_FIXED32)));
        assertFindings(
                optional,
                plain,
                "BREAKING t.proto: t.M.x (#1): lost explicit presence (a value equal to the default is no longer"
                        + " sent, and readers cannot tell it from unset)");
        assertFindings(
                plain,
                optional,
                "NOTE t.proto: t.M.x (#1): gained explicit presence (wire-compatible; old writers never send a"
                        + " default value, so it reads as unset)");
        // proto2 optional to proto3 optional: explicit both times, and the synthetic oneof is no oneof.
        assertFindings(set(file("proto2", message("M", field("x", 1, Type.TYPE_FIXED32)))), optional);
    }

    // ---- oneofs

    @Test
    void movingAFieldIntoOutOfOrBetweenOneofsBreaks() {
        OneofDescriptorProto.Builder p = OneofDescriptorProto.newBuilder().setName("payload");
        OneofDescriptorProto.Builder q = OneofDescriptorProto.newBuilder().setName("other");
        FileDescriptorSet plain = p3(message("M", field("a", 1, Type.TYPE_STRING), field("b", 2, Type.TYPE_STRING)));
        FileDescriptorSet inP = p3(message(
                        "M",
                        field("a", 1, Type.TYPE_STRING).setOneofIndex(0),
                        field("b", 2, Type.TYPE_STRING).setOneofIndex(0))
                .addOneofDecl(p));
        FileDescriptorSet split = p3(message(
                        "M",
                        field("a", 1, Type.TYPE_STRING).setOneofIndex(0),
                        field("b", 2, Type.TYPE_STRING).setOneofIndex(1))
                .addOneofDecl(p)
                .addOneofDecl(q));
        assertFindings(
                plain,
                inP,
                "BREAKING t.proto: t.M.a (#1): moved into oneof payload",
                "BREAKING t.proto: t.M.b (#2): moved into oneof payload");
        assertFindings(
                inP,
                plain,
                "BREAKING t.proto: t.M.a (#1): moved out of oneof payload",
                "BREAKING t.proto: t.M.b (#2): moved out of oneof payload");
        assertFindings(inP, split, "BREAKING t.proto: t.M.b (#2): moved from oneof payload to oneof other");
        FileDescriptorSet renamed = p3(message(
                        "M",
                        field("a", 1, Type.TYPE_STRING).setOneofIndex(0),
                        field("b", 2, Type.TYPE_STRING).setOneofIndex(0),
                        field("c", 3, Type.TYPE_STRING).setOneofIndex(0))
                .addOneofDecl(q));
        assertFindings(
                inP,
                renamed,
                "NOTE t.proto: t.M: oneof payload renamed to other (same members; the wire and JSON do not carry"
                        + " oneof names, generated code does)");
    }

    @Test
    void aChangedProto2DefaultBreaks() {
        assertFindings(
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32).setDefaultValue("7")))),
                set(file("proto2", message("M", field("x", 1, Type.TYPE_INT32).setDefaultValue("8")))),
                "BREAKING t.proto: t.M.x (#1): default changed from 7 to 8");
    }

    // ---- enums

    static EnumDescriptorProto.Builder kinds() {
        return enumOf("Kind", "KIND_UNSPECIFIED", 0, "KIND_KEY", 1, "KIND_END", 2);
    }

    @Test
    void aRemovedEnumValueMustReserveItsNumberAndName() {
        EnumDescriptorProto.Builder without = enumOf("Kind", "KIND_UNSPECIFIED", 0, "KIND_KEY", 1);
        assertFindings(
                p3(kinds()),
                p3(without.clone()),
                "BREAKING t.proto: t.Kind.KIND_END (#2): enum value removed without reserving its number or its"
                        + " name");
        assertFindings(
                p3(kinds()),
                p3(without.clone()
                        .addReservedRange(EnumDescriptorProto.EnumReservedRange.newBuilder()
                                .setStart(2)
                                .setEnd(2))),
                "BREAKING t.proto: t.Kind.KIND_END (#2): enum value removed without reserving its name"
                        + " \"KIND_END\" (its number is reserved; JSON could reuse the name)");
        assertFindings(
                p3(kinds()),
                p3(without.clone()
                        .addReservedRange(EnumDescriptorProto.EnumReservedRange.newBuilder()
                                .setStart(2)
                                .setEnd(2))
                        .addReservedName("KIND_END")));
    }

    @Test
    void aRenamedOrRenumberedEnumValueBreaks() {
        assertFindings(
                p3(kinds()),
                p3(enumOf("Kind", "KIND_UNSPECIFIED", 0, "KIND_KEY", 1, "KIND_FINISH", 2)),
                "BREAKING t.proto: t.Kind.KIND_END (#2): enum value renamed to KIND_FINISH (JSON and the text"
                        + " format carry the name)");
        assertFindings(
                p3(kinds()),
                p3(enumOf("Kind", "KIND_UNSPECIFIED", 0, "KIND_KEY", 1, "KIND_END", 5)),
                "BREAKING t.proto: t.Kind.KIND_END (#2): number changed from 2 to 5");
        assertFindings(p3(kinds()), p3(enumOf("Kind", "KIND_UNSPECIFIED", 0, "KIND_KEY", 1, "KIND_END", 2, "X", 3)));
    }

    // ---- types, reservations, packages

    @Test
    void aRemovedMessageOrEnumBreaksOnceWithWhatItHeld() {
        DescriptorProto.Builder outer = message("Outer", field("a", 1, Type.TYPE_INT32))
                .addNestedType(message("Inner", field("b", 1, Type.TYPE_INT32)))
                .addEnumType(enumOf("Mode", "MODE_UNSPECIFIED", 0));
        assertFindings(
                p3(outer, message("Keep"), enumOf("Gone", "GONE_UNSPECIFIED", 0)),
                p3(message("Keep")),
                "BREAKING t.proto: t.Outer: message removed (a rename removes it too: full names are part of Any"
                        + " type URLs)",
                "BREAKING t.proto: t.Gone: enum removed");
        assertFindings(
                p3(outer),
                p3(message("Outer", field("a", 1, Type.TYPE_INT32))),
                "BREAKING t.proto: t.Outer.Inner: message removed (a rename removes it too: full names are part of"
                        + " Any type URLs)",
                "BREAKING t.proto: t.Outer.Mode: enum removed");
    }

    @Test
    void aMessageMovedToAnotherFileIsNoChange() {
        FileDescriptorSet one = p3(ab(), message("N", field("x", 1, Type.TYPE_INT32)));
        FileDescriptorSet two = set(
                file("proto3", ab()),
                file("proto3", message("N", field("x", 1, Type.TYPE_INT32))).setName("n.proto"));
        assertFindings(one, two);
    }

    @Test
    void reservedNumbersAndNamesStayReserved() {
        DescriptorProto.Builder before = message("M", field("a", 1, Type.TYPE_INT32))
                .addReservedRange(
                        DescriptorProto.ReservedRange.newBuilder().setStart(5).setEnd(11))
                .addReservedName("old");
        assertFindings(
                p3(before),
                p3(message("M", field("a", 1, Type.TYPE_INT32))
                        .addReservedRange(DescriptorProto.ReservedRange.newBuilder()
                                .setStart(5)
                                .setEnd(8))
                        .addReservedRange(DescriptorProto.ReservedRange.newBuilder()
                                .setStart(9)
                                .setEnd(11))
                        .addReservedName("old")),
                "BREAKING t.proto: t.M: reserved number 8 no longer reserved");
        assertFindings(
                p3(before),
                p3(message("M", field("a", 1, Type.TYPE_INT32), field("old", 7, Type.TYPE_INT32))),
                "BREAKING t.proto: t.M: reserved numbers 5 to 10 no longer reserved: field number(s) [7] reuse them",
                "BREAKING t.proto: t.M: reserved name \"old\" no longer reserved: a field reuses it");
        // Merged or widened ranges keep every number reserved.
        assertFindings(
                p3(before),
                p3(message("M", field("a", 1, Type.TYPE_INT32))
                        .addReservedRange(DescriptorProto.ReservedRange.newBuilder()
                                .setStart(2)
                                .setEnd(536870912))
                        .addReservedName("old")));
        assertFindings(
                p3(kinds().addReservedRange(EnumDescriptorProto.EnumReservedRange.newBuilder()
                        .setStart(10)
                        .setEnd(Integer.MAX_VALUE))),
                p3(kinds()),
                "BREAKING t.proto: t.Kind: reserved numbers 10 to 2147483647 no longer reserved");
    }

    @Test
    void aChangedPackageBreaksOnceAndTheTypesAreComparedUnderTheNewOne() {
        DescriptorProto.Builder inner = message("Inner", field("v", 1, Type.TYPE_INT32));
        FileDescriptorSet before = p3(inner, message("M", ref("x", 1, Type.TYPE_MESSAGE, ".t.Inner")));
        FileDescriptorSet after = set(file(
                        "proto3",
                        inner,
                        message("M", ref("x", 1, Type.TYPE_MESSAGE, ".u.Inner"), field("gone", 2, Type.TYPE_BOOL)))
                .setPackage("u"));
        FileDescriptorSet beforeWithGone = p3(
                inner.clone().addField(field("w", 2, Type.TYPE_INT32)),
                message("M", ref("x", 1, Type.TYPE_MESSAGE, ".t.Inner"), field("gone", 2, Type.TYPE_BOOL)));
        assertFindings(
                beforeWithGone,
                after,
                "BREAKING t.proto: package t: changed to u (every full name in the file changes)",
                "BREAKING t.proto: u.Inner.w (#2): field removed without reserving its number or its name");
        assertTrue(lines(before, after).size() == 1, lines(before, after).toString());
    }

    @Test
    void editionsPresenceComesFromFeatures() {
        var implicit = com.google.protobuf.DescriptorProtos.FeatureSet.newBuilder()
                .setFieldPresence(com.google.protobuf.DescriptorProtos.FeatureSet.FieldPresence.IMPLICIT);
        FileDescriptorSet explicit = set(file("editions", message("M", field("x", 1, Type.TYPE_INT32))));
        FileDescriptorSet viaField = set(file(
                "editions",
                message(
                        "M",
                        field("x", 1, Type.TYPE_INT32)
                                .setOptions(com.google.protobuf.DescriptorProtos.FieldOptions.newBuilder()
                                        .setFeatures(implicit)))));
        assertFindings(
                explicit,
                viaField,
                "BREAKING t.proto: t.M.x (#1): lost explicit presence (a value equal to the default is no longer"
                        + " sent, and readers cannot tell it from unset)");
        // Editions with IMPLICIT presence is what proto3 was.
        assertFindings(p3(message("M", field("x", 1, Type.TYPE_INT32))), viaField);
    }

    @Test
    void uncoveredSplitsARangeAroundTheCoveringOnes() {
        List<long[]> gaps =
                SchemaComparator.uncovered(0, 20, List.of(new long[] {15, 30}, new long[] {2, 5}, new long[] {4, 8}));
        assertEquals(
                List.of("0-2", "8-15"),
                gaps.stream().map(g -> g[0] + "-" + g[1]).toList());
    }
}
