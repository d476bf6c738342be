using System.Security.Cryptography;
using System.Text;
using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.Data;
using MagvitSeg.Tests.TestSupport;
using MagvitSeg.Tests.Training;
using MagvitSeg.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

/// <summary>
/// State keys that name the level, and files from before the levels (tests/fixtures/legacy-keys, written by the code of
/// commit 00acca0): they load with the same weights in the same places, so outputs and resumed training are unchanged.
/// </summary>
public class StateKeysTests
{
    private static string Legacy(string file) => TestData.Fixture("legacy-keys/" + file);

    private static VqvaeConfig Micro => TokenizerCheckpoint.ReadProfile(Legacy("micro-step2.ckpt")).Vqvae;

    private static float[] Floats(string file)
    {
        var bytes = File.ReadAllBytes(Legacy(file));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    // The pre-level code's output for the same weights and clip. Not bit-for-bit: the fixture may come from another CPU.
    private static void AssertMatchesPreLevelOutput(string file, Tensor actual)
    {
        var expected = Floats(file);
        var got = actual.contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        double worst = expected.Zip(got, (e, g) => Math.Abs((double)e - g)).Max();
        Assert.True(worst < 1e-5, $"{file}: largest difference {worst:G3}");
    }

    [Theory]
    [InlineData("encoder.res.5.conv1.weight", "encoder.levels.2.blocks.1.conv1.weight")]
    [InlineData("encoder.res.0.skip.weight", "encoder.levels.0.blocks.0.skip.weight")]
    [InlineData("encoder.res.7.norm2.bias", "encoder.levels.3.blocks.1.norm2.bias")]
    [InlineData("decoder.res.0.norm1.weight", "decoder.levels.3.blocks.0.norm1.weight")]
    [InlineData("decoder.res.3.conv2.weight", "decoder.levels.2.blocks.1.conv2.weight")]
    [InlineData("decoder.res.7.conv1.weight", "decoder.levels.0.blocks.1.conv1.weight")]
    [InlineData("decoder.up.0.weight", "decoder.levels.3.up.weight")]
    [InlineData("decoder.up.2.bias", "decoder.levels.1.up.bias")]
    [InlineData("encoder.mid.1.conv1.weight", "encoder.mid.1.conv1.weight")]
    [InlineData("quantizer.codebook", "quantizer.codebook")]
    public void PreLevelKeysMapByHandToTheirLevelForMagvitB(string preLevel, string level)
    {
        // MAGVIT-B: four levels (x1 x2 x2 x4), two blocks each; the decoder's flat lists start at the deepest level.
        var b = TokenizerProfile.MagvitB.Vqvae;
        Assert.Equal(level, TokenizerStateKeys.FromPreLevel(preLevel, b));
        Assert.Equal(preLevel, TokenizerStateKeys.ToPreLevel(level, b));
    }

    [Fact]
    public void PreLevelKeysTheArchitectureLacksStayUnchangedSoTheyAreReportedAsUnexpected()
    {
        var b = TokenizerProfile.MagvitB.Vqvae;
        Assert.Equal("encoder.res.8.conv1.weight", TokenizerStateKeys.FromPreLevel("encoder.res.8.conv1.weight", b));
        Assert.Equal("decoder.up.3.weight", TokenizerStateKeys.FromPreLevel("decoder.up.3.weight", b));
        Assert.Equal("encoder.up.0.weight", TokenizerStateKeys.FromPreLevel("encoder.up.0.weight", b));
    }

    [Fact]
    public void TheTinyModelsKeysAreThePreLevelKeysMappedOneToOne()
    {
        // tiny-keys.txt: the pre-level code's state keys for the tiny profile, in its state-dict order.
        var preLevel = File.ReadAllLines(Legacy("tiny-keys.txt"));
        var tiny = TokenizerProfile.Tiny.Vqvae;
        using var model = new Magvit3dVqvae(tiny);
        var keys = model.state_dict().Keys.ToArray();
        Assert.Equal(preLevel.Select(k => TokenizerStateKeys.FromPreLevel(k, tiny)).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Contains("encoder.levels.2.blocks.0.conv1.weight", keys);
        Assert.Contains("decoder.levels.1.up.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("decoder.levels.0.up", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, TokenizerStateKeys.IsPreLevel);
    }

    [Theory]
    [InlineData("tiny", "71d0f0bea2eda4b47260bce4451b191079db6c4af1104d9c520283c98e9fc26f")]
    [InlineData("micro", "08959f79292e45bfb6d4ad02ea3d54af349cc26fa260b8527550807bf130736e")]
    [InlineData("magvit-b", "0e1fd772c2845dc5577a948db74ae2e952fbe8f533afa7326ae0fd429693f492")]
    public void ASeedDrawsTheSameInitialWeightsAsBeforeTheLevels(string name, string sha256)
    {
        // The hashes were taken from the pre-level code (tests/fixtures/legacy-keys/init-sha.txt): every tensor, sorted by
        // its pre-level name, as the name's UTF-8 bytes then its float32 values. A study's random arm and every
        // tokenizer run start from these weights, so a change here changes the study's numbers.
        var config = name == "micro" ? Micro : TokenizerProfile.Get(name).Vqvae;
        TorchRuntime.Seed(5);
        using var model = new Magvit3dVqvae(config);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in model.state_dict().Select(kv => (Key: TokenizerStateKeys.ToPreLevel(kv.Key, config), kv.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.detach().contiguous().to_type(float32).data<float>().ToArray().AsSpan()));
        }
        Assert.Equal(sha256, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public void APreLevelCheckpointGivesThePreLevelOutputs()
    {
        using var ema = TokenizerCheckpoint.LoadEmaModel(Legacy("micro-step2.ckpt"), CPU);
        using var trainer = TokenizerCheckpoint.Load(Legacy("micro-step2.ckpt"), CPU);
        trainer.Model.eval();
        using var _ = no_grad();
        using var clip = TwinWeights.SinClip(1, 4, 16, 16);
        AssertMatchesPreLevelOutput("micro-ema-recon.f32", ema.forward(clip));
        AssertMatchesPreLevelOutput("micro-ema-latent.f32", ema.Encoder.forward(clip));
        AssertMatchesPreLevelOutput("micro-model-recon.f32", trainer.Model.forward(clip));
    }

    [Fact]
    public void APreLevelStateGivesBitForBitTheOutputsOfTheSameWeightsLoadedNatively()
    {
        using var tmp = new TempDir();
        using var viaMap = TokenizerCheckpoint.LoadEmaModel(Legacy("micro-step2.ckpt"), CPU);
        string native = tmp.File("native.pt");
        viaMap.save(native);
        using var reloaded = new Magvit3dVqvae(Micro);
        reloaded.load(native);
        reloaded.eval();
        Assert.DoesNotContain(File.ReadAllText(native, Encoding.Latin1), ".res.");
        using var _ = no_grad();
        using var clip = TwinWeights.SinClip(1, 4, 16, 16);
        Assert.Equal(0, (viaMap.forward(clip) - reloaded.forward(clip)).abs().max().item<float>());
    }

    [Fact]
    public void APreLevelEncoderFileLoadsIntoTheEncoder()
    {
        using var encoder = new Encoder3d(Micro);
        encoder.load(Legacy("micro-encoder.pt"));
        encoder.eval();
        using var _ = no_grad();
        using var clip = TwinWeights.SinClip(1, 4, 16, 16);
        AssertMatchesPreLevelOutput("micro-ema-latent.f32", encoder.forward(clip));
    }

    [Fact]
    public void APreLevelCheckpointResumesWithEachParametersOptimiserState()
    {
        // The decoder's levels changed the order of Model.parameters(), which is how Adam files its states.
        using var trainer = TokenizerCheckpoint.Load(Legacy("micro-step2.ckpt"), CPU);
        var expected = File.ReadAllLines(Legacy("micro-adam.txt")).Select(l => l.Split(' '))
            .ToDictionary(f => f[0], f => (Avg: double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), Sq: double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        var states = trainer.GeneratorOptimizer.state_dict().State.Cast<Adam.State>().ToArray();
        var names = trainer.Model.named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(expected.Count, states.Length);
        for (int i = 0; i < names.Length; i++)
        {
            var want = expected[TokenizerStateKeys.ToPreLevel(names[i], Micro)];
            Assert.Equal(want.Avg, states[i].exp_avg.to_type(float64).sum().item<double>(), 1e-9);
            Assert.Equal(want.Sq, states[i].exp_avg_sq.to_type(float64).sum().item<double>(), 1e-12);
        }
        var clips = TrainingFixtures.Clips(trainer.Profile);
        trainer.TrainStep(clips.Batch(2, 1)).Dispose();
        trainer.Model.eval();
        using var _ = no_grad();
        using var clip = TwinWeights.SinClip(1, 4, 16, 16);
        AssertMatchesPreLevelOutput("micro-model-recon-step3.f32", trainer.Model.forward(clip));
    }

    [Fact]
    public void AFileWithAnUnexpectedKeyIsRefusedNamingTheFileAndTheKey()
    {
        using var tmp = new TempDir();
        string path = tmp.File("two-blocks.pt");
        using (var twoBlocks = new Encoder3d(Micro)) twoBlocks.save(path);
        using var oneBlock = new Encoder3d(Micro with { NumResBlocks = 1 });
        var e = Assert.Throws<InvalidDataException>(() => oneBlock.load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("unexpected key 'levels.0.blocks.1.norm1.weight'", e.Message);
    }

    [Fact]
    public void AFileWithAMissingKeyIsRefusedNamingTheFileAndTheKey()
    {
        using var tmp = new TempDir();
        string path = tmp.File("one-block.pt");
        using (var oneBlock = new Magvit3dVqvae(Micro with { NumResBlocks = 1 })) oneBlock.save(path);
        using var twoBlocks = new Magvit3dVqvae(Micro);
        var e = Assert.Throws<InvalidDataException>(() => twoBlocks.load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing key 'encoder.levels.0.blocks.1.norm1.weight'", e.Message);
    }

    [Fact]
    public void AFileMixingTheTwoLayoutsIsRefused()
    {
        using var tmp = new TempDir();
        string path = tmp.File("mixed.pt");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write((byte)2);                                               // entry count, LEB128
            foreach (var key in new[] { "encoder.res.0.norm1.weight", "encoder.levels.0.blocks.1.norm1.weight" })
            {
                w.Write(key);
                using var t = ones(4);
                TorchSharp.TensorExtensionMethods.Save(t, w);
            }
        }
        using var model = new Magvit3dVqvae(Micro);
        var e = Assert.Throws<InvalidDataException>(() => model.load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("mixes the pre-level key 'encoder.res.0.norm1.weight' with the level key 'encoder.levels.0.blocks.1.norm1.weight'", e.Message);
    }

    [Fact]
    public void APreLevelFileForAnotherArchitectureIsRefusedNamingTheFileAndTheKey()
    {
        // micro-encoder.pt has two blocks a level: with one, its res.1 would be level 1's first block, which has other shapes.
        using var oneBlock = new Encoder3d(Micro with { NumResBlocks = 1 });
        var e = Assert.Throws<InvalidDataException>(() => oneBlock.load(Legacy("micro-encoder.pt")));
        Assert.Contains(Legacy("micro-encoder.pt"), e.Message);
        Assert.Contains("'res.1.conv1.weight'", e.Message);
    }
}
