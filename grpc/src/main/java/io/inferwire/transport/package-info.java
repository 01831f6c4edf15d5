/**
 * The gRPC transport of inferwire ({@code proto/inferwire/v1/stream_service.proto}).
 *
 * <ul>
 *   <li>Server: {@link io.inferwire.transport.StreamService}, which an inference server
 *       adds to its gRPC server; the runtime pushes into a
 *       {@link io.inferwire.transport.TokenPublisher} or
 *       {@link io.inferwire.transport.TensorPublisher}, each stream keeping a bounded
 *       history ({@link io.inferwire.transport.HistoryLimits}) for clients that are behind
 *       or resume.</li>
 *   <li>Client: {@link io.inferwire.transport.StreamClient} decodes calls for a
 *       {@link io.inferwire.transport.StreamListener} through a
 *       {@link io.inferwire.transport.Subscription}.</li>
 *   <li>What a client receives: {@link io.inferwire.transport.Profile}s, narrowed per
 *       request by a field mask, top-k and error bound.</li>
 *   <li>{@link io.inferwire.transport.Lz4Codec}: the "lz4" gRPC message encoding.</li>
 * </ul>
 *
 * <p>{@code internal} holds the per-call state machine, the histories and the marshallers;
 * {@code cli} and {@code load} hold the serve/client commands and the loopback load test.
 */
package io.inferwire.transport;
