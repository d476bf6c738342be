using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// Exponential moving average of a model's parameters kept in a second model of the same architecture (used for
/// evaluation). The effective decay is min(decay, (1 + n) / (10 + n)) after n updates, so short runs are not
/// dominated by the random initialisation; it reaches the configured decay after ~10/(1 - decay) updates.
/// </summary>
public sealed class ModelEma
{
    private readonly (Tensor Source, Tensor Average)[] _pairs;
    private readonly double _decay;

    /// <summary>Pairs <paramref name="source"/>'s parameters and buffers with <paramref name="average"/>'s and copies them over.</summary>
    public ModelEma(nn.Module source, nn.Module average, double decay)
    {
        var target = average.state_dict();
        _pairs = source.state_dict().Select(kv => (kv.Value, target[kv.Key])).ToArray();
        _decay = decay;
        using var _ = no_grad();
        foreach (var (s, a) in _pairs) a.copy_(s);
    }

    /// <summary>The decay applied at update number <paramref name="updates"/>.</summary>
    public double DecayAt(long updates) => Math.Min(_decay, (1.0 + updates) / (10.0 + updates));

    /// <summary>average = d·average + (1 - d)·source for float tensors; integer buffers are copied.</summary>
    public void Update(long updates)
    {
        double d = DecayAt(updates);
        using var _ = no_grad();
        foreach (var (s, a) in _pairs)
        {
            if (a.is_floating_point()) a.mul_(d).add_(s, alpha: 1 - d);
            else a.copy_(s);
        }
    }
}
