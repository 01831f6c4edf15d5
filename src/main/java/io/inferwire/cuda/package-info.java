/**
 * The transform kernels on device buffers that a GPU runtime already holds: CUDA device
 * pointers and streams passed as {@code long}s, the way runtimes hand them over:
 * {@link io.inferwire.cuda.CudaKernels} for the transforms one by one, {@link
 * io.inferwire.cuda.DeviceTensorEncoder} and {@link io.inferwire.cuda.DeviceTensorDecoder}
 * for whole tensor streams whose reconstruction stays on the device (the same frames as
 * {@link io.inferwire.transform.TensorEncoder}, FAST packing). Needs
 * JavaCPP's CUDA presets (optional dependencies), a CUDA driver and a device; {@link
 * io.inferwire.cuda.CudaKernels#unavailableReason()} says which is missing.
 */
package io.inferwire.cuda;
