namespace MagvitSeg.Config;

/// <summary>
/// Size of the query-based mask-classification head (MaskFormer/Mask2Former family, kept small).
/// </summary>
/// <param name="Queries">Learned object queries N. <value>The default value is 20.</value></param>
/// <param name="HiddenDim">Width D of the pixel decoder and the transformer decoder. <value>The default value is 64.</value></param>
/// <param name="DecoderLayers">Transformer decoder layers L (each: cross-attention, self-attention, MLP). <value>The default value is 3.</value></param>
/// <param name="Heads">Attention heads (must divide D). <value>The default value is 4.</value></param>
/// <param name="FeedForwardDim">MLP width inside a decoder layer. <value>The default value is 256.</value></param>
/// <param name="MaskDim">Width of the mask embeddings and per-pixel embeddings. <value>The default value is 64.</value></param>
/// <param name="ExtraUpsample">2x upsampling stages after the finest input level (1: a 1/8 latent gives 1/4 masks). <value>The default value is 1.</value></param>
/// <param name="Dropout">Dropout inside the decoder layers (0 keeps training deterministic). <value>The default value is 0.</value></param>
/// <param name="ContextBlocks">Extra 3x3 conv blocks on the finest FPN level, so each memory token sees a whole object
/// (categories that differ only by shape need that context; Mask2Former gets it from a deep backbone). <value>The default value is 0.</value></param>
/// <param name="ClassRoiGrid">R &gt; 0: class logits also read an R x R box-aligned sample of the per-pixel embeddings and
/// the mask inside each query's mask box (<c>MaskRoiPool</c>); 0 turns it off (plain Mask2Former). <value>The default value is 0 (off).</value></param>
/// <param name="ClassRoiConv">C &gt; 0: the class read-out passes its R x R sample through two 3x3 convolutions of C
/// channels before projecting it (0: a linear projection of the flattened sample). Needs ClassRoiGrid &gt; 0. <value>The default value is 0 (a linear read-out).</value></param>
public sealed record MaskHeadConfig(
    int Queries = 20,
    int HiddenDim = 64,
    int DecoderLayers = 3,
    int Heads = 4,
    int FeedForwardDim = 256,
    int MaskDim = 64,
    int ExtraUpsample = 1,
    double Dropout = 0.0,
    int ContextBlocks = 0,
    int ClassRoiGrid = 0,
    int ClassRoiConv = 0)
{
    /// <summary>For tests: a few queries, D = 32, two layers, the cpu head's class read-out at 4x4 and 8 channels.</summary>
    public static MaskHeadConfig Tiny => new(Queries: 10, HiddenDim: 32, DecoderLayers: 2, Heads: 2, FeedForwardDim: 64, MaskDim: 32, ClassRoiGrid: 4, ClassRoiConv: 8);

    /// <summary>
    /// CPU-sized study head (MovingShapes): 20 queries, D = 64, 3 layers, an 8x8 class read-out of each mask's box
    /// (raw-pixel baseline, seed 0, 800 steps: 3.5 AP without it, 7.2 AP with it: categories differ by outline),
    /// read by two 32-channel convolutions (raw pixels, seed 0, the cpu study protocol: 13.6 AP with a linear
    /// read-out, 20.2 AP with the convolutions).
    /// </summary>
    public static MaskHeadConfig Cpu => new(ClassRoiGrid: 8, ClassRoiConv: 32);

    /// <summary>GPU-sized COCO head: 100 queries, D = 256, 6 layers, 8 heads (Mask2Former's decoder width), the cpu head's
    /// convolutional class read-out at 64 channels.</summary>
    public static MaskHeadConfig Gpu => new(Queries: 100, HiddenDim: 256, DecoderLayers: 6, Heads: 8, FeedForwardDim: 1024, MaskDim: 256, ClassRoiGrid: 8, ClassRoiConv: 64);

    /// <summary>Profiles by name: tiny, cpu, gpu.</summary>
    public static MaskHeadConfig Named(string name) => name.Trim().ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "cpu" => Cpu,
        "gpu" => Gpu,
        _ => throw new ArgumentException($"Unknown head profile '{name}': use tiny, cpu or gpu."),
    };

    internal void Validate()
    {
        if (Queries < 1 || HiddenDim < 1 || DecoderLayers < 1 || Heads < 1 || FeedForwardDim < 1 || MaskDim < 1 || ExtraUpsample < 0 || ContextBlocks < 0 || ClassRoiGrid < 0 || ClassRoiConv < 0)
            throw new ArgumentException($"MaskHeadConfig {this}: every size must be positive (ExtraUpsample non-negative).");
        if (ClassRoiConv > 0 && ClassRoiGrid == 0) throw new ArgumentException($"MaskHeadConfig: ClassRoiConv {ClassRoiConv} needs a class read-out (ClassRoiGrid > 0).");
        if (HiddenDim % Heads != 0) throw new ArgumentException($"MaskHeadConfig: HiddenDim {HiddenDim} is not divisible by Heads {Heads}.");
        if (HiddenDim % 4 != 0) throw new ArgumentException($"MaskHeadConfig: HiddenDim {HiddenDim} must be a multiple of 4 (2D sine positions).");
    }
}
