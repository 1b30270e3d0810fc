/// A learning-rate schedule: the rate to use during an epoch, from the optimizer's base rate.
public protocol Schedule: Component {
    /// `epoch` counts from 0; `totalEpochs` is the length of the `train` request.
    func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double
}
