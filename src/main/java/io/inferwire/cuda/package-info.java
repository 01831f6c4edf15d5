/**
 * The transform kernels on device buffers that a GPU runtime already holds: CUDA device
 * pointers and streams passed as {@code long}s, the way runtimes hand them over. Needs
 * JavaCPP's CUDA presets (optional dependencies), a CUDA driver and a device; {@link
 * io.inferwire.cuda.CudaKernels#unavailableReason()} says which is missing.
 */
package io.inferwire.cuda;
