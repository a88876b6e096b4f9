namespace Segnn.Cli;

/// <summary>Default locations of the read-only reference data (../shared beside the repository, or $SEGNN_SHARED).</summary>
internal static class SharedPaths
{
    public static string Root
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("SEGNN_SHARED");
            if (!string.IsNullOrEmpty(env)) return env;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Segnn.sln")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            return Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "..", "shared"));
        }
    }

    public static string Qm9Geometries => Path.Combine(Root, "data", "qm9", "geometries");
    public static string Qm9Mp2 => Path.Combine(Root, "data", "qm9", "mp2-10k");
    public static string Slabs => Path.Combine(Root, "data", "slabs-emt");

    /// <summary>The repository's models/ folder (the shipped models), or null outside a checkout.</summary>
    public static string? Models
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Segnn.sln")))
                    return Path.Combine(dir.FullName, "models");
            return null;
        }
    }
}
