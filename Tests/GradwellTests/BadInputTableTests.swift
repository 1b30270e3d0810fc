import Foundation
import Testing

/// A table of malformed and hostile inputs across every method: each with the exact error code
/// (and field, where one is at fault), and the host still serving after each.
@Suite struct BadInputTableTests {
    struct Case: CustomStringConvertible, Sendable {
        var line: String
        var code: Int
        var path: String?
        var description: String { line.count > 120 ? String(line.prefix(120)) + "..." : line }
    }

    static func request(_ method: String, _ params: String) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"\(method)\",\"params\":\(params)}"
    }

    static let model = "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":4,\"activation\":\"relu\"},{\"type\":\"dense\",\"units\":1,\"activation\":\"sigmoid\"}]}"

    static let cases: [Case] = [
        // Framing and encoding.
        Case(line: "{", code: -32700), Case(line: "{\"jsonrpc\":\"2.0\"", code: -32700), Case(line: "}{", code: -32700),
        Case(line: "\u{FEFF}{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\"}", code: -32700),
        Case(line: "{'jsonrpc':'2.0'}", code: -32700), Case(line: "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",}", code: -32700),
        Case(line: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), code: -32700),
        Case(line: request("predict", "{\"model\":\"m\",\"x\":[[1e400,1]]}"), code: -32700),
        Case(line: request("train", "{\"model\":\"m\",\"data\":\"d\",\"epochs\":9223372036854775808}"), code: -32700),
        Case(line: request("predict", "{\"model\":\"m\",\"x\":[[Infinity,1]]}"), code: -32700),
        Case(line: "{\"jsonrpc\":\"2.0\",\"id\":7,\"id\":8,\"method\":\"initialize\"}", code: -32600),
        // Envelope.
        Case(line: "[]", code: -32600), Case(line: "12", code: -32600), Case(line: "\"initialize\"", code: -32600),
        Case(line: "{\"jsonrpc\":\"2.0\",\"id\":7}", code: -32600, path: "method"),
        Case(line: "{\"jsonrpc\":2,\"id\":7,\"method\":\"initialize\"}", code: -32600, path: "jsonrpc"),
        Case(line: "{\"jsonrpc\":\"2.0\",\"id\":[7],\"method\":\"initialize\"}", code: -32600, path: "id"),
        Case(line: "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":[\"initialize\"]}", code: -32600, path: "method"),
        Case(line: request("initialise", "{}"), code: -32601), Case(line: request("model/boundary", "{}"), code: -32602, path: "params.model"),
        Case(line: request("model/create", "7"), code: -32600, path: "params"),  // JSON-RPC 2.0 §4.2: params is structured or absent
        Case(line: request("model/create", "null"), code: -32600, path: "params"),
        // model/create.
        Case(line: request("model/create", "{\"name\":\"m\",\"layers\":[]}"), code: -32602, path: "params.input"),
        Case(line: request("model/create", "{\"name\":\"\",\"input\":2,\"layers\":[\"dense\"]}"), code: -32602, path: "params.name"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":0,\"layers\":[{\"type\":\"dense\",\"units\":1}]}"), code: -32602, path: "params.input"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":{\"type\":\"dense\"}}"), code: -32602, path: "params.layers"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"units\":3}]}"), code: -32602, path: "params.layers[0].type"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\"}]}"), code: -32602, path: "params.layers[0].units"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":2.5}]}"), code: -32602, path: "params.layers[0].units"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"use_bias\":\"no\"}]}"), code: -32602, path: "params.layers[0].use_bias"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dropout\",\"keep_prob\":0}]}"), code: -32602, path: "params.layers[0].keep_prob"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dropout\",\"keep_prob\":-0.5}]}"), code: -32602, path: "params.layers[0].keep_prob"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dropout\",\"keep_prob\":1.5}]}"), code: -32602, path: "params.layers[0].keep_prob"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"batchnorm\",\"momentum\":1}]}"), code: -32602, path: "params.layers[0].momentum"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"init\":{\"type\":\"random\",\"scale\":-1}}]}"), code: -32602, path: "params.layers[0].init.scale"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"init\":7}]}"), code: -32602, path: "params.layers[0].init"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"init\":\"orthogonal\"}]}"), code: -32001, path: "params.layers[0].init"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"activation\":\"gelu\"}]}"), code: -32001, path: "params.layers[0].activation"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"lstm\"}]}"), code: -32001, path: "params.layers[0]"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":1}],\"loss\":{\"type\":\"focal\"}}"), code: -32001, path: "params.loss"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":1}],\"rng\":\"torch\"}"), code: -32602, path: "params.rng"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":1}],\"seed\":4294967296}"), code: -32602, path: "params.seed"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":10000000,\"layers\":[{\"type\":\"dense\",\"units\":10000000}]}"), code: -32002, path: "params.layers[0]"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":4611686018427387903,\"layers\":[{\"type\":\"dense\",\"units\":1}]}"), code: -32002, path: "params.input"),
        // Data sets.
        Case(line: request("dataset/generate", "{\"name\":\"d\",\"generator\":\"moons\",\"n\":-5}"), code: -32602, path: "params.n"),
        Case(line: request("dataset/generate", "{\"name\":\"d\",\"generator\":\"moons\",\"n\":\"300\"}"), code: -32602, path: "params.n"),
        Case(line: request("dataset/generate", "{\"name\":\"d\",\"generator\":\"moons\",\"color\":1}"), code: -32602, path: "params.color"),
        Case(line: request("dataset/generate", "{\"name\":\"d\",\"generator\":\"blobs\",\"features\":100000,\"n\":100000}"), code: -32002, path: "params.n"),
        Case(line: request("dataset/generate", "{\"name\":\"d\"}"), code: -32602, path: "params.generator"),
        // Configs that pass their schema but not the component (numerics name the field, the host the request path).
        Case(line: request("dataset/generate", "{\"name\":\"d\",\"generator\":\"blobs\",\"center_low\":5,\"center_high\":1}"), code: -32602, path: "params.center_high"),
        Case(line: request("model/create", "{\"name\":\"m\",\"input\":2,\"layers\":[{\"type\":\"dense\",\"units\":3,\"activation\":\"relu\"}],\"loss\":\"softmax_cross_entropy\"}"), code: -32602, path: "params.layers[0].activation"),
        Case(line: request("dataset/inline", "{\"name\":\"d\",\"x\":[[1,2],[3,\"4\"]],\"y\":[0,1]}"), code: -32602, path: "params.x[1][1]"),
        Case(line: request("dataset/inline", "{\"name\":\"d\",\"x\":[1,2],\"y\":[0,1]}"), code: -32602, path: "params.x[0]"),
        Case(line: request("dataset/inline", "{\"name\":\"d\",\"x\":[[1,2]],\"y\":[0],\"z\":1}"), code: -32602, path: "params.z"),
        Case(line: request("dataset/load", "{\"name\":\"d\",\"path\":\"/nonexistent/file.csv\"}"), code: -32004),
        Case(line: request("dataset/load", "{\"name\":\"d\",\"path\":\"/etc/hostname\",\"format\":\"parquet\"}"), code: -32602, path: "params.format"),
        Case(line: request("dataset/split", "{\"source\":\"ghost\",\"into\":{\"a\":1}}"), code: -32003, path: "params.source"),
        Case(line: request("dataset/normalize", "{\"name\":\"ghost\"}"), code: -32003, path: "params.name"),
        // Models that do not exist, and methods on them.
        Case(line: request("train", "{\"model\":\"ghost\",\"data\":\"d\"}"), code: -32003, path: "params.model"),
        Case(line: request("evaluate", "{\"model\":\"ghost\",\"data\":\"d\"}"), code: -32003, path: "params.model"),
        Case(line: request("predict", "{\"model\":\"ghost\",\"x\":[[1,2]]}"), code: -32003, path: "params.model"),
        Case(line: request("gradcheck", "{\"model\":\"ghost\",\"data\":\"d\"}"), code: -32003, path: "params.model"),
        Case(line: request("model/save", "{\"model\":\"ghost\",\"path\":\"/tmp/x.json\"}"), code: -32003, path: "params.model"),
        Case(line: request("model/load", "{\"name\":\"m\",\"path\":\"/nonexistent/m.json\"}"), code: -32004),
        Case(line: request("model/load", "{\"name\":\"m\",\"path\":\"/etc\"}"), code: -32004),
        Case(line: request("$/cancel", "{}"), code: -32602, path: "params.id"),
        Case(line: request("registry/list", "{\"verbose\":true}"), code: -32602, path: "params.verbose"),
        Case(line: request("search", "{\"template\":{\"model\":{}},\"space\":{}}"), code: -32602, path: "params.template.train"),
        Case(line: request("shutdown", "{\"now\":true}"), code: -32602, path: "params.now"),
    ]

    @Test(arguments: cases)
    func isRefusedAndTheHostServesOn(_ testCase: Case) throws {
        let host = try HostProcess()
        host.send(testCase.line)
        let response = try #require(host.readMessage(timeout: 30), "no answer")
        #expect(codeOf(response) == testCase.code, "\(response)")
        if let path = testCase.path {
            #expect(dataOf(response)["path"] as? String == path, "\(response)")
        }
        #expect(host.stillServes())
    }

    @Test func atLeastSixtyCases() {
        #expect(Self.cases.count >= 60)
    }
}
