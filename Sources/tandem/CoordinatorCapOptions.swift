import ArgumentParser

/// `tandem coordinator`'s caps: the registry's size and the rate of registration attempts per address.
struct CoordinatorCapOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Most live verifiers held; one more registration gets 503.", valueName: "N"))
    var maxVerifiers = 1024

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Registration attempts one remote address may make per minute; more get 429.", valueName: "N"))
    var registrationsPerMinute = 30

    func validate() throws {
        guard (1...1_000_000).contains(maxVerifiers) else {
            throw ValidationError("--max-verifiers must be in 1…1000000")
        }
        guard (1...1_000_000).contains(registrationsPerMinute) else {
            throw ValidationError("--registrations-per-minute must be in 1…1000000")
        }
    }
}
