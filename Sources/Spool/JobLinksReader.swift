/// Reads `after`, `after_any` and `[notify]`, the keys both bundle kinds share (see `JobLinks`).
extension ManifestReader {
    func readLinks(_ top: ManifestTable) -> JobLinks {
        var links = JobLinks()
        links.after = readReferences(top, "after")
        links.afterAny = readReferences(top, "after_any")
        if let repeated = links.after.first(where: links.afterAny.contains) {
            top.problem("after_any", "\"\(repeated)\" is also in after", hint: "keep it in one of the two")
        }
        if links.references.count > JobLinks.maxDependencies {
            top.problem("after", "\(links.references.count) jobs to wait for; at most \(JobLinks.maxDependencies)",
                        hint: "wait for fewer jobs, or chain them")
        }
        if let table = top.subtable("notify", validKeys: ManifestKeys.notify) {
            links.notify = readNotify(table)
        }
        return links
    }

    /// An array of job references: each an id, an id prefix or a task name (the same characters).
    private func readReferences(_ top: ManifestTable, _ key: String) -> [String] {
        guard let references = top.stringArray(key) else { return [] }
        for reference in references where !JobLinks.isName(reference) {
            top.problem(key, "\"\(reference)\" is neither a job id nor a task name",
                        hint: "a job id (or 4+ of its first hex digits) or a task name: 1 to 64 letters, digits, '.', '_' or '-'")
            return []
        }
        if Set(references).count != references.count {
            top.problem(key, "names a job twice", hint: "list each job once")
            return []
        }
        return references
    }

    private func readNotify(_ table: ManifestTable) -> BundleNotify? {
        var notify = BundleNotify()
        if let command = table.nonEmptyString("command") {
            if JobLinks.isName(command) {
                notify.command = command
            } else {
                table.problem("command", "\"\(command)\" is not a command name",
                              hint: "the name of a command your administrator set in notify.bundle_commands")
            }
        }
        if let url = table.nonEmptyString("url") {
            if url.hasPrefix("http://") {
                notify.url = url
            } else {
                table.problem("url", "\"\(url)\" is not an http:// URL", hint: "a URL under one your administrator allows")
            }
        }
        if let states = table.stringArray("states") {
            if let unknown = states.first(where: { !BundleNotify.endStates.contains($0) }) {
                table.problem("states", "\"\(unknown)\" is not an end state",
                              hint: "any of " + BundleNotify.endStates.joined(separator: ", "))
            } else if states.isEmpty {
                table.problem("states", "must not be empty", hint: "leave it out to be told of every end state")
            } else {
                notify.states = states
            }
        }
        guard notify.command != nil || notify.url != nil else {
            if !table.contains("command") && !table.contains("url") {
                table.problem("command", "[notify] names neither a command nor a url", hint: "give one, or remove the table")
            }
            return nil
        }
        return notify
    }
}
