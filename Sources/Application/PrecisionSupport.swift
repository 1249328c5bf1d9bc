import Base
import Tensor

extension Precision {
    /// Fails, saying what to do, when this CPU cannot run this precision.
    public func checkSupported() throws(ActionableError) {
        if self == .bf16, !Precision.bf16Supported {
            throw ActionableError("precision bf16 needs a CPU with AVX-512 BF16 (avx512_bf16 in /proc/cpuinfo), which this one lacks",
                                   hint: "use fp32: --precision fp32, or training.precision = \"fp32\" in task.toml")
        }
    }
}
