/// Durations as the manifest writes them: "45s", "90m", "2h", "1h30m", "1d12h".
enum WallTime {
    /// Seconds in `text`: numbers each followed by a unit (d, h, m, s), units in that order, each at
    /// most once; nil when `text` is not of that form.
    static func seconds(_ text: String) -> Int? {
        let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var total = 0
        var digits = ""
        var nextUnit = 0
        for c in text {
            if c.isASCII, c.isNumber {
                digits.append(c)
                continue
            }
            guard !digits.isEmpty, digits.count <= 9, let value = Int(digits),
                  let position = units[nextUnit...].firstIndex(where: { $0.0 == c }) else { return nil }
            total += value * units[position].1
            nextUnit = position + 1
            digits = ""
        }
        guard digits.isEmpty, nextUnit > 0 else { return nil }
        return total
    }
}
