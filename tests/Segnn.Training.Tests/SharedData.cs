namespace Segnn.Training.Tests;

/// <summary>Locates the read-only <c>../shared</c> folder (or $SEGNN_SHARED); tests that need it are skipped, saying so, without it.</summary>
internal static class SharedData
{
    public static string? Root { get; } = Find();

    public static string Require(string relative)
    {
        if (Root is null)
            Assert.Inconclusive($"skipped: the shared data folder (../shared or $SEGNN_SHARED) is absent, so '{relative}' cannot be read");
        string path = Path.Combine(Root!, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"skipped: '{path}' is absent");
        return path;
    }

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("SEGNN_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Segnn.sln")))
            {
                string shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        return null;
    }
}
