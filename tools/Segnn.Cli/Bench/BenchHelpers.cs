using System.Diagnostics;
using System.Globalization;

namespace Segnn.Cli.Bench;

/// <summary>Timing and memory helpers shared by the benchmarks: medians of repeated runs, peak RSS of the process.</summary>
internal static class BenchHelpers
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> + <paramref name="repeats"/> times; returns the timed milliseconds.</summary>
    public static List<double> Time(Action action, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new List<double>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return times;
    }

    /// <summary>Resets the kernel's peak-RSS counter for this process (Linux; no-op elsewhere).</summary>
    public static void ResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // not Linux or not permitted: the peak then covers the whole process
        }
    }

    /// <summary>Peak resident set size in MiB since the last reset (VmHWM), or NaN where unavailable.</summary>
    public static double PeakMemoryMiB()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
        }
        return double.NaN;
    }

    public static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        return $"{cpu}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
