using System.Diagnostics;

namespace Segnn.Cli.Tests;

/// <summary>
/// Runs the built <c>segnn</c> as a user does (its own process), so exit codes, stderr and native failures are the real ones.
/// </summary>
internal static class SegnnProcess
{
    /// <summary>What one run printed and returned.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}; stderr: {Stderr.Trim()}; stdout: {Stdout.Trim()}";
    }

    private static string Entry => Path.Combine(AppContext.BaseDirectory, "segnn.dll");

    public static Result Run(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Entry);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("SEGNN_DEBUG");
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"segnn {string.Join(' ', args)} did not finish in 2 minutes");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Asserts a refusal: the expected exit code and exactly one non-empty stderr line starting "segnn: error:" that
    /// contains every fragment, with no stack trace.
    /// </summary>
    public static void AssertRefused(Result result, int exitCode, params string[] fragments)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.AreEqual(1, lines.Length, $"expected one line on stderr: {result}");
        StringAssert.StartsWith(lines[0], "segnn: error:", result.ToString());
        foreach (string fragment in fragments)
            StringAssert.Contains(lines[0], fragment, result.ToString());
        Assert.IsFalse(lines[0].Contains(" at Segnn.", StringComparison.Ordinal) || lines[0].Contains("frame #", StringComparison.Ordinal), result.ToString());
    }
}
