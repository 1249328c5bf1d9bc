/// Text from submitters (bundle names, reasons, file names) made safe to print on a terminal.
public enum TerminalText {
    /// `text` with every control character but the line feed and the tab written as `\u{XX}`, so a
    /// name holding terminal escapes (ESC, CSI, BEL, a carriage return) is shown, not obeyed.
    public static func escaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control, scalar != "\n", scalar != "\t" {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
