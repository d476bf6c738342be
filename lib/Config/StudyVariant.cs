namespace MagvitSeg.Config;

/// <summary>Where a variant's features come from.</summary>
public enum FeatureEncoder
{
    /// <summary>The MAGVIT 3D-VQ encoder pretrained on video (the proposal).</summary>
    Video,
    /// <summary>The same architecture, randomly initialised and frozen: what pretraining adds.</summary>
    Random,
    /// <summary>No encoder: pixels patchified to the encoder's grids.</summary>
    Pixels,
    /// <summary>The 2D twin tokenizer (temporal kernel 1, T = 1) trained on frames of the same videos: what "video" adds.</summary>
    Image,
}

/// <summary>One arm of the study.</summary>
/// <param name="Id">Short id used in study.csv (a, b, c, d, e, f-zeros, ...).</param>
/// <param name="Description">What it isolates, in words.</param>
/// <param name="Encoder">The feature source.</param>
/// <param name="Condition">Still-image conditioning (<see cref="ConditionConfig.Named"/>) for the 3D encoders.</param>
/// <param name="Quantised">Read the quantised latent instead of the pre-quantisation one.</param>
/// <param name="FineTune">Train the encoder with the head (the upper bound); no feature cache.</param>
public sealed record StudyVariant(string Id, string Description, FeatureEncoder Encoder, string Condition = "magvit",
    bool Quantised = false, bool FineTune = false)
{
    /// <summary>The study's arms: (a) the proposal, (b)-(d) baselines, (e)-(f) ablations, (g) the upper bound.</summary>
    public static IReadOnlyList<StudyVariant> All { get; } = new StudyVariant[]
    {
        new("a", "video-pretrained encoder, frozen (MAGVIT frame-prediction padding)", FeatureEncoder.Video),
        new("b", "same encoder randomly initialised, frozen", FeatureEncoder.Random),
        new("c", "raw pixels patchified to the same grids (no encoder)", FeatureEncoder.Pixels),
        new("d", "image-only (2D) tokenizer trained on the same frames, frozen", FeatureEncoder.Image),
        new("e", "(a) with the quantised latent instead of pre-quantisation", FeatureEncoder.Video, Quantised: true),
        new("f-zeros", "(a) with zero (mid-grey) padding instead of edge replication", FeatureEncoder.Video, Condition: "zeros"),
        new("f-noise", "(a) with Gaussian-noise padding", FeatureEncoder.Video, Condition: "noise"),
        new("f-t4", "(a) with a 4-frame clip (the image + 3 padding frames)", FeatureEncoder.Video, Condition: "t4"),
        new("g", "(a) fine-tuned end to end with the head (upper bound)", FeatureEncoder.Video, FineTune: true),
    };

    /// <summary>Looks variants up by id (comma-separated list; "all" = every variant).</summary>
    /// <exception cref="ArgumentException">An unknown id; the message lists the known ones.</exception>
    public static List<StudyVariant> Parse(IEnumerable<string> ids) =>
        ids.SelectMany(id => id == "all" ? All.Select(v => v.Id) : new[] { id.Trim() }).Distinct().Select(id =>
            All.FirstOrDefault(v => v.Id == id)
            ?? throw new ArgumentException($"Unknown study variant '{id}'. Known variants: {string.Join(", ", All.Select(v => v.Id))}.")).ToList();
}
