#!/bin/bash
# The GPU check assembled by pack.sh: backends, JUnit (CudaBackendTest, DeviceTensorCodecTest, NativeHostBackendTest),
# then timings of the device path. "run.sh nofigures" skips the timings.
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -2
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
  [ -e $d/libcudart.so.13 ] && export LD_LIBRARY_PATH=$d:${LD_LIBRARY_PATH:-} && echo "libcudart.so.13 in $d"
done
# fallback: the CUDA runtime carried from the build machine (only the driver API is called)
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}:$PWD/cudart
ldconfig -p | grep -E "libcuda.so.1|libcudart.so.13" | head -3
CP=$(ls lib/*.jar | tr '\n' ':')tc:bc
exec jre/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow --add-modules jdk.incubator.vector \
  -Xmx8g -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache -Dinferwire.seed=20261125 -cp "$CP" GpuRun "$@" 2>&1
