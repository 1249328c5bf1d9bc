/// A record as read from a data file, before it is checked against the task.
struct DataRecord {
    /// A field's value: text, or a JSON value that cannot stand for text.
    enum Value: Equatable {
        case text(String)
        /// "an object", "an array" or "null".
        case unusable(String)
    }

    var line: Int
    var fields: [String: Value]
}

/// The records of one data file, and the TSV header when there is one.
struct DataRecords {
    var records: [DataRecord] = []
    /// The field names of a TSV file's first line, and its line number.
    var header: (names: [String], line: Int)?
}
