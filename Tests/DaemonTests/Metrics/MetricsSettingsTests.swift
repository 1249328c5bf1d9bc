import Base
@testable import Daemon
import Foundation
import TestSupport
import Testing

/// `[metrics]` in the daemon's config file.
struct MetricsSettingsTests {

    @Test func noTableMeansNoMetrics() throws {
        #expect(try ConfigFileFixture.settings("max_jobs = 2\n").metrics == nil)
    }

    @Test func bothOutputsAreRead() throws {
        let settings = try ConfigFileFixture.settings("[metrics]\nlisten = \"[::1]:9464\"\ntextfile = \"/var/lib/node/ptune.prom\"\ntextfile_seconds = 2\n")
        #expect(settings.metrics?.listen?.description == "[::1]:9464")
        #expect(settings.metrics?.textfile == "/var/lib/node/ptune.prom")
        #expect(settings.metrics?.textfileSeconds == 2)
        #expect(try ConfigFileFixture.settings("[metrics]\nlisten = \"localhost:0\"\n").metrics?.listen?.description == "127.0.0.1:0")
    }

    @Test(arguments: [
        ("[metrics]\n", "names no output"),
        ("[metrics]\nlisten = \"example.com:80\"\n", "literal IP address"),
        ("[metrics]\nlisten = \"127.0.0.1\"\n", "ADDRESS:PORT"),
        ("[metrics]\nlisten = \"127.0.0.1:70000\"\n", "ADDRESS:PORT"),
        ("[metrics]\ntextfile = \"ptune.prom\"\n", "absolute path"),
        ("[metrics]\ntextfile = \"/tmp/ptune.txt\"\n", "*.prom"),
        ("[metrics]\nlisten = \"127.0.0.1:1\"\nport = 3\n", "unknown key metrics.port"),
        ("metrics = 1\n", "must be a table"),
    ])
    func mistakesAreNamed(text: String, expected: String) {
        ConfigFileFixture.expectRefused(text, naming: expected)
    }

    @Test func aTakenPortFailsTheStartWithTheAddress() throws {
        let first = try MetricsEndpoint(address: MetricsSettings.Address("127.0.0.1:0")!)
        #expect(first.address.port != 0)
        #expect(throws: ActionableError.self) { try MetricsEndpoint(address: first.address) }
    }
}
