import Testing

@testable import ShiplogHTTP

@Suite("AWSCredentials from the environment")
struct AWSCredentialsTests {
    @Test("reads the key pair and the session token")
    func readsAllThree() throws {
        let credentials = try AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "SECRETEXAMPLE",
            "AWS_SESSION_TOKEN": "TOKENEXAMPLE",
        ])
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyId: "AKIDEXAMPLE", secretAccessKey: "SECRETEXAMPLE", sessionToken: "TOKENEXAMPLE"))
    }

    @Test("an empty or absent session token means long-term keys")
    func noSessionToken() throws {
        let empty = try AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "SECRETEXAMPLE", "AWS_SESSION_TOKEN": "",
        ])
        let absent = try AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "SECRETEXAMPLE",
        ])
        #expect(empty.sessionToken == nil)
        #expect(absent.sessionToken == nil)
    }

    @Test("a missing variable is named in a .missingCredentials error that shows no value")
    func missingSecret() {
        let error = #expect(throws: HTTPError.self) {
            try AWSCredentials.fromEnvironment([
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SESSION_TOKEN": "TOKENEXAMPLE",
            ])
        }
        #expect(error?.code == .missingCredentials)
        #expect(error?.message.contains("AWS_SECRET_ACCESS_KEY is not set") == true)
        #expect(error?.description.contains("TOKENEXAMPLE") == false)
    }

    @Test("with nothing set, both variables are named")
    func nothingSet() {
        let error = #expect(throws: HTTPError.self) { try AWSCredentials.fromEnvironment([:]) }
        #expect(error?.message.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set") == true)
    }
}
