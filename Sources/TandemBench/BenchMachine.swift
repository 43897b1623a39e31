import Foundation

/// A line describing the machine a benchmark ran on: CPU model, cores, load average.
public enum BenchMachine {
    /// `Intel(R) Xeon(R) … ; 2 cores (nproc); load average 1.52 0.98 0.60 at the start`.
    public static func describe() -> String {
        var parts: [String] = []
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            parts.append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        parts.append("\(ProcessInfo.processInfo.activeProcessorCount) cores (nproc)")
        if let load = loadAverage() { parts.append("load average \(load) at the start") }
        return parts.joined(separator: "; ")
    }

    /// The 1, 5 and 15-minute load averages, as /proc/loadavg has them.
    public static func loadAverage() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
