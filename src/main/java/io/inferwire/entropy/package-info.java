/**
 * Adaptive entropy coding shared by the token stream codec and the densest tensor mode:
 * a range coder ({@link io.inferwire.entropy.RangeEncoder}, {@link io.inferwire.entropy.RangeDecoder})
 * over off-heap segments, driven by adaptive frequency models
 * ({@link io.inferwire.entropy.AdaptiveModel}) and binary probabilities.
 *
 * <p>A coded unit (one frame's worth) is flushed so that it decodes alone given the
 * model state, and the models persist across units: a stream of tiny frames shares
 * its statistics without holding anything back. All arithmetic is on integers, so
 * every JVM decodes the same symbols.
 */
package io.inferwire.entropy;
