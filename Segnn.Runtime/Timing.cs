using System.Diagnostics;

namespace Segnn.Runtime;

/// <summary>The one median and timing loop of the benchmarks and checks (wall time, the calling thread).</summary>
public static class Timing
{
    /// <summary>The median (mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> + <paramref name="repeats"/> times; returns the timed milliseconds.</summary>
    public static List<double> Time(Action action, int warmup, int repeats)
    {
        ArgumentNullException.ThrowIfNull(action);
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
}
