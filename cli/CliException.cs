namespace MagvitSeg.Cli;

/// <summary>A usage error found by a verb after parsing (e.g. --resume with nothing to resume): one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
