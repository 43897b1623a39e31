// TandemClient
