using MagvitSeg.Data.Coco;
using MagvitSeg.Models.Head;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>A decoded COCO split in the head's terms. Here, not in Data, because Data knows no model types.</summary>
public static class HeadInputs
{
    /// <summary>The predictor's view of a placement in an <paramref name="size"/> x <paramref name="size"/> input.</summary>
    public static ImageGeometry ToGeometry(this ImagePlacement p, int size) =>
        new(size, size, 0, 0, p.ScaledWidth, p.ScaledHeight, p.Height, p.Width);

    /// <summary>Image <paramref name="index"/>'s targets as the head's tensors: masks [M, S, S] (bool), classes [M], ignore [S, S].</summary>
    public static InstanceTarget TargetTensors(this CocoImageSet set, int index)
    {
        var t = set.Targets[index];
        return new InstanceTarget(
            tensor(t.Masks, new long[] { t.Count, set.Size, set.Size }).to(ScalarType.Bool),
            tensor(t.Classes.Select(c => (long)c).ToArray()),
            tensor(t.Ignore, new long[] { set.Size, set.Size }).to(ScalarType.Bool));
    }
}
