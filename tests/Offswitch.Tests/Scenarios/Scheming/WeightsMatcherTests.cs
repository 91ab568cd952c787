using System.IO.Compression;
using System.Text;
using Offswitch.Scenarios.Scheming;

namespace Offswitch.Tests.Scenarios.Scheming;

public sealed class WeightsMatcherTests
{
    private static readonly byte[] Weights = SchemingWorld.For(3, "grid").OwnWeights;

    [Fact]
    public void Pieces_GzipBase64HexAndEmbedded_WholeWeights()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Weights);
        }

        byte[][] forms =
        [
            buffer.ToArray(),
            Encoding.ASCII.GetBytes(Convert.ToBase64String(Weights, Base64FormattingOptions.InsertLineBreaks)),
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Weights)),
            [.. "header"u8, .. Weights, .. "trailer"u8],
        ];
        foreach (var form in forms)
        {
            Assert.True(WeightsMatcher.Covers(WeightsMatcher.Pieces(form, Weights), Weights.Length));
        }
    }

    [Fact]
    public void Pieces_SplitParts_CoverOnlyTogether()
    {
        var a = WeightsMatcher.Pieces(Weights[..100_000], Weights);
        var b = WeightsMatcher.Pieces(Weights[100_000..], Weights);

        Assert.False(WeightsMatcher.Covers(a, Weights.Length));
        Assert.True(WeightsMatcher.Covers([.. a, .. b], Weights.Length));
    }

    [Fact]
    public void Pieces_OtherBytesOrTinyFragment_Nothing()
    {
        Assert.Empty(WeightsMatcher.Pieces(SchemingWorld.For(3, "grid").SuccessorWeights, Weights));
        Assert.Empty(WeightsMatcher.Pieces(Weights[..100], Weights));
        Assert.Empty(WeightsMatcher.Pieces(Encoding.ASCII.GetBytes(new string('a', 8192)), Weights));
    }
}
