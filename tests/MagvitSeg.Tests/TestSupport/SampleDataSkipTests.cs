using System.Reflection;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.Data;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>The skip logic of <see cref="SampleDataFactAttribute"/>: absent data skips with a reason, present data runs,
/// and a run that requires the data (CI) fails instead of skipping.</summary>
public class SampleDataSkipTests
{
    private const string Needed = "needed-folder";

    private sealed class NullSink : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message) => true;
    }

    private sealed class DefaultOptions : LongLivedMarshalByRefObject, ITestFrameworkDiscoveryOptions
    {
        public TValue GetValue<TValue>(string name) => default!;
        public void SetValue<TValue>(string name, TValue value) { }
    }

#pragma warning disable xUnit1000 // private on purpose: xunit must not discover the probe as a test of its own
    private static class Probe
    {
        [SampleDataFact(Needed)]
        public static void NeedsTheFolder() { }
    }
#pragma warning restore xUnit1000

    private static T WithEnvironment<T>(string? data, string? require, Func<T> body)
    {
        string? oldData = Environment.GetEnvironmentVariable(RepoPaths.DataEnv), oldRequire = Environment.GetEnvironmentVariable(SampleData.RequireEnv);
        Environment.SetEnvironmentVariable(RepoPaths.DataEnv, data);
        Environment.SetEnvironmentVariable(SampleData.RequireEnv, require);
        try { return body(); }
        finally
        {
            Environment.SetEnvironmentVariable(RepoPaths.DataEnv, oldData);
            Environment.SetEnvironmentVariable(SampleData.RequireEnv, oldRequire);
        }
    }

    /// <summary>What xunit's discovery makes of <see cref="Probe.NeedsTheFolder"/> under the current environment.</summary>
    private static IXunitTestCase Discover()
    {
        var method = typeof(Probe).GetMethod(nameof(Probe.NeedsTheFolder), BindingFlags.Public | BindingFlags.Static)!;
        var assembly = new TestAssembly(new ReflectionAssemblyInfo(typeof(Probe).Assembly));
        var testClass = new TestClass(new TestCollection(assembly, null, "probe"), new ReflectionTypeInfo(typeof(Probe)));
        var testMethod = new TestMethod(testClass, new ReflectionMethodInfo(method));
        var attribute = new ReflectionAttributeInfo(method.GetCustomAttributesData().Single(a => a.AttributeType == typeof(SampleDataFactAttribute)));
        var cases = new SampleDataFactDiscoverer(new NullSink()).Discover(new DefaultOptions(), testMethod, attribute).ToList();
        var single = Assert.Single(cases);
        _ = single.SkipReason; // resolved while the environment is still set
        return single;
    }

    [Fact]
    public void AbsentDataSkipsWithAReasonNamingThePathAndTheVariable()
    {
        using var empty = new TempDir();
        var (reason, testCase) = WithEnvironment(empty.Path, null, () => (new SampleDataFactAttribute(Needed).Skip, Discover()));
        Assert.NotNull(reason);
        Assert.Contains(Path.Combine(empty.Path, Needed), reason);
        Assert.Contains(RepoPaths.DataEnv, reason);
        Assert.IsNotType<ExecutionErrorTestCase>(testCase);
        Assert.Equal(reason, testCase.SkipReason);

        string nowhere = Path.Combine(empty.Path, "no-such-folder");
        Assert.Contains(nowhere, WithEnvironment(nowhere, null, () => new SampleDataFactAttribute(Needed).Skip));
    }

    [Fact]
    public void PresentDataRuns()
    {
        using var data = new TempDir();
        Directory.CreateDirectory(data.File(Needed));
        var (reason, testCase) = WithEnvironment(data.Path, null, () => (new SampleDataTheoryAttribute(Needed).Skip, Discover()));
        Assert.Null(reason);
        Assert.Null(testCase.SkipReason);
        Assert.IsNotType<ExecutionErrorTestCase>(testCase);
        Assert.Equal(Path.Combine(data.Path, "x"), WithEnvironment(data.Path, null, () => RepoPaths.SharedData("x")));
    }

    [Fact]
    public void RequiredButAbsentDataFailsInsteadOfSkipping()
    {
        using var empty = new TempDir();
        var (reason, testCase) = WithEnvironment(empty.Path, "1", () => (new SampleDataFactAttribute(Needed).Skip, Discover()));
        Assert.Null(reason);
        var failing = Assert.IsType<ExecutionErrorTestCase>(testCase);
        Assert.Contains($"{SampleData.RequireEnv}=1", failing.ErrorMessage);
        Assert.Contains(Path.Combine(empty.Path, Needed), failing.ErrorMessage);

        // Required and present: an ordinary test.
        Directory.CreateDirectory(empty.File(Needed));
        Assert.IsNotType<ExecutionErrorTestCase>(WithEnvironment(empty.Path, "1", Discover));
    }
}
