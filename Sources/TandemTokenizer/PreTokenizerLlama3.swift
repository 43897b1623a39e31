/// A hand-written scanner equivalent to Llama 3's pattern (and Qwen2's with `maxDigits` 1):
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// within one chunk.
enum Llama3Scanner {
    static func split(_ s: [UInt32], _ chunk: Range<Int>, maxDigits: Int, into out: inout [Range<Int>]) {
        let end = chunk.upperBound
        var pos = chunk.lowerBound
        @inline(__always) func cls(_ i: Int) -> CharClass { i < end ? CharClass.of(s[i]) : [] }
        @inline(__always) func isOther(_ i: Int) -> Bool {
            i < end && CharClass.of(s[i]).isDisjoint(with: [.letter, .number, .whitespace])
        }
        @inline(__always) func lower(_ v: UInt32) -> UInt32 { (0x41...0x5A).contains(v) ? v + 0x20 : v }
        while pos < end {
            let start = pos
            let c = s[pos]
            let cc = CharClass.of(c)
            // (?i:'s|'t|'re|'ve|'m|'ll|'d) — ASCII case folding only, as the adapted llama.cpp regex.
            if c == 0x27, pos + 1 < end {
                let n = lower(s[pos + 1])
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {
                    out.append(start..<(pos + 2))
                    pos += 2
                    continue
                }
                if pos + 2 < end {
                    let nn = lower(s[pos + 2])
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        out.append(start..<(pos + 3))
                        pos += 3
                        continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !c.isCRorLF && !cc.contains(.number) {
                if cc.contains(.letter) || cls(pos + 1).contains(.letter) {
                    var p = pos + 1
                    while cls(p).contains(.letter) { p += 1 }
                    out.append(start..<p)
                    pos = p
                    continue
                }
            }
            // \p{N}{1,maxDigits}
            if cc.contains(.number) {
                var p = pos + 1
                while p - pos < maxDigits && cls(p).contains(.number) { p += 1 }
                out.append(start..<p)
                pos = p
                continue
            }
            // ?[^\s\p{L}\p{N}]+[\r\n]*
            let body = c == 0x20 ? pos + 1 : pos
            if isOther(body) {
                var p = body + 1
                while isOther(p) { p += 1 }
                while p < end && s[p].isCRorLF { p += 1 }
                out.append(start..<p)
                pos = p
                continue
            }
            // Whitespace run from pos.
            var p = pos
            var lastNewlineEnd = -1
            while cls(p).contains(.whitespace) {
                if s[p].isCRorLF { lastNewlineEnd = p + 1 }
                p += 1
            }
            if lastNewlineEnd > 0 {  // \s*[\r\n]+
                out.append(start..<lastNewlineEnd)
                pos = lastNewlineEnd
                continue
            }
            let run = p - pos
            if run > 1 && p < end {  // \s+(?!\S)
                p -= 1
            } else if run == 0 {
                p = pos + 1
            }
            out.append(start..<p)
            pos = p  // \s+
        }
    }
}
