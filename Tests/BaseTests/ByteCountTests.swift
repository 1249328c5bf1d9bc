import Base
import Testing

@Suite struct ByteCountTests {
    @Test func describesByteCounts() {
        #expect(ByteCount(1).description == "1 byte")
        #expect(ByteCount(17).description == "17 bytes")
        #expect(ByteCount(1536).description == "1.5 KiB")
        #expect(ByteCount(512 << 20).description == "512 MiB")
        #expect(ByteCount(Int64(3) << 40).description == "3072 GiB")
    }
}
