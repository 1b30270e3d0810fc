import Foundation
import Testing

/// End-to-end tests of framing and errors: raw lines into the real host, answers checked, and
/// after every bad input the host must still answer `initialize`.
@Suite struct ProtocolTests {
    @Test func initializeReportsNameVersionAndProtocol() throws {
        let host = try HostProcess()
        let result = host.result("initialize")
        #expect(result["name"] as? String == "gradwell")
        #expect(result["protocol"] as? Int == 1)
        #expect(result["dtypes"] as? [String] == ["float32", "float64"])
        let methods = result["methods"] as? [String] ?? []
        for method in ["initialize", "registry/list", "dataset/generate", "dataset/inline", "model/create", "train",
                       "evaluate", "predict", "model/save", "model/load", "shutdown", "$/cancel"] {
            #expect(methods.contains(method), "initialize lists \(method)")
        }
        #expect(host.finish() == 0)
    }

    /// Subnormal numbers are flushed to zero by default on every compute thread (`initialize`
    /// says so), kept with `--denormals keep`. A float32 dense layer of weights 1e-20 fed inputs
    /// of 1e-20: each product is 1e-40, subnormal. Flushed, every output is exactly 0; kept, each
    /// is the sum of 512 of them, 5.1e-38 (a normal number). 128 rows × 512 × 64 is a product the
    /// host cuts across its two threads, so the worker thread's rows are checked too.
    @Test func denormalsAreFlushedUnlessAskedToKeep() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tiny-weights.json").path
        let maker = try HostProcess()
        maker.result("model/create", ["name": "m", "input": 512, "layers": [["type": "dense", "units": 64]],
                                      "loss": "mse", "dtype": "float32", "seed": 1])
        maker.result("model/save", ["model": "m", "path": path])
        #expect(maker.finish() == 0)
        var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var parameters = try #require(file["parameters"] as? [[String: Any]])
        parameters[0]["values"] = [Double](repeating: 1e-20, count: 64 * 512)
        file["parameters"] = parameters
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: path))
        let x = [[Double]](repeating: [Double](repeating: 1e-20, count: 512), count: 128)

        func outputs(_ arguments: [String]) throws -> (mode: String?, y: [Double]) {
            let host = try HostProcess(arguments: arguments)
            let mode = host.result("initialize")["denormals"] as? String
            host.result("model/load", ["name": "m", "path": path])
            let y = try #require(host.result("predict", ["model": "m", "x": x])["y"] as? [[Double]])
            #expect(host.finish() == 0)
            return (mode, Array(y.joined()))
        }
        let flushed = try outputs(["--threads", "2"])
        #expect(flushed.mode == "flush")
        #expect(flushed.y.count == 128 * 64 && flushed.y.allSatisfy { $0 == 0 })
        let kept = try outputs(["--threads", "2", "--denormals", "keep"])
        #expect(kept.mode == "keep")
        #expect(kept.y.count == 128 * 64 && kept.y.allSatisfy { abs($0 - 512e-40) < 1e-40 })
        #expect(try outputs(["--denormals", "flush"]).y.allSatisfy { $0 == 0 })

        let wrong = try HostProcess(arguments: ["--denormals", "sometimes"])
        #expect(wrong.waitForExit() == 2)
    }

    @Test func garbageLineIsAParseErrorWithNullID() throws {
        let host = try HostProcess()
        host.send("this is not json")
        let response = host.readMessage()!
        #expect(codeOf(response) == -32700)
        #expect(response["id"] is NSNull)
        #expect(host.stillServes())
    }

    @Test(arguments: ["42", "\"text\"", "null", "true", "{}", "{\"jsonrpc\":\"2.0\"}", "{\"jsonrpc\":\"2.0\",\"method\":7}",
                      "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"initialize\"}"])
    func validJSONThatIsNotARequestIsInvalidRequest(line: String) throws {
        let host = try HostProcess()
        host.send(line)
        let response = host.readMessage()!
        #expect(codeOf(response) == -32600, "\(line)")
        #expect(host.stillServes())
    }

    @Test func missingOrWrongJSONRPCVersionIsInvalidRequestAndKeepsTheID() throws {
        let host = try HostProcess()
        host.send("{\"id\":5,\"method\":\"initialize\"}")
        var response = host.readMessage()!
        #expect(codeOf(response) == -32600)
        #expect(response["id"] as? Int == 5)
        #expect(dataOf(response)["path"] as? String == "jsonrpc")
        host.send("{\"jsonrpc\":\"1.0\",\"id\":\"a\",\"method\":\"initialize\"}")
        response = host.readMessage()!
        #expect(codeOf(response) == -32600)
        #expect(response["id"] as? String == "a")
        #expect(host.stillServes())
    }

    @Test func emptyArrayIsInvalidAndABatchIsAnsweredAsAnArray() throws {
        let host = try HostProcess()
        host.send("[]")
        #expect(codeOf(host.readMessage()!) == -32600)
        host.send("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"},7,{\"jsonrpc\":\"2.0\",\"method\":\"initialize\"}]")
        let line = host.readLine()!
        let batch = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]]
        #expect(batch?.count == 2, "one answer for the request, one for the 7, none for the notification")
        #expect((batch?[0]["result"] as? [String: Any])?["name"] as? String == "gradwell")
        #expect(codeOf(batch?[1] ?? [:]) == -32600)
        #expect(host.stillServes())
    }

    @Test func unknownMethodIsMethodNotFound() throws {
        let host = try HostProcess()
        let response = host.call("no/such/method")
        #expect(codeOf(response) == -32601)
        #expect(dataOf(response)["method"] as? String == "no/such/method")
        #expect(host.stillServes())
    }

    @Test func notificationsAreExecutedButNeverAnswered() throws {
        let host = try HostProcess()
        host.send("{\"jsonrpc\":\"2.0\",\"method\":\"dataset/generate\",\"params\":{\"name\":\"quiet\",\"generator\":\"moons\",\"n\":10}}")
        host.send("{\"jsonrpc\":\"2.0\",\"method\":\"no/such/method\"}")
        // The next line must answer this request: the notifications produced nothing.
        let response = host.call("dataset/inline", ["name": "probe", "x": [[1.0]], "y": [0]])
        #expect(response["result"] != nil)
        let model = host.result("model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")]])
        #expect(model["parameters"] as? Int == 3)
        let evaluation = host.call("evaluate", ["model": "m", "data": "quiet"])
        #expect((evaluation["result"] as? [String: Any])?["n"] as? Int == 10, "the notification's data set exists")
    }

    @Test func blankLinesAreSkippedAndCRLFIsAccepted() throws {
        let host = try HostProcess()
        host.sendRaw(Array("\n   \n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\r\n".utf8))
        let response = host.readMessage()!
        #expect(response["id"] as? Int == 1)
        #expect(response["result"] != nil)
    }

    @Test func nonUTF8LineIsAParseError() throws {
        let host = try HostProcess()
        host.sendRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"".utf8) + [0xC3, 0x28, 0xFF] + Array("\"}\n".utf8))
        let response = host.readMessage()!
        #expect(codeOf(response) == -32700)
        #expect(response["id"] is NSNull)
        #expect(host.stillServes())
    }

    @Test func embeddedNULIsAParseError() throws {
        let host = try HostProcess()
        host.sendRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":1,".utf8) + [0] + Array("\"method\":\"initialize\"}\n".utf8))
        #expect(codeOf(host.readMessage()!) == -32700)
        #expect(host.stillServes())
    }

    @Test func aHundredMegabyteLineIsRefusedAsAResourceLimit() throws {
        let host = try HostProcess()
        var line = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"dataset/inline\",\"params\":{\"name\":\"big\",\"x\":[".utf8)
        line += [UInt8](repeating: UInt8(ascii: "1"), count: 100 << 20)
        line += Array("]}}\n".utf8)
        host.sendRaw(line)
        let response = host.readMessage()!
        #expect(codeOf(response) == -32002)
        #expect(response["id"] is NSNull)
        #expect(dataOf(response)["limit"] as? Int == 64 << 20)
        #expect(host.stillServes())
    }

    @Test func theLineLimitIsAFlag() throws {
        let host = try HostProcess(arguments: ["--max-line-bytes", "100"])
        host.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"padding\":\"\(String(repeating: "x", count: 200))\"}}")
        #expect(codeOf(host.readMessage()!) == -32002)
        #expect(host.stillServes())
    }

    @Test func duplicateKeysAreInvalidRequests() throws {
        let host = try HostProcess()
        host.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"initialize\"}")
        let response = host.readMessage()!
        #expect(codeOf(response) == -32600)
        #expect(response["id"] is NSNull, "which id would it be?")
        #expect(host.stillServes())
    }

    @Test func nonFiniteLiteralsAreParseErrors() throws {
        let host = try HostProcess()
        for line in ["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"predict\",\"params\":{\"x\":[[NaN]]}}",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"predict\",\"params\":{\"x\":[[1e400]]}}"] {
            host.send(line)
            #expect(codeOf(host.readMessage()!) == -32700, "\(line)")
        }
        #expect(host.stillServes())
    }

    @Test func paramsMustBeAnObject() throws {
        let host = try HostProcess()
        host.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"model/create\",\"params\":[1,2]}")
        let response = host.readMessage()!
        #expect(codeOf(response) == -32602)
        #expect(dataOf(response)["path"] as? String == "params")
    }

    @Test func endOfInputIsAnOrderlyExit() throws {
        let host = try HostProcess()
        #expect(host.stillServes())
        #expect(host.finish() == 0)
    }

    @Test func shutdownAnswersThenExits() throws {
        let host = try HostProcess()
        let response = host.call("shutdown")
        #expect(response["result"] != nil)
        #expect(host.waitForExit() == 0)
    }
}
