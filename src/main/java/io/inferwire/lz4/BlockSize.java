package io.inferwire.lz4;

/** The LZ4 frame format's block maximum sizes (the descriptor's block-size id). */
public enum BlockSize {
    /** 64 KiB blocks (id 4). */
    KB64(4, 64 << 10),
    /** 256 KiB blocks (id 5). */
    KB256(5, 256 << 10),
    /** 1 MiB blocks (id 6). */
    MB1(6, 1 << 20),
    /** 4 MiB blocks (id 7), the lz4 CLI's default. */
    MB4(7, 4 << 20);

    private final int id;
    private final int bytes;

    BlockSize(int id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** The id stored in the frame descriptor. */
    public int id() {
        return id;
    }

    /** The block size in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The block size for descriptor id 4-7, or null for any other id. */
    public static BlockSize ofId(int id) {
        for (BlockSize b : values()) {
            if (b.id == id) {
                return b;
            }
        }
        return null;
    }

    /** Parses "64K", "256K", "1M" or "4M" (case-insensitive). */
    public static BlockSize parse(String text) {
        return switch (text.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "64K", "64KB" -> KB64;
            case "256K", "256KB" -> KB256;
            case "1M", "1MB" -> MB1;
            case "4M", "4MB" -> MB4;
            default -> throw new IllegalArgumentException("block size must be 64K, 256K, 1M or 4M, was " + text);
        };
    }
}
