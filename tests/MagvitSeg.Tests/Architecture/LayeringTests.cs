using System.Reflection;
using MagvitSeg.Config;
using NetArchTest.Rules;

namespace MagvitSeg.Tests.Architecture;

/// <summary>
/// The library's layers depend one way (docs/architecture.md). Each rule reads the compiled IL of every type in a layer
/// (fields, signatures, method bodies), so a forbidden dependency fails here even when it hides behind a `var`.
/// </summary>
public class LayeringTests
{
    private static readonly Assembly Lib = typeof(TokenizerProfile).Assembly;

    /// <summary>Layer -> the namespaces it must not use. A sub-namespace belongs to its layer (Data.Coco is Data).</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "MagvitSeg.Runtime", new[] { "MagvitSeg.Config", "MagvitSeg.Data", "MagvitSeg.Models", "MagvitSeg.Masking", "MagvitSeg.Evaluation", "MagvitSeg.Training", "MagvitSeg.Viz", "MagvitSeg.Inspection", "MagvitSeg.Study" } },
        { "MagvitSeg.Config", new[] { "MagvitSeg.Data", "MagvitSeg.Models", "MagvitSeg.Masking", "MagvitSeg.Evaluation", "MagvitSeg.Training", "MagvitSeg.Viz", "MagvitSeg.Inspection", "MagvitSeg.Study" } },
        { "MagvitSeg.Data", new[] { "MagvitSeg.Training", "MagvitSeg.Models", "MagvitSeg.Viz", "MagvitSeg.Study", "MagvitSeg.Evaluation", "MagvitSeg.Masking", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Models", new[] { "MagvitSeg.Data", "MagvitSeg.Viz", "MagvitSeg.Training", "MagvitSeg.Study", "MagvitSeg.Evaluation", "MagvitSeg.Masking", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Masking", new[] { "MagvitSeg.Data", "MagvitSeg.Models", "MagvitSeg.Viz", "MagvitSeg.Training", "MagvitSeg.Study", "MagvitSeg.Evaluation", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Evaluation", new[] { "MagvitSeg.Models", "MagvitSeg.Training", "MagvitSeg.Study", "MagvitSeg.Viz", "MagvitSeg.Masking", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Viz", new[] { "MagvitSeg.Models", "MagvitSeg.Training", "MagvitSeg.Study", "MagvitSeg.Evaluation", "MagvitSeg.Masking", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Training", new[] { "MagvitSeg.Study", "MagvitSeg.Masking", "MagvitSeg.Inspection" } },
        { "MagvitSeg.Inspection", new[] { "MagvitSeg.Study" } },
        { "MagvitSeg.Probes", new[] { "MagvitSeg.Study", "MagvitSeg.Inspection", "MagvitSeg.Masking", "MagvitSeg.Viz" } },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void LayerDoesNotUseTheLayersAboveIt(string layer, string[] forbidden)
    {
        var result = Types.InAssembly(Lib).That().ResideInNamespace(layer).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful,
            $"{layer} must not use {string.Join(", ", forbidden)}; these types do: {string.Join(", ", result.FailingTypeNames ?? Array.Empty<string>())}");
    }

    [Fact]
    public void NothingInTheLibraryKnowsTheCommandLineOrTheNotebookRunner()
    {
        Assert.DoesNotContain(Lib.GetReferencedAssemblies(), a => a.Name == "magvitseg");
        Assert.DoesNotContain(Lib.GetTypes(), t => t.Namespace is { } ns && (ns.StartsWith("MagvitSeg.Cli") || ns.StartsWith("MagvitSeg.Notebooks")));
        var result = Types.InAssembly(Lib).ShouldNot().HaveDependencyOnAny("MagvitSeg.Cli", "MagvitSeg.Notebooks").GetResult();
        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? Array.Empty<string>()));
    }

    [Fact]
    public void TheRulesSeeDependenciesThatExist()
    {
        // A control: were the IL reader blind, every rule above would pass. Training does use Data and Models.
        Assert.NotEmpty(Types.InAssembly(Lib).That().ResideInNamespace("MagvitSeg.Training").And().HaveDependencyOn("MagvitSeg.Data").GetTypes());
        Assert.NotEmpty(Types.InAssembly(Lib).That().ResideInNamespace("MagvitSeg.Training").And().HaveDependencyOn("MagvitSeg.Models").GetTypes());
        // Every library type sits in one of the layers the rules name (a new top-level folder needs a rule).
        var layers = Rules.Select(r => (string)r[0]).Append("MagvitSeg.Study").ToArray();
        var stray = Lib.GetTypes().Where(t => t.Namespace is { } ns && ns.StartsWith("MagvitSeg")
                                              && !layers.Any(l => ns == l || ns.StartsWith(l + "."))
                                              && !t.Name.StartsWith("<")).Select(t => t.FullName).ToList();
        Assert.True(stray.Count == 0, "Types outside the known layers: " + string.Join(", ", stray));
    }
}
