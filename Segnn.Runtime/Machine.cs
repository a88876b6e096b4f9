using System.Globalization;
using System.Runtime.InteropServices;

namespace Segnn.Runtime;

/// <summary>What machine a number was measured on, and the process's memory, for benchmarks, run summaries and model cards.</summary>
public static class Machine
{
    /// <summary>CPU model, core count and operating system.</summary>
    public static string Description()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // not Linux: the model name stays unknown
        }

        return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}";
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // not Linux
        }

        return double.NaN;
    }
}
