// TandemKernels: see ARCHITECTURE.md
