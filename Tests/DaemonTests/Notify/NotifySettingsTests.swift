import Base
@testable import Daemon
import Foundation
import Store
import TestSupport
import Testing

/// `[notify]` in the daemon's config file, and what a delivery hands a command.
struct NotifySettingsTests {

    @Test func channelsStatesAndLimitsAreRead() throws {
        let notify = try #require(try ConfigFileFixture.settings("""
            [notify]
            command = ["/usr/local/bin/on-job", "--quiet"]
            url = "http://hooks.example.org:8080/ptune"
            states = ["failed", "timed_out"]
            timeout_seconds = 3
            max_attempts = 2
            """).notify)
        #expect(notify.channels == [.command(["/usr/local/bin/on-job", "--quiet"]), .url(URL(string: "http://hooks.example.org:8080/ptune")!)])
        #expect(notify.states == [.failed, .timedOut])
        #expect(notify.timeoutSeconds == 3 && notify.maxAttempts == 2)
        #expect(try ConfigFileFixture.settings("[notify]\nurl = \"http://127.0.0.1:9/x\"\n").notify?.states == NotifySettings.defaultStates)
        #expect(!NotifySettings.defaultStates.contains(.rejected))
    }

    @Test(arguments: [
        ("[notify]\n", "names no channel"),
        ("[notify]\ncommand = \"/bin/true\"\n", "array of strings"),
        ("[notify]\ncommand = [\"true\"]\n", "absolute path"),
        ("[notify]\nurl = \"ftp://x/y\"\n", "an http:// URL"),
        ("[notify]\nurl = \"https://x/y\"\n", "an http:// URL"),
        ("[notify]\nurl = \"http://127.0.0.1/\"\nstates = [\"done\"]\n", "notify.states"),
        ("[notify]\nurl = \"http://127.0.0.1/\"\nstates = [\"rejected\"]\n", "notify.states"),
        ("[notify]\nurl = \"http://127.0.0.1/\"\nretries = 3\n", "unknown key notify.retries"),
    ])
    func mistakesAreNamed(text: String, expected: String) {
        ConfigFileFixture.expectRefused(text, naming: expected)
    }

    @Test func whatBundlesMayAskForIsReadAndURLsAreMatchedByPrefix() throws {
        let notify = try #require(try ConfigFileFixture.settings("""
            [notify]
            bundle_url_prefixes = ["http://hooks.internal:8080/ptune/"]

            [notify.bundle_commands]
            chat = ["/usr/local/bin/post-to-chat", "--channel", "ml"]
            """).notify)
        #expect(notify.channels.isEmpty, "bundles' channels alone make the table")
        #expect(notify.bundleCommands == ["chat": ["/usr/local/bin/post-to-chat", "--channel", "ml"]])
        #expect(notify.allowsBundleURL("http://hooks.internal:8080/ptune/team-a"))
        for url in ["http://hooks.internal:8080/other", "http://hooks.internal:8080/ptune/../admin",
                    "http://hooks.internal:8080.evil.org/ptune/x", "https://hooks.internal:8080/ptune/x",
                    "http://hooks.internal:8080/ptune/x%20HTTP/1.1%0d%0aHost:%20h%0d%0a%0d%0aPOST%20/admin",
                    "http://hooks.internal:8080/ptune/%2e%2e/admin", "http://hooks.internal:8080/ptune/a%2Fb",
                    "http://hooks.internal:8080/ptune/x y", "http://hooks.internal:8080/ptune/\u{0D}\u{0A}x",
                    "http://hooks.internal:8080/ptune/..\\admin", "http://hooks.internal:8080/ptune/%252fadmin",
                    "http://user@hooks.internal:8080/ptune/x"] {
            #expect(!notify.allowsBundleURL(url), "\(url)")
        }
        for url in ["http://hooks.internal:8080/ptune/job?x=1", "http://hooks.internal:8080/ptune/a?next=%2Fdone&q=a%20b"] {
            #expect(notify.allowsBundleURL(url), "\(url)")
        }
    }

    @Test func thePostedPathIsSentAsWrittenNeverDecoded() throws {
        let url = try #require(URL(string: "http://127.0.0.1:9/ptune/a%0d%0aX:%20y?q=%0a1"))
        #expect(HTTPPost.requestTarget(url) == "/ptune/a%0d%0aX:%20y?q=%0a1")
        #expect(HTTPPost.requestTarget(try #require(URL(string: "http://127.0.0.1:9"))) == "/")
    }

    @Test(arguments: [
        ("[notify]\nbundle_url_prefixes = [\"http://hooks.internal:8080/ptune\"]\n", "must end with /"),
        ("[notify]\nbundle_url_prefixes = [\"ftp://x/\"]\n", "an http:// URL"),
        ("[notify.bundle_commands]\nchat = \"/bin/true\"\n", "notify.bundle_commands.chat must be an array of strings"),
        ("[notify.bundle_commands]\nchat = [\"true\"]\n", "absolute path"),
        ("[notify.bundle_commands]\n\"a b\" = [\"/bin/true\"]\n", "not a command name"),
    ])
    func mistakesInWhatBundlesMayAskForAreNamed(text: String, expected: String) {
        ConfigFileFixture.expectRefused(text, naming: expected)
    }

    @Test func aCommandGetsTheJobInItsEnvironment() throws {
        let payload = Data(#"{"id":"abc","name":"sst2","state":"failed","owner":"alice","reason":"out of memory","folder":"/s/failed/abc"}"#.utf8)
        let environment = NotificationDelivery.environment(payload, id: "abc.command")
        #expect(environment["PTUNE_JOB_ID"] == "abc" && environment["PTUNE_JOB_STATE"] == "failed")
        #expect(environment["PTUNE_JOB_OWNER"] == "alice" && environment["PTUNE_JOB_REASON"] == "out of memory")
        #expect(environment["PTUNE_JOB_FOLDER"] == "/s/failed/abc" && environment["PTUNE_NOTIFICATION_ID"] == "abc.command")
    }

    @Test func aFailingCommandIsAFailedDelivery() throws {
        #expect(throws: DeliveryError.self) {
            try NotificationDelivery.deliver(Data("{}".utf8), on: .command(["/bin/false"]), id: "x", timeout: 5)
        }
        try NotificationDelivery.deliver(Data("{}".utf8), on: .command(["/bin/true"]), id: "x", timeout: 5)
        #expect(throws: DeliveryError.self) {
            try NotificationDelivery.deliver(Data("{}".utf8), on: .command(["/bin/sleep", "5"]), id: "x", timeout: 0.3)
        }
    }

    @Test func aURLNobodyAnswersIsAFailedDelivery() throws {
        // A port bound but never accepting: the connection is refused or times out, never delivered.
        let closed = try MetricsEndpoint(address: MetricsSettings.Address("127.0.0.1:0")!)
        let port = closed.address.port
        withExtendedLifetime(closed) {}
        #expect(throws: DeliveryError.self) {
            try NotificationDelivery.deliver(Data("{}".utf8), on: .url(URL(string: "http://127.0.0.1:\(port)/x")!), id: "x", timeout: 1)
        }
    }
}
