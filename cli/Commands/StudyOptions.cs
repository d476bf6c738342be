using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Runtime;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// The options every study verb takes (profile, folders, device) and the probes recorded in config.json; each given
/// probe overrides the profile's value, an absent one (null) keeps it. <see cref="Open"/> builds the runner.
/// </summary>
internal sealed class StudyOptions
{
    private readonly Option<string?> _profile = Common.StudyProfileOption("tiny");
    private readonly Option<string?> _out = Opt.Text("--out", "the study folder (default: results/<profile>/study)", "DIR");
    private readonly Option<string?> _tokenizer = Opt.Text("--tokenizer", "the video tokenizer: a pretrain run folder, or one of its .ckpt files used as it is", "DIR|FILE.ckpt");
    private readonly Option<string?> _imageTokenizer = Opt.Text("--image-tokenizer", "the image-only twin's run folder", "DIR");
    private readonly Option<string?> _coco = Opt.Text("--coco", "a COCO-format folder (annotations/instances_train2017.json, train2017/, val2017/) instead of MovingShapes stills", "DIR");
    private readonly Option<int?> _headSteps = Opt.Int("--head-steps", "head training steps (default: the profile's)", Bound.AtLeast(1));
    private readonly Option<string?> _device = Common.Device("auto");
    // One intra-op thread on CPU by default, as pretrain: repeatable numbers for a seed (see environment.md).
    private readonly Option<int?> _threads = Common.Threads("1 on CPU, libtorch's on GPU");
    private readonly Option<int?> _trainImages = Opt.Int("--train-images", "training still images", Bound.AtLeast(1));
    private readonly Option<int?> _valImages = Opt.Int("--val-images", "evaluation still images", Bound.AtLeast(1));
    private readonly Option<double?> _headLr = Opt.Double("--head-lr", "head learning rate", Bound.Above(0));
    private readonly Option<double?> _headClip = Opt.Double("--head-clip", "head gradient-norm clip (0: none)", Bound.AtLeast(0));
    private readonly Option<int?> _queries = Opt.Int("--queries", "object queries", Bound.AtLeast(1));
    private readonly Option<int?> _contextBlocks = Opt.Int("--context-blocks", "extra 3x3 conv blocks on the finest level", Bound.AtLeast(0));
    private readonly Option<string?> _selection = Opt.Named("--selection", "encoder features: latent, quantised, pooled, pyramid, pyramid-full or pyramid-pooled, optionally +pixels",
        "NAME[+pixels]", Array.Empty<string>, n => Masking.FeatureSelection.Named(n));
    private readonly Option<int?> _classRoi = Opt.Int("--class-roi", "R: class logits also read an R x R box-aligned sample (0: off)", Bound.AtLeast(0));
    private readonly Option<int?> _classRoiConv = Opt.Int("--class-roi-conv", "C: two 3x3 convolutions of C channels on that sample (0: linear)", Bound.AtLeast(0));
    private readonly Option<double?> _classWeight = Opt.Double("--class-weight", "weight of the classification loss", Bound.Above(0));
    private readonly Option<double?> _nms = Opt.Double("--nms-iou", "mask NMS IoU threshold (0: no NMS)", Bound.Between(0, 1));

    /// <summary><c>--variant ID</c> (required) for the one-stage verbs.</summary>
    public static Option<string> Variant()
    {
        var o = new Option<string>("--variant") { Description = "the study variant (a-g)", HelpName = "ID", Required = true };
        CheckVariants(o);
        return o;
    }

    /// <summary><c>--variants a,b,..</c> for study.</summary>
    public static Option<string?> Variants()
    {
        var o = Opt.Text("--variants", "variants to run, comma-separated (default: the profile's)", "a,b,..");
        CheckVariants(o);
        return o;
    }

    /// <summary>A one-stage verb of one head (train-head, predict): --variant, --seed and the common options; <paramref name="run"/> gets the opened runner.</summary>
    public static void DefineOneStage(Command command, Func<StudyRunner, StudyVariant, int, int> run)
    {
        var variant = Variant();
        var seed = Opt.Int("--seed", "the head's seed", Bound.AtLeast(0), 0);
        var common = new StudyOptions();
        command.AddAll(variant, seed);
        common.AddTo(command);
        command.SetAction(p => run(common.Open(p), StudyVariant.Parse(new[] { p.GetRequiredValue(variant) })[0], p.GetValue(seed)));
    }

