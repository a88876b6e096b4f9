using System.Diagnostics;

namespace Segnn.Training;

/// <summary>Where the code came from, for run summaries, model cards and exported metadata.</summary>
public static class Provenance
{
    /// <summary>The short commit of the repository the binaries were built in, or "unknown" (no git, not a checkout).</summary>
    public static string Commit()
    {
        try
        {
            var psi = new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory, // the build output lies inside the repository
            };
            using var p = Process.Start(psi);
            if (p is null) return "unknown";
            string output = p.StandardOutput.ReadToEnd().Trim();
            if (!p.WaitForExit(2000)) return "unknown";
            return p.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
