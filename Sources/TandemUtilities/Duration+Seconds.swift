extension Duration {
    /// The duration in seconds, as a `Double` (attosecond precision where a Double has it).
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// The duration in whole milliseconds, rounded toward zero (it traps only past ±292 million years;
    /// bound the input first).
    package var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
