using MagvitSeg.Probes;

namespace MagvitSeg.Study;

/// <summary>The probes of the curves (issue 21).</summary>
public enum CurveProbe
{
    /// <summary>A linear map per location to K+1 classes (semantic, mIoU).</summary>
    Linear,
    /// <summary>Two 1x1 layers, hidden 256, GELU (semantic, mIoU).</summary>
    Mlp,
    /// <summary>The study's query-based instance head (mask AP and mIoU).</summary>
    Query,
}

/// <summary>
/// What the curves add to a study profile: the label budgets, the arms, the probes and their training, the floor of the
/// step scaling and the bootstrap. The query probe trains as the study's head does (its steps scaled by
/// <see cref="LabelBudget.Steps"/>).
/// </summary>
/// <param name="Name">The study profile it extends (tiny, cpu, gpu).</param>
/// <param name="Budgets">Labelled training stills per point of a curve (the largest should be the profile's TrainImages).</param>
/// <param name="Arms">Study variants compared (a is the reference of every paired difference).</param>
/// <param name="Probes">Probes, in order.</param>
/// <param name="Linear">Linear probe training at the full budget.</param>
/// <param name="Mlp">MLP probe training at the full budget.</param>
/// <param name="StepFloorFraction">Smallest budget's steps as a fraction of the full budget's (<see cref="LabelBudget.Steps"/>).</param>
/// <param name="Resamples">Bootstrap resamples of the evaluation images.</param>
/// <param name="BootstrapSeed">Seed of the resamples (the same for every arm, probe and budget).</param>
public sealed record CurvesProfile(string Name, int[] Budgets, string[] Arms, CurveProbe[] Probes, DenseProbeConfig Linear, DenseProbeConfig Mlp,
    double StepFloorFraction = 0.25, int Resamples = 1000, ulong BootstrapSeed = 2021)
{
    /// <summary>Reference arm and the arms it is paired with: (a)-(b), (a)-(c), (a)-(d).</summary>
    public const string Reference = "a";

    private static readonly string[] Abcd = { "a", "b", "c", "d" };
    private static readonly CurveProbe[] AllProbes = { CurveProbe.Linear, CurveProbe.Mlp, CurveProbe.Query };

    /// <summary>CI: 2 budgets of the 48 tiny stills, short probes; proves the pipeline in a few minutes.</summary>
    public static CurvesProfile Tiny { get; } = new("tiny", new[] { 12, 48 }, Abcd, AllProbes,
        new DenseProbeConfig(Steps: 40, LearningRate: 1e-2, LogIntervalSeconds: 5), new DenseProbeConfig(Steps: 40, LearningRate: 1e-2, LogIntervalSeconds: 5));

    /// <summary>
    /// The quick study's grid: its three arms (a, b, c; no image-only twin is trained at this scale) on 50 ... 2000 of its
    /// 48x48 stills, dense probes as in the cpu grid. An hour or so on 2 cores with two seeds: a first curve, not the study.
    /// </summary>
    public static CurvesProfile Quick { get; } = new("quick", new[] { 50, 250, 1000, 2000 }, new[] { "a", "b", "c" }, AllProbes,
        new DenseProbeConfig(Steps: 1200, LearningRate: 1e-3, WarmupSteps: 20), new DenseProbeConfig(Steps: 1200, LearningRate: 1e-3, WarmupSteps: 20));

    /// <summary>The laptop grid: 50 ... 5000 of the cpu study's stills; dense probes 1200 steps at lr 1e-3 (AdamW, batch 8).</summary>
    public static CurvesProfile Cpu { get; } = new("cpu", new[] { 50, 250, 1000, 5000 }, Abcd, AllProbes,
        new DenseProbeConfig(Steps: 1200, LearningRate: 1e-3, WarmupSteps: 20), new DenseProbeConfig(Steps: 1200, LearningRate: 1e-3, WarmupSteps: 20));

    /// <summary>One GPU: 100 ... 10000 of the gpu study's stills.</summary>
    public static CurvesProfile Gpu { get; } = new("gpu", new[] { 100, 1000, 3000, 10000 }, Abcd, AllProbes,
        new DenseProbeConfig(Steps: 2500, LearningRate: 1e-3, WarmupSteps: 100), new DenseProbeConfig(Steps: 2500, LearningRate: 1e-3, WarmupSteps: 100));

    /// <summary>Looks the curves settings of a study profile up by name.</summary>
    public static CurvesProfile Get(string name) =>
        new[] { Tiny, Quick, Cpu, Gpu }.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown curves profile '{name}'. Known profiles: tiny, quick, cpu, gpu.");

    /// <summary>Parses probe names (linear, mlp, query).</summary>
    public static CurveProbe[] ParseProbes(IEnumerable<string> names) => names.Select(n => n.Trim().ToLowerInvariant() switch
    {
        "linear" => CurveProbe.Linear,
        "mlp" => CurveProbe.Mlp,
        "query" => CurveProbe.Query,
        _ => throw new ArgumentException($"Unknown probe '{n}'. Known probes: linear, mlp, query."),
    }).Distinct().ToArray();

    /// <summary>The probe's name in files and tables.</summary>
    public static string NameOf(CurveProbe p) => p.ToString().ToLowerInvariant();
}
