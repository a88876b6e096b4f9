namespace Segnn.Tests;

/// <summary>
/// Locates the repository root (the folder with Segnn.sln above the test binaries) and the read-only shared data
/// (<c>../shared</c> next to it, or $SEGNN_SHARED); tests that need the data are skipped, saying so, without it.
/// Linked into every test project, so there is one definition.
/// </summary>
internal static class SharedData
{
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    public static string? Root { get; } = FindShared();

    /// <summary>A path under the shared folder; the test is skipped (inconclusive) when it is absent.</summary>
    public static string Require(string relative)
    {
        if (Root is null)
            Assert.Inconclusive($"skipped: the shared data folder (../shared or $SEGNN_SHARED) is absent, so '{relative}' cannot be read");
        string path = Path.Combine(Root!, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"skipped: '{path}' is absent");
        return path;
    }

    /// <summary>A path under the repository root (e.g. a shipped model); the test is skipped when it is absent.</summary>
    public static string RequireInRepository(string relative)
    {
        if (RepositoryRoot is null)
            Assert.Inconclusive("skipped: the repository root (the folder with Segnn.sln) is not above the test binaries");
        string path = Path.Combine(RepositoryRoot!, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"skipped: {path} is not in this checkout");
        return path;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Segnn.sln")))
                return dir.FullName;
        }

        return null;
    }

    private static string? FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("SEGNN_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return env;
        if (RepositoryRoot is null)
            return null;
        string shared = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }
}
