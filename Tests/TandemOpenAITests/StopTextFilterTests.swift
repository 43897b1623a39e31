import TandemOpenAI
import Testing

@Suite("Stop strings on streamed text")
struct StopTextFilterTests {
    @Test("text before a stop string is released, the stop string and the rest never are")
    func cutsAtStop() {
        var filter = StopTextFilter(["\n\n"])
        #expect(filter.feed("Hello\n") == "Hello")
        #expect(filter.feed("\nWorld") == "")
        #expect(filter.stopped)
        #expect(filter.feed("more") == "")
        #expect(filter.finish() == "")
    }

    @Test("a held tail that does not become a stop string is released later")
    func releasesFalseAlarm() {
        var filter = StopTextFilter(["END"])
        #expect(filter.feed("the E") == "the ")
        #expect(filter.feed("Nd") == "ENd")
        #expect(filter.feed("EN") == "")
        #expect(filter.finish() == "EN")
        #expect(!filter.stopped)
    }

    @Test("the earliest of several stop strings wins, across pieces")
    func earliestStop() {
        var filter = StopTextFilter(["cd", "bcX", "z"])
        var out = filter.feed("ab")
        out += filter.feed("cdz")
        #expect(out == "ab")
        #expect(filter.stopped)
    }

    @Test("the concatenation of released text equals the text cut at the stop, for every split")
    func everySplit() {
        let text = "alpha beta<|stop|> gamma"
        for cut in 0...text.count {
            var filter = StopTextFilter(["<|stop|>"])
            let head = String(text.prefix(cut))
            let tail = String(text.dropFirst(cut))
            let out = filter.feed(head) + filter.feed(tail) + filter.finish()
            #expect(out == "alpha beta", "split at \(cut)")
        }
    }

    @Test("without stop strings everything passes at once")
    func noStops() {
        var filter = StopTextFilter([])
        #expect(filter.feed("abc") == "abc")
        #expect(filter.finish() == "")
    }
}
