using System.Diagnostics;

namespace MagvitSeg.Study;

/// <summary>The part of a study a report comes from.</summary>
public enum StudyStage
{
    /// <summary>Exporting or loading the still images.</summary>
    Stills,
    /// <summary>Pretraining or loading a tokenizer.</summary>
    Tokenizer,
    /// <summary>Encoding a split into the feature cache.</summary>
    Features,
    /// <summary>Training a head (frozen features or fine-tuned encoder).</summary>
    Head,
    /// <summary>Predicting and scoring a trained head.</summary>
    Evaluation,
    /// <summary>A finished row of the study table.</summary>
    Study,
}

/// <summary>What an event says happened.</summary>
public enum StudyEvent
{
    /// <summary>Not an event: how far a running stage is.</summary>
    Running,
    /// <summary>A stage starts work (exporting, training, encoding).</summary>
    Started,
    /// <summary>A finished result of the same settings is reused.</summary>
    Reused,
    /// <summary>A result of other settings is replaced.</summary>
    Replaced,
    /// <summary>A stage finished (a tokenizer ready, a study row written).</summary>
    Finished,
    /// <summary>Anything else worth a line (a skipped image, a checkpoint used as it is).</summary>
    Note,
}

/// <summary>One report of a running study.</summary>
/// <param name="Stage">Where it comes from.</param>
/// <param name="Message">The line the CLI prints.</param>
/// <param name="Event">What happened; <see cref="StudyEvent.Running"/> for progress of a running stage.</param>
/// <param name="Variant">The variant id, when the report is about one head run.</param>
/// <param name="Seed">The seed, when the report is about one head run.</param>
public sealed record StudyProgress(StudyStage Stage, string Message, StudyEvent Event = StudyEvent.Note, string? Variant = null, int? Seed = null)
{
    /// <summary>True for how far a running stage is (repeated while it runs; a notebook shows it as one line updated in
    /// place); false for an event.</summary>
    public bool Running => Event == StudyEvent.Running;

    /// <summary>A synchronous <see cref="IProgress{T}"/> (System.Progress posts to a thread pool, which reorders lines).</summary>
    public static IProgress<StudyProgress> To(Action<StudyProgress> report) => new Sink(report);

    /// <summary>A sink that passes at most one line every <paramref name="seconds"/> to <paramref name="report"/>.</summary>
    internal static Action<string> Throttled(Action<string> report, double seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        double last = double.NegativeInfinity;
        return line =>
        {
            if (sw.Elapsed.TotalSeconds - last < seconds) return;
            last = sw.Elapsed.TotalSeconds;
            report(line);
        };
    }

    private sealed class Sink(Action<StudyProgress> report) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value) => report(value);
    }
}
