using MagvitSeg.Runtime;

namespace MagvitSeg.Study;

/// <summary>Where a study run reads and writes.</summary>
/// <param name="Root">The study folder: config.json, stills/, features/, runs/, study.csv, study.json.</param>
/// <param name="Tokenizer">The video tokenizer run folder (pretrained here when it is missing or partial), or one checkpoint
/// file of such a run, used as it is (e.g. an early step, to read the encoder at a point of its training).</param>
/// <param name="ImageTokenizer">The image-only (2D) tokenizer run folder.</param>
/// <param name="CocoRoot">When set, a COCO-format folder (annotations/instances_{train,val}2017.json, train2017/, val2017/)
/// replaces the exported MovingShapes stills.</param>
public sealed record StudyPaths(string Root, string Tokenizer, string ImageTokenizer, string? CocoRoot = null)
{
    /// <summary>The default layout for a profile: results/&lt;profile&gt;/study beside results/&lt;profile&gt;/tokenizer; with a
    /// <paramref name="root"/> (<c>study --out</c>) everything, tokenizers included, goes under it (root/tokenizer, root/tokenizer-2d).</summary>
    public static StudyPaths Default(string profile, string? root = null) => root is null
        ? new(RepoPaths.Results(profile, "study"), RepoPaths.Results(profile, "tokenizer"), RepoPaths.Results(profile, "tokenizer-2d"))
        : new(root, Path.Combine(root, "tokenizer"), Path.Combine(root, "tokenizer-2d"));

    /// <summary>Exported MovingShapes stills (COCO format).</summary>
    public string Stills => Path.Combine(Root, "stills");

    /// <summary>The feature cache.</summary>
    public string Features => Path.Combine(Root, "features");

    /// <summary>One folder per variant and seed.</summary>
    public string Run(string variant, int seed) => Path.Combine(Root, "runs", variant, $"seed{seed}");
}

/// <summary>What a finished head training left in its run folder (train.json).</summary>
public sealed record HeadTrainRecord(string Variant, int Seed, long[] Channels, double Seconds, double FinalLoss, string Key);

/// <summary>What one finished head run left in its folder (run.json); <paramref name="EvalKey"/> is the training's key plus
/// the inference settings and <see cref="HeadEvaluation.MetricsVersion"/>, so a record is reused only for the same
/// features, head, inference and set of metrics.</summary>
public sealed record HeadRunRecord(string Variant, string Description, int Seed, HeadMetrics Metrics, double TrainSeconds,
    double FinalLoss, string EvalKey);
