import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// Components that build components use the registry that resolved them (a plugin schedule
/// after a warm-up), and an optimizer continues across `train` requests that change only `lr`.
@Suite struct ComponentCompositionTests {
    /// A plugin's schedule: half the base rate from the first epoch on.
    struct Halving: Schedule {
        static let name = "halving"
        static let parameters: [ParameterSpec] = []
        init(config: ResolvedConfig) {}
        func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double { base / 2 }
    }

    @Test func aWarmUpHandsOverToAPluginSchedule() throws {
        let registry = try Registry.builtins.adding(schedules: [Halving.self], origin: "test")
        let config = try registry.resolve(.object(["type": "warmup", "warmup_epochs": 2, "then": "halving"]), kind: .schedule, path: "s")
        let schedule = try registry.makeSchedule(config)
        #expect((0..<4).map { schedule.learningRate(base: 0.1, epoch: $0, totalEpochs: 10) } == [0.05, 0.1, 0.05, 0.05])
    }

    /// The optimizer's step count in a saved model after two trains: continued when the second
    /// changes only `lr`, restarted when it changes `beta1`.
    @Test func onlyChangingTheLearningRateKeepsTheOptimizerState() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func stepAfter(_ second: [String: Any]) throws -> Int {
            let host = try HostProcess()
            host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 64, "seed": 1])
            host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")]])
            host.result("train", ["model": "m", "data": "d", "epochs": 3, "batch_size": 32, "optimizer": ["type": "adam", "lr": 0.01]])
            host.result("train", ["model": "m", "data": "d", "epochs": 2, "batch_size": 32, "optimizer": second])
            let path = directory.appendingPathComponent("m.json").path
            host.result("model/save", ["model": "m", "path": path])
            #expect(host.finish() == 0)
            let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let optimizer = try #require(file["optimizer"] as? [String: Any])
            return try #require(optimizer["step"] as? Int)
        }
        #expect(try stepAfter(["type": "adam", "lr": 0.001]) == 10)
        #expect(try stepAfter(["type": "adam", "lr": 0.01, "beta1": 0.8]) == 4)
    }

    /// Over the wire, a preset is listed with its base and trains exactly as its base with those settings.
    @Test func aPresetIsListedWithItsBaseAndTrainsAsIt() throws {
        let host = try HostProcess()
        let optimizers = try #require(host.result("registry/list")["optimizers"] as? [[String: Any]])
        let adamw = try #require(optimizers.first { $0["type"] as? String == "adamw" })
        #expect(adamw["preset_of"] as? String == "adam")
        let params = try #require(adamw["params"] as? [String: [String: Any]])
        #expect(params["decoupled_weight_decay"]?["default"] as? Bool == true)
        #expect(optimizers.first { $0["type"] as? String == "adam" }?["preset_of"] == nil)
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 64, "seed": 1])
        func cost(_ optimizer: Any) -> Double? {
            host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")], "seed": 3])
            return host.result("train", ["model": "m", "data": "d", "epochs": 3, "batch_size": 16, "optimizer": optimizer])["cost"] as? Double
        }
        let preset = cost("adamw")
        #expect(preset != nil && preset == cost(["type": "adam", "decoupled_weight_decay": true, "weight_decay": 0.01]))
        #expect(preset != cost("adam"))
        #expect(cost("nesterov") == cost(["type": "momentum", "nesterov": true]))
        #expect(host.finish() == 0)
    }

    /// A config the numerics refuse names its field; the host puts it where the config sits in
    /// the request, here inside a search's template.
    @Test func aRefusedConfigInASearchTemplateIsNamedAtItsPlace() throws {
        let host = try HostProcess()
        let response = host.call("search", [
            "template": ["datasets": ["b": ["generator": "blobs", "center_low": 5, "center_high": 1]],
                         "model": ["input": 2, "layers": [dense(1, "sigmoid")]], "train": ["data": "b"]],
            "space": ["train.epochs": ["type": "int", "low": 1, "high": 2]], "trials": 1])
        let error = try #require(response["error"] as? [String: Any], "\(response)")
        #expect(error["code"] as? Int == -32602)
        #expect((error["data"] as? [String: Any])?["path"] as? String == "params.template.datasets.b.center_high")
        #expect(host.finish() == 0)
    }
}
