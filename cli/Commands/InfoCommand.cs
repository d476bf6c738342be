using System.CommandLine;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg info [--device D]</c>: the TorchSharp/libtorch runtime and the device a run would use.</summary>
internal static class InfoCommand
{
    public static void Define(Command command)
    {
        var device = Common.Device("auto");
        command.AddAll(device);
        command.SetAction(p => Run(p.GetValue(device)!));
    }

    private static int Run(string device)
    {
        Console.WriteLine(TorchRuntime.Describe());
        Console.WriteLine($"device: {TorchRuntime.ResolveDevice(device)}");
        return 0;
    }
}
