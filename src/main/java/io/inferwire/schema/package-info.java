/**
 * Schema evolution: compares two versions of a protobuf schema, given as
 * {@code FileDescriptorSet}s, and lists the changes that break readers or writers of the
 * other version on the wire or in JSON (the way {@code buf breaking} does). The CLI's
 * {@code schema-check} command and the build's baseline test use it; the package is not
 * exported.
 */
package io.inferwire.schema;
