/// The compute kernels of the inference engine: matmul over quantized weights, norms, RoPE,
/// attention and elementwise ops. Every kernel's result for one position (row) is bit-identical
/// whatever the number of rows processed together and the number of threads.
public enum Kernels {}
