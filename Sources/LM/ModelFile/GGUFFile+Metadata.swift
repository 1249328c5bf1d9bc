/// Typed reads of a GGUF file's metadata, with errors that name the file, the key and what was expected.
extension GGUFFile {
    fileprivate func required(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw ModelFileError.missingKey(path: path, key: key) }
        return value
    }

    fileprivate func mismatch(_ key: String, _ expected: String, _ value: GGUFValue) -> ModelFileError {
        .badValue(path: path, key: key, expected: expected, found: value.typeName)
    }

    /// The string at `key`; throws if absent or not a string.
    public func string(_ key: String) throws -> String {
        let value = try required(key)
        guard let s = value.stringValue else { throw mismatch(key, "a string", value) }
        return s
    }

    /// The string at `key`, or nil if absent; throws if present but not a string.
    public func optionalString(_ key: String) throws -> String? {
        metadata[key] == nil ? nil : try string(key)
    }

    /// The integer at `key` (any integer type); throws if absent, not an integer or out of `Int` range.
    public func int(_ key: String) throws -> Int {
        let value = try required(key)
        guard let i = value.intValue else { throw mismatch(key, "an integer", value) }
        return i
    }

    /// The integer at `key`, or nil if absent.
    public func optionalInt(_ key: String) throws -> Int? {
        metadata[key] == nil ? nil : try int(key)
    }

    /// The number at `key` (float or integer) as a `Float`.
    public func float(_ key: String) throws -> Float {
        let value = try required(key)
        guard let d = value.doubleValue else { throw mismatch(key, "a number", value) }
        return Float(d)
    }

    /// The number at `key` as a `Float`, or nil if absent.
    public func optionalFloat(_ key: String) throws -> Float? {
        metadata[key] == nil ? nil : try float(key)
    }

    /// The bool at `key`.
    public func bool(_ key: String) throws -> Bool {
        let value = try required(key)
        guard let b = value.boolValue else { throw mismatch(key, "a bool", value) }
        return b
    }

    /// The bool at `key`, or nil if absent.
    public func optionalBool(_ key: String) throws -> Bool? {
        metadata[key] == nil ? nil : try bool(key)
    }

    /// The array of strings at `key`.
    public func stringArray(_ key: String) throws -> [String] {
        let value = try required(key)
        guard let elements = value.arrayValue else { throw mismatch(key, "an array of strings", value) }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let s = element.stringValue else { throw mismatch(key, "an array of strings", value) }
            strings.append(s)
        }
        return strings
    }

    /// The array of integers at `key`.
    public func intArray(_ key: String) throws -> [Int] {
        let value = try required(key)
        guard let elements = value.arrayValue else { throw mismatch(key, "an array of integers", value) }
        var ints: [Int] = []
        ints.reserveCapacity(elements.count)
        for element in elements {
            guard let i = element.intValue else { throw mismatch(key, "an array of integers", value) }
            ints.append(i)
        }
        return ints
    }

    // MARK: - Tensor data
}
