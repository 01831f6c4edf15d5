#!/bin/sh
# Builds the native parts (cmake/CMakeLists.txt) into TARGET/native and copies them to
# TARGET/classes/native/linux-x86_64/, where the jar picks them up. Called by Maven in
# generate-resources; reuses TARGET/native between builds (cmake rebuilds what changed).
#
#   cmake/build-native.sh BASEDIR TARGET
#
# INFERWIRE_SKIP_NATIVE=true skips it all; INFERWIRE_NO_CUDA=true skips the CUDA parts.
#
# Never fails the Maven build for a missing tool: without cmake or a C compiler (or on
# another platform) it says what it skipped and exits 0; the Java side then reports the
# native-host backend as unavailable and its tests are skipped. A compile error with
# the tools present does fail the build.
set -eu
basedir=${1:?usage: build-native.sh BASEDIR TARGET}
target=${2:?usage: build-native.sh BASEDIR TARGET}
mkdir -p "$target"
build="$target/native"
dest="$target/classes/native/linux-x86_64"

if [ "${INFERWIRE_SKIP_NATIVE:-}" = "true" ]; then
    echo "inferwire native: skipped: INFERWIRE_SKIP_NATIVE=true"
    exit 0
fi
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "inferwire native: skipped: only linux-x86_64 is built (this is $(uname -s)-$(uname -m))"; exit 0 ;;
esac
if ! command -v cmake >/dev/null 2>&1; then
    echo "inferwire native: skipped: no cmake (the native-host backend will be unavailable)"
    exit 0
fi
if ! command -v "${CC:-cc}" >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then
    echo "inferwire native: skipped: no C compiler (the native-host backend will be unavailable)"
    exit 0
fi

generator=""
if [ ! -f "$build/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
    generator="-G Ninja"
fi
cuda=ON
if [ "${INFERWIRE_NO_CUDA:-}" = "true" ]; then
    cuda=OFF
fi
# shellcheck disable=SC2086 # generator is two words or none
cmake -S "$basedir/cmake" -B "$build" $generator -DCMAKE_BUILD_TYPE=Release -DIW_CUDA=$cuda >"$build.configure.log" 2>&1 || {
    cat "$build.configure.log"
    echo "inferwire native: cmake configure failed" >&2
    exit 1
}
grep 'inferwire native:' "$build.configure.log" | sed 's/^-- //'
if grep -q 'skipped inferwire_kernels.fatbin' "$build.configure.log"; then
    rm -f "$build/inferwire_kernels.fatbin" "$build/gpu_check" # stale from a build that had nvcc
fi
cmake --build "$build" --parallel

mkdir -p "$dest"
for f in libinferwire_host.so inferwire_kernels.fatbin; do
    if [ -f "$build/$f" ]; then
        cp -p "$build/$f" "$dest/$f"
        echo "inferwire native: $dest/$f"
    else
        rm -f "$dest/$f"
    fi
done
