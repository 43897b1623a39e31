/// A hand-written scanner equivalent to GPT-2's pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// (leftmost-first alternation, as Oniguruma and PCRE evaluate it), within one chunk.
enum GPT2Scanner {
    static func split(_ s: [UInt32], _ chunk: Range<Int>, into out: inout [Range<Int>]) {
        let end = chunk.upperBound
        var pos = chunk.lowerBound
        @inline(__always) func cls(_ i: Int) -> CharClass { i < end ? CharClass.of(s[i]) : [] }
        @inline(__always) func isOther(_ c: CharClass, _ i: Int) -> Bool {
            i < end && c.isDisjoint(with: [.letter, .number, .whitespace])
        }
        while pos < end {
            let start = pos
            let c = s[pos]
            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if c == 0x27, pos + 1 < end {
                let n = s[pos + 1]
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {  // s t m d
                    out.append(start..<(pos + 2))
                    pos += 2
                    continue
                }
                if pos + 2 < end {
                    let nn = s[pos + 2]
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        out.append(start..<(pos + 3))
                        pos += 3
                        continue
                    }
                }
            }
            // The optional leading space of the next three alternatives.
            let body = c == 0x20 ? pos + 1 : pos
            let bodyClass = cls(body)
            if bodyClass.contains(.letter) {  // ?\p{L}+
                var p = body + 1
                while cls(p).contains(.letter) { p += 1 }
                out.append(start..<p)
                pos = p
                continue
            }
            if bodyClass.contains(.number) {  // ?\p{N}+
                var p = body + 1
                while cls(p).contains(.number) { p += 1 }
                out.append(start..<p)
                pos = p
                continue
            }
            if isOther(bodyClass, body) {  // ?[^\s\p{L}\p{N}]+
                var p = body + 1
                while isOther(cls(p), p) { p += 1 }
                out.append(start..<p)
                pos = p
                continue
            }
            // Here s[pos] is whitespace: \s+(?!\S) backs off one when a non-space follows, else \s+.
            var p = pos
            while cls(p).contains(.whitespace) { p += 1 }
            let run = p - pos
            if run > 1 && p < end {
                p -= 1
            } else if run == 0 {
                p = pos + 1  // unreachable for well-formed classes; never stall
            }
            out.append(start..<p)
            pos = p
        }
    }
}
