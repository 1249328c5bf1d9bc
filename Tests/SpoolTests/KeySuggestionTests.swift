@testable import Spool
import Testing

@Suite struct KeySuggestionTests {
    @Test func suggestsCloseKeysOnly() {
        let keys = ManifestKeys.training
        #expect(KeySuggestion.closest(to: "lerning_rate", among: keys) == "learning_rate")
        #expect(KeySuggestion.closest(to: "epoch", among: keys) == "epochs")
        #expect(KeySuggestion.closest(to: "batchsize", among: keys) == "batch_size")
        #expect(KeySuggestion.closest(to: "Seeds", among: keys) == "seeds")
        #expect(KeySuggestion.closest(to: "gpu", among: keys) == nil)
        #expect(KeySuggestion.editDistance(Array("ab"), Array("ba")) == 1)
    }
}
