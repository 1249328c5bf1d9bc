import Base
import Foundation
import Testing

@Suite struct ContentHashTests {
    @Test func matchesTheSHA256TestVector() {
        #expect(ContentHash.sha256Hex(Data("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func theHasherOverPiecesEqualsTheHashOfTheWhole() {
        var hasher = ContentHash.Hasher()
        hasher.update(data: Data("a".utf8))
        hasher.update(data: Data("bc".utf8))
        #expect(hasher.finalizeHex() == ContentHash.sha256Hex(Data("abc".utf8)))
    }
}
