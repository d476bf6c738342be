namespace MagvitSeg.Tests.Runtime;

/// <summary>
/// Tests that assert on torch's global RNG stream: they run alone, after the parallel tests, because any other test
/// that builds a model draws from the same global generator.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: global torch state";
}
