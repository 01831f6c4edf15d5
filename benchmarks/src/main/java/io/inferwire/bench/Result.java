package io.inferwire.bench;

/**
 * One format measured on one workload.
 *
 * @param workload the workload's name
 * @param format the format's name
 * @param group baseline, seed, lossy or inferwire (the chart colour)
 * @param bytes the bytes on the wire for the whole workload
 * @param units tokens (events) or float values in the workload
 * @param responses responses in the workload (streams for tokens, rows for tensors)
 * @param maxError the largest absolute error of a decoded value (0 when exact)
 * @param encodeMBs encode speed in MB/s of input (JSON bytes for tokens, f32 bytes for tensors), one core
 * @param decodeMBs decode speed in the same unit
 */
public record Result(
        String workload,
        String format,
        String group,
        long bytes,
        long units,
        long responses,
        double maxError,
        double encodeMBs,
        double decodeMBs) {

    /** Bytes per token or per value. */
    public double perUnit() {
        return (double) bytes / units;
    }
}
