using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>
/// The frames of a video source as one-frame clips [B, 3, 1, H, W], for training the image-only (2D) tokenizer on exactly
/// the pixels the video tokenizer sees: step s takes the frames of the clips the inner source gives for step s.
/// </summary>
public sealed class FramesOfClips(IClipSource clips, int framesPerClip) : IClipSource
{
    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize)
    {
        int clipCount = (batchSize + framesPerClip - 1) / framesPerClip;
        using var scope = NewDisposeScope();
        var video = clips.Batch(step, clipCount);                                          // [b, 3, T, H, W]
        long b = video.shape[0], t = video.shape[2], h = video.shape[3], w = video.shape[4];
        var frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, 3, h, w).narrow(0, 0, batchSize);
        return scope.MoveToOuter(frames.unsqueeze(2).contiguous());                          // [B, 3, 1, H, W]
    }

    /// <inheritdoc/>
    public override string ToString() => $"frames-of({clips})";
}
