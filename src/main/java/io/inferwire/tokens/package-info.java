/**
 * Token stream codec: one {@link io.inferwire.tokens.TokenEncoder} and one
 * {@link io.inferwire.tokens.TokenDecoder} per generation stream turn each
 * {@link io.inferwire.tokens.TokenStep} (token ids, the UTF-8 text piece, logprobs,
 * top-k alternatives, finish reason, revision) into one frame as soon as it is
 * produced, and back.
 *
 * <p>Each step is range-coded with models (a context-mixing model of the text, adaptive
 * models of everything else) that both sides carry across frames, so a step frame
 * holds only what the stream so far did not predict; most steps travel as compact
 * step frames of a few bytes (see {@code frame.proto}).
 */
package io.inferwire.tokens;