    /// <summary>Unknown variants are usage errors, with the library's message listing the known ones.</summary>
    internal static void CheckVariants(Option o)
    {
        o.CompletionSources.Add(_ => StudyVariant.All.Select(v => new System.CommandLine.Completions.CompletionItem(v.Id, detail: v.Description)));
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            try { StudyVariant.Parse(r.Tokens[0].Value.Split(',')); }
            catch (ArgumentException e) { r.AddError($"{o.Name} '{r.Tokens[0].Value}': {e.Message}"); }
        });
    }

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { _profile, _out, _tokenizer, _imageTokenizer, _coco, _headSteps, _device, _threads, _trainImages, _valImages,
                                            _headLr, _headClip, _queries, _contextBlocks, _selection, _classRoi, _classRoiConv, _classWeight, _nms })
            command.Options.Add(o);
    }

    /// <summary>The runner for the profile with every given override applied; prints the runtime and the plan.</summary>
    public StudyRunner Open(ParseResult p)
    {
        var profile = StudyProfile.Get(p.GetValue(_profile)!);
        if (p.GetValue(_headLr) is { } lr) profile = profile with { HeadTraining = profile.HeadTraining with { LearningRate = lr } };
        if (p.GetValue(_headClip) is { } clip) profile = profile with { HeadTraining = profile.HeadTraining with { GradClip = clip } };
        if (p.GetValue(_queries) is { } queries) profile = profile with { Head = profile.Head with { Queries = queries } };
        if (p.GetValue(_contextBlocks) is { } contextBlocks) profile = profile with { Head = profile.Head with { ContextBlocks = contextBlocks } };
        if (p.GetValue(_selection) is { } selection) profile = profile with { Selection = selection };
        if (p.GetValue(_classRoi) is { } roi) profile = profile with { Head = profile.Head with { ClassRoiGrid = roi } };
        if (p.GetValue(_classRoiConv) is { } roiConv) profile = profile with { Head = profile.Head with { ClassRoiConv = roiConv } };
        if (p.GetValue(_classWeight) is { } classWeight) profile = profile with { Loss = (profile.Loss ?? new MaskLossConfig()) with { ClassWeight = classWeight } };
        if (p.GetValue(_nms) is { } nms) profile = profile with { Predict = profile.Inference with { NmsIou = nms } };
        if (p.GetValue(_headSteps) is { } headSteps) profile = profile with { HeadTraining = profile.HeadTraining with { Steps = headSteps } };
        if (p.GetValue(_trainImages) is { } trainImages) profile = profile with { TrainImages = trainImages };
        if (p.GetValue(_valImages) is { } valImages) profile = profile with { ValImages = valImages };
        var paths = StudyPaths.Default(profile.Name, p.GetValue(_out));
        if (p.GetValue(_tokenizer) is { } tok) paths = paths with { Tokenizer = tok };
        if (p.GetValue(_imageTokenizer) is { } tok2) paths = paths with { ImageTokenizer = tok2 };
        if (p.GetValue(_coco) is { } coco)
        {
            if (!File.Exists(Path.Combine(coco, "annotations", "instances_train2017.json")))
                throw new FileNotFoundException($"--coco '{coco}' has no annotations/instances_train2017.json (expected a COCO-format folder such as ../shared/data/coco-tiny).");
            paths = paths with { CocoRoot = coco };
        }
        var device = TorchRuntime.ResolveDevice(p.GetValue(_device));
        TorchRuntime.SetThreads(p.GetValue(_threads) ?? (device.type == TorchSharp.DeviceType.CPU ? 1 : 0));
        Console.WriteLine($"{TorchRuntime.Describe()}; device {device}");
        string images = paths.CocoRoot is null
            ? $"{profile.TrainImages} train / {profile.ValImages} val MovingShapes images"
            : $"COCO train2017 / val2017 from {paths.CocoRoot}";
        Console.WriteLine($"study profile {profile.Name}: {images} at {profile.ImageSize}px, " +
                          $"head {profile.HeadTraining.Steps} steps x batch {profile.BatchSize}, seeds {string.Join(",", profile.Seeds)}; folder {paths.Root}");
        return new StudyRunner(profile, paths, device, Console.WriteLine);
    }
}
