// TandemTokenizer: see ARCHITECTURE.md
