import Foundation

/// A small, fast, reproducible random number generator (SplitMix64) whose state is one UInt64, so it
/// can be saved in a checkpoint and restored exactly. The same seed gives the same stream on every
/// machine, unlike the system generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box–Muller on two uniforms, computed in double).
    public mutating func normal() -> Float {
        let u1 = uniformDouble()
        let u2 = uniformDouble()
        return Float((-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A buffer of `count` normal samples scaled by `std`.
    public mutating func normalBuffer(count: Int, std: Float) -> FloatBuffer {
        let b = FloatBuffer(count: count)
        for i in 0..<count { b.pointer[i] = normal() * std }
        return b
    }
}
