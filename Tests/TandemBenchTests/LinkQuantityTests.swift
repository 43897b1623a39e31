import Testing

@testable import TandemBench

@Suite struct LinkQuantityTests {
    @Test func durationsWithUnitsParse() throws {
        #expect(try LinkQuantity.duration("50ms") == .milliseconds(50))
        #expect(try LinkQuantity.duration("0") == .zero)
        #expect(try LinkQuantity.duration("0ms") == .zero)
        #expect(try LinkQuantity.duration("1.5s") == .milliseconds(1500))
        #expect(try LinkQuantity.duration("250us") == .microseconds(250))
        #expect(try LinkQuantity.duration(" 7ms ") == .milliseconds(7))
        #expect(try LinkQuantity.duration("0.5ms") == .microseconds(500))
    }

    @Test(arguments: ["50", "fast", "ms", "5 0ms", "1e3ms", "", "--5ms", "5.5.5ms"])
    func durationsWithoutAUnitOrNumberAreRefused(_ text: String) {
        #expect(throws: LinkConfigurationError.self) { try LinkQuantity.duration(text) }
    }

    @Test func negativeDurationsAreOutOfRange() {
        #expect(throws: LinkConfigurationError.self) { try LinkQuantity.duration("-5ms") }
        do {
            _ = try LinkQuantity.duration("-5ms", name: "rtt")
        } catch {
            #expect(error.description.contains("rtt"))
            #expect(error.description.contains("negative"))
        }
    }

    @Test func bitRatesParse() throws {
        #expect(try LinkQuantity.bandwidth("20mbit") == 20_000_000)
        #expect(try LinkQuantity.bandwidth("1gbit") == 1_000_000_000)
        #expect(try LinkQuantity.bandwidth("500kbit") == 500_000)
        #expect(try LinkQuantity.bandwidth("1.5mbit") == 1_500_000)
        #expect(try LinkQuantity.bandwidth("9600bit") == 9600)
        #expect(try LinkQuantity.bandwidth("8MBit") == 8_000_000)
    }

    @Test(arguments: ["20", "20mb", "mbit", "0mbit", "-1mbit", "0.0001bit", "fast"])
    func badBitRatesAreRefused(_ text: String) {
        #expect(throws: LinkConfigurationError.self) { try LinkQuantity.bandwidth(text) }
    }

    @Test func formattingReadsBack() throws {
        for text in ["50ms", "1s", "250us", "0ms", "1500ms"] {
            let duration = try LinkQuantity.duration(text)
            #expect(try LinkQuantity.duration(LinkQuantity.format(duration)) == duration)
        }
        #expect(LinkQuantity.format(.milliseconds(1500)) == "1500ms")
        #expect(LinkQuantity.format(bitsPerSecond: 20_000_000) == "20 Mbit/s")
        #expect(LinkQuantity.format(bitsPerSecond: 1_500_000_000) == "1.5 Gbit/s")
        #expect(LinkQuantity.format(bitsPerSecond: 500) == "500 bit/s")
    }

    @Test func profileFromStrings() throws {
        let profile = try LinkProfile(rtt: "50ms", jitter: "5ms", bandwidth: "20mbit", seed: 7)
        #expect(profile.rtt == .milliseconds(50))
        #expect(profile.oneWayDelay == .milliseconds(25))
        #expect(profile.jitter == .milliseconds(5))
        #expect(profile.bandwidthBitsPerSecond == 20_000_000)
        #expect(profile.seed == 7)
        #expect(profile.description == "rtt 50ms ± 5ms, 20 Mbit/s")
        let plain = try LinkProfile(rtt: "0")
        #expect(plain.bandwidthBitsPerSecond == nil)
        #expect(plain.jitter == .zero)
        #expect(throws: LinkConfigurationError.self) { try LinkProfile(rtt: "50ms", jitter: "x") }
        #expect(throws: LinkConfigurationError.self) { try LinkProfile(rtt: .zero, bandwidthBitsPerSecond: 0) }
    }

    @Test func endpointsParse() throws {
        let v4 = try LinkEndpoint(parsing: "127.0.0.1:9000")
        #expect(v4.host == "127.0.0.1" && v4.port == 9000)
        let v6 = try LinkEndpoint(parsing: "[::1]:80")
        #expect(v6.host == "::1" && v6.port == 80)
        #expect(v6.description == "[::1]:80")
        let named = try LinkEndpoint(parsing: "localhost:0")
        #expect(named.host == "localhost" && named.port == 0)
    }

    @Test(arguments: ["127.0.0.1", ":80", "host:99999", "host:abc", "::1:80", "[::1]80", "host:", "host:-1"])
    func badEndpointsAreRefused(_ text: String) {
        #expect(throws: LinkConfigurationError.self) { try LinkEndpoint(parsing: text) }
    }
}
