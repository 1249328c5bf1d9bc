import Base
import Foundation
import Testing

@Suite struct LineBufferTests {
    @Test func returnsOnlyCompleteLinesAcrossPieces() {
        var buffer = LineBuffer()
        #expect(buffer.append(Data("{\"a\":".utf8)).isEmpty)
        let lines = buffer.append(Data("1}\n\n{\"b\":2}\n{\"c\"".utf8))
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["{\"a\":1}", "", "{\"b\":2}"])
        #expect(String(decoding: buffer.takeRest(), as: UTF8.self) == "{\"c\"")
        #expect(buffer.takeRest().isEmpty)
    }
}
