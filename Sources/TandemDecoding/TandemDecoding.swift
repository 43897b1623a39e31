// TandemDecoding: see ARCHITECTURE.md
