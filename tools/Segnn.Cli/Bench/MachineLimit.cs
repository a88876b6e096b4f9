using System.Diagnostics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Segnn.Cli.Bench;

/// <summary>
/// The machine's arithmetic limit, measured in the benchmark's own process so that a slow-machine day shows as a lower
/// peak rather than as a regression: the best float32 GEMM rate of a few 1024² products.
/// </summary>
internal static class MachineLimit
{
    /// <summary>Best sgemm rate (GFLOP/s, 2 flops per multiply-add) of 1024×1024×1024 float32 products with <paramref name="threads"/> TorchSharp threads.</summary>
    public static double SgemmPeakGflops(int threads, int repeats = 9)
    {
        set_num_threads(threads);
        const int n = 1024;
        using var scope = NewDisposeScope();
        Tensor a = randn(n, n), b = randn(n, n);
        double best = double.PositiveInfinity;
        for (int i = 0; i < repeats + 2; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (Tensor c = a.mm(b)) { } // the 4 MB result's allocation is noise beside 2 GFLOP
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i >= 2) best = Math.Min(best, s);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>The time <paramref name="multiplyAdds"/> take at <paramref name="gflops"/>, in milliseconds.</summary>
    public static double LimitMs(long multiplyAdds, double gflops) => 2.0 * multiplyAdds / (gflops * 1e9) * 1e3;
}

/// <summary>Page faults and managed allocation of the process (getrusage on Linux; faults are −1 elsewhere).</summary>
internal readonly record struct ResourceUse(long MinorFaults, long MajorFaults, long ManagedBytes)
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRUsage(int who, out RUsage usage);

    public static ResourceUse Now()
    {
        long bytes = GC.GetTotalAllocatedBytes(precise: false);
        if (!OperatingSystem.IsLinux() || GetRUsage(0, out RUsage u) != 0) return new ResourceUse(-1, -1, bytes);
        return new ResourceUse(u.MinFlt, u.MajFlt, bytes);
    }

    /// <summary>Per-call page faults and managed bytes between two readings over <paramref name="calls"/> calls.</summary>
    public static (double Faults, double ManagedBytes) PerCall(ResourceUse before, ResourceUse after, int calls) =>
        (before.MinorFaults < 0 ? double.NaN : (double)(after.MinorFaults + after.MajorFaults - before.MinorFaults - before.MajorFaults) / calls,
         (double)(after.ManagedBytes - before.ManagedBytes) / calls);
}
