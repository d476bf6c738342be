using MagvitSeg.Config;
using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Study;

/// <summary>A study's image splits: a COCO-format folder, or MovingShapes stills exported on first use.</summary>
public static class StudyStills
{
    /// <summary>
    /// Loads split <paramref name="split"/> ("train" or "val") at the profile's image size; MovingShapes stills are
    /// (re-)exported when missing or of another count.
    /// </summary>
    public static CocoImageSet Load(StudyProfile profile, StudyPaths paths, string split, int count, Action<StudyProgress> report)
    {
        string ann, images;
        if (paths.CocoRoot is { } coco)
        {
            ann = Path.Combine(coco, "annotations", $"instances_{split}2017.json");
            images = Path.Combine(coco, $"{split}2017");
        }
        else
        {
            ann = Path.Combine(paths.Stills, "annotations", $"instances_{split}.json");
            images = Path.Combine(paths.Stills, split);
            if (!File.Exists(ann) || CocoJson.ReadInstances(ann).Images.Count != count)
            {
                report(new(StudyStage.Stills, $"stills: exporting {count} MovingShapes {split} images to {paths.Stills}", StudyEvent.Started));
                var v = profile.Tokenizer.Vqvae;
                var gen = new MovingShapes(new MovingShapesConfig { Size = v.Height, Frames = v.Frames, Seed = profile.Tokenizer.Training.Seed });
                MovingShapesStills.Export(gen, paths.Stills, split, split == "train" ? MovingShapesSplit.StillsTrain : MovingShapesSplit.StillsVal, count);
            }
        }
        var set = CocoImageSet.Load(ann, images, profile.ImageSize, paths.CocoRoot is null ? 0 : count);
        foreach (var (path, reason) in set.Skipped) report(new(StudyStage.Stills, $"skipped {path}: {reason}"));
        return set;
    }
}
