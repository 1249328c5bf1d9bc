import Foundation

/// A linear map from data values to pixels, over a range widened to round tick values.
struct AxisScale {
    let lower: Double
    let upper: Double
    let ticks: [Double]
    private let pixelLower: Double
    private let pixelUpper: Double

    /// Covers `values`, widened by `margin` times their span on each side, with about `tickCount`
    /// intervals of 1, 2 or 5 times a power of ten, mapped onto `pixels.0...pixels.1` (which may run
    /// downwards, as a y axis does), clipped to `bounds`.
    init(covering values: [Double], tickCount: Int = 5, margin: Double = 0, pixels: (Double, Double),
         within bounds: ClosedRange<Double>? = nil) {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if high - low < 1e-12 {
            let pad = Swift.max(abs(high) * 0.1, 0.05)
            low -= pad
            high += pad
        }
        let raw = (high - low) / Double(Swift.max(tickCount, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let pad = (high - low) * margin
        low -= pad
        high += pad
        let span = high - low
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }
            .min { abs(span / $0 - Double(tickCount)) < abs(span / $1 - Double(tickCount)) } ?? magnitude
        low = floor(low / step) * step
        high = ceil(high / step) * step
        if let bounds {
            low = Swift.max(low, bounds.lowerBound)
            high = Swift.min(high, bounds.upperBound)
        }
        lower = low
        upper = high
        ticks = stride(from: low, through: high + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        pixelLower = pixels.0
        pixelUpper = pixels.1
    }

    func pixel(_ value: Double) -> Double {
        pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    /// A tick label without needless digits: "0.25", "1200", "3".
    func label(_ value: Double) -> String {
        let spacing = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = Swift.max(0, Int(ceil(-log10(spacing) - 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }
}
