using TorchSharp;
namespace SpeechPairs.Tests;
public class SmokeTests
{
    [SkippableFact]
    public void TorchLoads() => Assert.Equal(6f, (torch.ones(2, 3)).sum().item<float>());
}
