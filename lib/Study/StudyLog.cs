namespace MagvitSeg.Study;

/// <summary>
/// Sorts a <see cref="StudyRunner"/>'s log lines into progress (feature encoding, tokenizer and head steps, repeated
/// while a stage runs) and events (what was reused, trained, evaluated), so a notebook can show progress as one line
/// updated in place and print the events.
/// </summary>
public static class StudyLog
{
    /// <summary>True for a line that only reports how far a running stage is.</summary>
    public static bool IsProgress(string line) =>
        line.StartsWith("features ", StringComparison.Ordinal) || line.StartsWith("head step ", StringComparison.Ordinal)
        || line.StartsWith("step ", StringComparison.Ordinal) || line.Contains(" fine-tune step ", StringComparison.Ordinal);

    /// <summary>A log sink sending progress lines to <paramref name="progress"/> and every other line to <paramref name="events"/>.</summary>
    public static Action<string> Route(Action<string> events, Action<string> progress) =>
        line => (IsProgress(line) ? progress : events)(line);
}
