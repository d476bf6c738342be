using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

internal static class InfoCommand
{
    public static int Run(Args args)
    {
        string device = args.Get("device", "auto");
        args.EnsureAllUsed();
        Console.WriteLine(TorchRuntime.Describe());
        Console.WriteLine($"device: {TorchRuntime.ResolveDevice(device)}");
        return 0;
    }
}
