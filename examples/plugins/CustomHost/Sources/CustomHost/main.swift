import GradwellBuiltins
import GradwellHost
import GradwellProtocols

// The builtin registry plus this package's components, served exactly like the builtins.
let registry = try Registry.builtins.adding(layers: [GaussianNoiseDefinition.self], optimizers: [AdaBelief.self],
                                            origin: "custom-host")
GradwellHost.main(registry: registry)
