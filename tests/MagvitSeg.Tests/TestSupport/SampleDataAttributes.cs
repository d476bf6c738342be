using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>
/// A fact that needs the sample data (paths relative to it, e.g. "coco-tiny" or "videos/cat.mp4"): skipped with the reason
/// when they are absent, failed with a clear message when absent and <see cref="SampleData.RequireEnv"/> is 1.
/// </summary>
[XunitTestCaseDiscoverer("MagvitSeg.Tests.TestSupport.SampleDataFactDiscoverer", "MagvitSeg.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SampleDataFactAttribute : FactAttribute
{
    /// <summary>Needs <paramref name="parts"/> under the sample data folder.</summary>
    public SampleDataFactAttribute(params string[] parts)
    {
        Parts = parts;
        Skip = SampleData.SkipReason(parts);
    }

    /// <summary>The paths the test needs, relative to the sample data folder.</summary>
    public string[] Parts { get; }
}

/// <summary>A theory that needs the sample data; see <see cref="SampleDataFactAttribute"/>.</summary>
[XunitTestCaseDiscoverer("MagvitSeg.Tests.TestSupport.SampleDataTheoryDiscoverer", "MagvitSeg.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SampleDataTheoryAttribute : TheoryAttribute
{
    /// <summary>Needs <paramref name="parts"/> under the sample data folder.</summary>
    public SampleDataTheoryAttribute(params string[] parts)
    {
        Parts = parts;
        Skip = SampleData.SkipReason(parts);
    }

    /// <summary>The paths the test needs, relative to the sample data folder.</summary>
    public string[] Parts { get; }
}

internal static class SampleDataDiscovery
{
    /// <summary>A test case that fails with the message instead of running, when the sample data is required but missing.</summary>
    public static IXunitTestCase? RequiredButMissing(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        var parts = attribute.GetNamedArgument<string[]>(nameof(SampleDataFactAttribute.Parts)) ?? Array.Empty<string>();
        return SampleData.RequiredButMissing(parts) is { } message
            ? new ExecutionErrorTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, message)
            : null;
    }
}

/// <summary>Discovers <see cref="SampleDataFactAttribute"/> tests.</summary>
public sealed class SampleDataFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        SampleDataDiscovery.RequiredButMissing(DiagnosticMessageSink, discoveryOptions, testMethod, factAttribute) is { } failed
            ? new[] { failed }
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

/// <summary>Discovers <see cref="SampleDataTheoryAttribute"/> tests.</summary>
public sealed class SampleDataTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        SampleDataDiscovery.RequiredButMissing(DiagnosticMessageSink, discoveryOptions, testMethod, theoryAttribute) is { } failed
            ? new[] { failed }
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}
