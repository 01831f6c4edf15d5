/**
 * Carries recorded or live OpenAI {@code chat.completion.chunk} streams (SSE
 * {@code data:} lines or one JSON event per line) as token streams:
 * {@link io.inferwire.sse.SseEncoder} turns every event into one step frame as it
 * arrives, {@link io.inferwire.sse.SseDecoder} gives back the same events.
 */
package io.inferwire.sse;
