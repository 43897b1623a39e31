// TandemModel: see ARCHITECTURE.md
