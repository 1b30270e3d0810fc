import GradwellBuiltins
import GradwellProtocols

extension Methods {
    /// Refuses a component's number whose bound a float32 model would lose: an exclusive bound
    /// (β < 1, ε > 0) that the value meets once rounded to float32 (0.99999999 becomes 1,
    /// 1e-50 becomes 0), where the component's formula would then no longer hold (Adam's second
    /// moment stops moving; batch norm divides 0 by 0). float64 models take the values as they are.
    static func checkRepresentable(_ config: ResolvedConfig, dtype: DType, registry: Registry, path: String) throws {
        guard dtype == .float32, let entry = registry.entry(config.kind, config.type) else { return }
        for spec in entry.parameters where spec.kind == .number {
            guard let value = config.values.first(where: { $0.name == spec.name }),
                  case .plain(let plain) = value.value, let number = plain.doubleValue else { continue }
            let rounded = Double(Float(number))
            if spec.exclusiveMaximum, let maximum = spec.maximum, rounded >= maximum {
                throw GradwellError.invalid("\(path).\(spec.name)",
                    expected: "a number < \(maximum) once rounded to float32 (\(number) rounds to \(rounded) there); use a float64 model for it",
                    got: "\(number)")
            }
            if spec.exclusiveMinimum, let minimum = spec.minimum, rounded <= minimum {
                throw GradwellError.invalid("\(path).\(spec.name)",
                    expected: "a number > \(minimum) once rounded to float32 (\(number) rounds to \(rounded) there); use a float64 model for it",
                    got: "\(number)")
            }
        }
        for value in config.values {
            if case .component(let nested) = value.value {
                try checkRepresentable(nested, dtype: dtype, registry: registry, path: "\(path).\(value.name)")
            }
        }
    }
}
