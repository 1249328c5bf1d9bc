import Base

/// Prints text that may hold what submitters wrote (names, reasons) with its control characters
/// escaped (`TerminalText`), so it cannot drive the user's terminal.
func printForTerminal(_ text: String) {
    print(TerminalText.escaped(text))
}
