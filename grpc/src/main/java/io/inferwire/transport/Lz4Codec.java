package io.inferwire.transport;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The "lz4" gRPC message encoding: each compressed message is one standard LZ4 frame
 * (64 KB independent blocks, content checksum), made and read by lz4-java's JNI
 * compressor and safe decompressor, never its pure-Java fallbacks (a JNI library that
 * does not load is an error, not a quiet downgrade).
 *
 * <p>Register it on both sides with {@link #compressorRegistry()} and
 * {@link #decompressorRegistry()} (which also hold gzip and identity); a client asks
 * for it per call with {@code CallOptions.withCompression("lz4")}, and the
 * {@link StreamService} answers in the encoding the client used for its request.
 * Compression is per message and the service turns it off for messages the inferwire
 * codec already compressed (token steps, tensor frames): LZ4 cannot shrink those and
 * would add its 15-19 bytes of frame overhead. Each compressed message allocates
 * lz4-java's block buffers (about 2 x 64 KB) on the heap.
 */
public final class Lz4Codec implements Codec {

    /** The message encoding name, as it appears in {@code grpc-encoding}. */
    public static final String NAME = "lz4";

    private static final Lz4Codec INSTANCE = new Lz4Codec();

    private final LZ4Compressor compressor;
    private final LZ4SafeDecompressor decompressor;
    private final XXHash32 hash;

    private Lz4Codec() {
        LZ4Factory lz4 = LZ4Factory.nativeInstance();
        this.compressor = lz4.fastCompressor();
        this.decompressor = lz4.safeDecompressor();
        this.hash = XXHashFactory.nativeInstance().hash32();
    }

    /** The codec (stateless, shared). */
    public static Lz4Codec instance() {
        return INSTANCE;
    }

    @Override
    public String getMessageEncoding() {
        return NAME;
    }

    @Override
    public OutputStream compress(OutputStream os) throws IOException {
        return new LZ4FrameOutputStream(
                os,
                LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                -1L,
                compressor,
                hash,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
    }

    @Override
    public InputStream decompress(InputStream is) throws IOException {
        return new LZ4FrameInputStream(is, decompressor, hash);
    }

    /** grpc-java's default compressors (gzip, identity) and lz4. */
    public static CompressorRegistry compressorRegistry() {
        CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
        registry.register(new Codec.Gzip());
        registry.register(Codec.Identity.NONE);
        registry.register(INSTANCE);
        return registry;
    }

    /** grpc-java's default decompressors (gzip, identity) and lz4, all advertised. */
    public static DecompressorRegistry decompressorRegistry() {
        return DecompressorRegistry.getDefaultInstance().with(INSTANCE, true);
    }
}
