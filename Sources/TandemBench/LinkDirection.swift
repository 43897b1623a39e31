import NIOCore

/// One direction of one relayed connection: bytes read from `input` are held until the link schedule
/// releases them, then written to `output`.
///
/// Confined to the event loop both channels share (the emulator connects the target on the client
/// channel's loop), so it needs no locks. Releases use the loop's timers (`scheduleTask`), which on Linux
/// are timerfd-based and precise to well under a millisecond.
final class LinkDirection {
    private enum Entry {
        case bytes(ByteBuffer, release: NIODeadline)
        case end(release: NIODeadline)

        var release: NIODeadline {
            switch self {
            case .bytes(_, let release), .end(let release): release
            }
        }
    }

    private let kind: LinkDirectionKind
    private let input: Channel
    private let output: Channel
    private let tracker: LinkTracker
    /// Stop reading `input` once this many bytes wait here; resume below half of it.
    private let capacity: Int
    private var schedule: LinkSchedule
    private var queue = CircularBuffer<Entry>()
    private var queuedBytes = 0
    private var timer: Scheduled<Void>?
    private var readingPaused = false
    /// The input has ended (its end is queued or delivered); later reads are ignored.
    private var inputEnded = false
    /// The output is gone; nothing more is written.
    private var outputEnded = false

    init(
        kind: LinkDirectionKind, input: Channel, output: Channel, schedule: LinkSchedule, capacity: Int,
        tracker: LinkTracker
    ) {
        self.kind = kind
        self.input = input
        self.output = output
        self.schedule = schedule
        self.capacity = capacity
        self.tracker = tracker
    }

    /// Bytes read from the input: queue them for release.
    func receive(_ buffer: ByteBuffer) {
        guard !inputEnded, !outputEnded, buffer.readableBytes > 0 else { return }
        var buffer = buffer
        let total = buffer.readableBytes
        let arrival = NIODeadline.now().uptimeNanoseconds
        schedule.schedule(byteCount: buffer.readableBytes, arrival: arrival) { length, release in
            if let slice = buffer.readSlice(length: length) {
                queue.append(.bytes(slice, release: .uptimeNanoseconds(release)))
            }
        }
        queuedBytes += total
        tracker.queued(queuedBytes)
        updateReading()
        armTimer()
    }

    /// The input closed: deliver what is queued, then close the output one propagation delay later.
    func inputClosed() {
        guard !inputEnded else { return }
        inputEnded = true
        guard !outputEnded else { return }
        let release = schedule.scheduleEnd(arrival: NIODeadline.now().uptimeNanoseconds)
        queue.append(.end(release: .uptimeNanoseconds(release)))
        armTimer()
    }

    /// The output closed: drop what is queued; the other direction carries the close back to our input.
    func outputClosed() {
        outputEnded = true
        timer?.cancel()
        timer = nil
        queue.removeAll()
        queuedBytes = 0
    }

    /// The output's buffer filled or drained: pause or resume reading the input.
    func outputWritabilityChanged() {
        updateReading()
    }

    private func armTimer() {
        guard timer == nil, !outputEnded, let head = queue.first else { return }
        timer = input.eventLoop.assumeIsolated().scheduleTask(deadline: head.release) { [self] in
            timer = nil
            releaseDue()
        }
    }

    private func releaseDue() {
        let now = NIODeadline.now()
        let lateness = queue.first.map { Duration.nanoseconds(max(0, (now - $0.release).nanoseconds)) } ?? .zero
        var written = 0
        while !outputEnded, let head = queue.first, head.release <= now {
            queue.removeFirst()
            switch head {
            case .bytes(let buffer, _):
                written += buffer.readableBytes
                output.write(buffer, promise: nil)
            case .end:
                tracker.released(written, kind, lateness: lateness)
                if written > 0 { output.flush() }
                queuedBytes = 0
                queue.removeAll()
                output.close(promise: nil)
                return
            }
        }
        if written > 0 {
            // Counted before the flush, so whoever receives these bytes already sees them counted.
            tracker.released(written, kind, lateness: lateness)
            queuedBytes -= written
            output.flush()
        }
        updateReading()
        armTimer()
    }

    /// Reads from the input only while the queue is under its cap and the output keeps up.
    private func updateReading() {
        guard !inputEnded else { return }
        let pause: Bool
        if readingPaused {
            pause = !(queuedBytes < capacity / 2 && output.isWritable) && !outputEnded
        } else {
            pause = (queuedBytes >= capacity || !output.isWritable) && !outputEnded
        }
        guard pause != readingPaused else { return }
        readingPaused = pause
        try? input.syncOptions?.setOption(ChannelOptions.autoRead, value: !pause)
    }
}
