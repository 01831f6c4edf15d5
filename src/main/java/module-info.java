/**
 * inferwire: carries the outputs of an in-process inference runtime (token streams,
 * logits rows, embedding vectors) in few bytes, off-heap.
 *
 * <ul>
 *   <li>{@code io.inferwire}: the exception hierarchy for bad input.</li>
 *   <li>{@code io.inferwire.memory}: byte-order layouts.</li>
 *   <li>{@code io.inferwire.lz4}: LZ4 blocks and the LZ4 frame format over off-heap segments.</li>
 *   <li>{@code io.inferwire.wire}: frame encoder, flyweight frame view, stream reader and writer.</li>
 *   <li>{@code io.inferwire.transform}: float tensor streams (lossless and error-bounded
 *       closed-loop deltas), their encoder, decoder and transform backends.</li>
 *   <li>{@code io.inferwire.entropy}: adaptive range coding whose models persist across
 *       frames, shared by tensors and tokens.</li>
 *   <li>{@code io.inferwire.tokens}: the token stream codec (steps of tokens, text, logprobs).</li>
 *   <li>{@code io.inferwire.sse}: OpenAI chat-completion SSE streams carried as token streams.</li>
 *   <li>{@code io.inferwire.cuda}: the transform kernels on device buffers a GPU runtime
 *       already holds (CUDA device pointers and streams), and tensor stream encoding and
 *       decoding with the reconstruction kept on the device.</li>
 *   <li>{@code io.inferwire.proto.v1}: the protobuf classes generated from {@code proto/}.</li>
 * </ul>
 *
 * <p>Packages named {@code internal} are implementation and not exported, and so is
 * {@code io.inferwire.schema}, the schema-evolution check behind the CLI's {@code schema-check}
 * and the build's baseline test. The CLI
 * ({@code io.inferwire.cli}) needs picocli, an optional dependency; the CUDA backend needs
 * JavaCPP's CUDA presets ({@code org.bytedeco:cuda} and its {@code linux-x86_64} jar),
 * optional too: on the module path, resolve them with
 * {@code --add-modules org.bytedeco.cuda.linux.x86_64}.
 */
module io.inferwire {
    requires transitive com.google.protobuf;
    requires org.lz4.java;
    requires static info.picocli;
    requires static org.bytedeco.javacpp;
    requires static org.bytedeco.cuda;
    requires jdk.incubator.vector;

    exports io.inferwire;
    exports io.inferwire.memory;
    exports io.inferwire.lz4;
    exports io.inferwire.wire;
    exports io.inferwire.transform;
    exports io.inferwire.entropy;
    exports io.inferwire.tokens;
    exports io.inferwire.sse;
    exports io.inferwire.cuda;
    exports io.inferwire.proto.v1;

    opens io.inferwire.cli to
            info.picocli;
}
