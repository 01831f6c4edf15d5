#!/bin/bash
# Assembles a self-contained GPU check (no JDK or Maven needed on the GPU machine) into
# DEST (default target/cuda-check): a jlinked JRE, the library jar (with the fatbin),
# JavaCPP's CUDA presets, the JUnit launcher, CudaBackendTest, DeviceTensorCodecTest and NativeHostBackendTest with
# the golden vectors, CudaBackendBenchmark and GpuRun (JUnit, then timings of the device
# path). Run DEST/run.sh there. Needs `bin/mvn -o verify` (or package + test-compile) first.
#
#   benchmarks/gpu-check/pack.sh [DEST]   (JRE from $JRE, default /tmp/jre25:
#   jlink --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.unsupported)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bin/jdk25.sh"
C="${1:-$root/target/cuda-check}"
M="${MAVEN_REPO:-$HOME/.m2/repository}"
JRE="${JRE:-/tmp/jre25}"
if [ ! -x "$JRE/bin/java" ]; then
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --output "$JRE"
fi
rm -rf "$C" && mkdir -p "$C/lib" "$C/tc/io/inferwire/transform" "$C/bc" "$C/cudart"
cp -r "$JRE" "$C/jre"
cp "$root/target/inferwire-0.1.0-SNAPSHOT.jar" "$C/lib/"
cp "$M/org/bytedeco/cuda/13.3-9.25-1.5.14/cuda-13.3-9.25-1.5.14.jar" \
   "$M/org/bytedeco/cuda/13.3-9.25-1.5.14/cuda-13.3-9.25-1.5.14-linux-x86_64.jar" \
   "$M/org/bytedeco/javacpp/1.5.14/javacpp-1.5.14.jar" \
   "$M/com/google/protobuf/protobuf-java/4.36.2/protobuf-java-4.36.2.jar" \
   "$M/at/yawk/lz4/lz4-java/1.14.0/lz4-java-1.14.0.jar" "$C/lib/"
for a in org/junit/jupiter/junit-jupiter-api/5.14.1 org/junit/jupiter/junit-jupiter-engine/5.14.1 \
    org/junit/jupiter/junit-jupiter-params/5.14.1 org/junit/platform/junit-platform-engine/1.14.1 \
    org/junit/platform/junit-platform-commons/1.14.1 org/junit/platform/junit-platform-launcher/1.14.1 \
    org/opentest4j/opentest4j/1.3.0 org/apiguardian/apiguardian-api/1.1.2; do
  cp "$M/$a"/*.jar "$C/lib/"
done
(cd "$root/target/test-classes" &&
  cp --parents io/inferwire/Seeds.class io/inferwire/TestArena*.class io/inferwire/LeakCheck*.class "$C/tc/" &&
  cp io/inferwire/transform/CudaBackendTest*.class io/inferwire/transform/NativeHostBackendTest*.class \
     io/inferwire/transform/ScalarConformance*.class \
     io/inferwire/transform/GoldenVectors*.class io/inferwire/transform/TensorRoundTrip*.class \
     io/inferwire/transform/TensorStreams*.class io/inferwire/transform/TensorCodecTest*.class \
     io/inferwire/transform/DeviceTensorCodecTest*.class \
     "$C/tc/io/inferwire/transform/" &&
  cp -r golden junit-platform.properties "$C/tc/")
cp="$(ls "$C"/lib/*.jar | tr '\n' ':')$C/tc:$M/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar"
"$JAVA_HOME/bin/javac" -proc:none -d "$C/bc" -cp "$cp" \
  "$root/benchmarks/src/main/java/io/inferwire/transform/CudaBackendBenchmark.java" "$root/benchmarks/gpu-check/GpuRun.java"
# Fallback CUDA runtime for libjnicudart.so when the GPU machine has none on its library path.
for f in /usr/local/cuda/lib64/libcudart.so.13 /usr/local/cuda/targets/x86_64-linux/lib/libcudart.so.13; do
  [ -e "$f" ] && cp -L "$f" "$C/cudart/" && break
done
cp "$root/benchmarks/gpu-check/run.sh" "$C/"
du -sh "$C"
