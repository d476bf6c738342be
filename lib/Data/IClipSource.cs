using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>
/// Where pretraining clips come from. A batch is [B, 3, T, H, W] float32 in [-1, 1] on the CPU; the trainer moves
/// it to the model's device. It must be a pure function of (step, batch size): that is what makes a resumed run
/// continue the same curve without saving the source's state.
/// </summary>
public interface IClipSource
{
    /// <summary>The clips of training step <paramref name="step"/>.</summary>
    Tensor Batch(long step, int batchSize);
}
