import Base
import Testing

@Suite struct TerminalTextTests {
    @Test func controlCharactersAreShownNotObeyed() {
        #expect(TerminalText.escaped("evil\u{1B}[2J\u{07}name\r") == "evil\\u{1B}[2J\\u{7}name\\u{D}")
        #expect(TerminalText.escaped("a\u{9B}31m") == "a\\u{9B}31m", "the one-byte CSI")
    }

    @Test func linesTabsAndOrdinaryTextAreKept() {
        #expect(TerminalText.escaped("line 1\n\tline 2 — café ✓") == "line 1\n\tline 2 — café ✓")
    }
}
