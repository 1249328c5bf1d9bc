import PTuning

/// The task kind's table of a manifest, read by the kind itself (`TaskKind.read`).
extension ManifestReader {
    func readKind(_ kindName: String?, _ top: ManifestTable, into draft: inout ManifestDraft) {
        for other in TaskKinds.all where kindName != nil && kindName != other.name && top.contains(other.manifestTable) {
            top.problem(other.manifestTable, "[\(other.manifestTable)] is only used with kind = \"\(other.name)\"",
                        hint: "remove it or change kind (now \"\(kindName ?? "")\")")
        }
        guard let kindName, let kind = TaskKinds.named(kindName) else { return }
        let table = top.subtable(kind.manifestTable, validKeys: kind.manifestKeys)
        // A value of another type was reported by `subtable`; the kind reads only a table or none.
        if table == nil && top.contains(kind.manifestTable) { return }
        draft.kind = kind.read(KindManifestTable(top: top, name: kind.manifestTable, table: table,
                                                 labelField: draft.labelField, files: files, limits: limits))
    }
}
