using System.Reflection;
using System.Text.Json;
using Segnn.Runtime.Graphs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests;

/// <summary>Segnn.Runtime serves models with ONNX Runtime and the BCL only: libtorch must never ride along.</summary>
[TestClass]
public sealed class DependencyTests
{
    [TestMethod]
    public void RuntimeDoesNotReferenceTorchSharpEvenTransitively()
    {
        var root = typeof(NeighbourList).Assembly;
        Assert.AreEqual("Segnn.Runtime", root.GetName().Name);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { root.GetName().Name! };
        var pending = new Queue<(Assembly Assembly, string Path)>([(root, "Segnn.Runtime")]);
        var unresolved = new List<string>();
        while (pending.TryDequeue(out var item))
        {
            foreach (var reference in item.Assembly.GetReferencedAssemblies())
            {
                string name = reference.Name ?? "";
                string path = $"{item.Path} -> {name}";
                Assert.IsFalse(name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase), $"Segnn.Runtime depends on TorchSharp: {path}");
                if (!seen.Add(name))
                    continue;
                try
                {
                    pending.Enqueue((Assembly.Load(reference), path));
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // Its name was still checked above; only its own references stay unknown.
                    unresolved.Add(path);
                }
            }
        }

        // The walk must have gone past the first level (System.Runtime and friends resolve from the shared framework).
        Assert.IsGreaterThan(2, seen.Count, $"walked only {string.Join(", ", seen)}");
        Assert.IsLessThan(seen.Count, unresolved.Count, $"most references should resolve; unresolved: {string.Join("; ", unresolved)}");
    }

    [TestMethod]
    public void RuntimeRestoreHasNoTorchSharpPackage()
    {
        List<string> libraries = RestoredPackages("Segnn.Runtime");
        Assert.IsTrue(libraries.Any(l => l.StartsWith("Microsoft.ML.OnnxRuntime.Managed/", StringComparison.Ordinal)), "the assets file should list ONNX Runtime's managed API");
        foreach (string library in libraries)
        {
            Assert.IsFalse(
                library.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || library.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase),
                $"Segnn.Runtime restores {library}");
        }
    }

    /// <summary>
    /// Libraries reference ONNX Runtime's managed API only; the native package (CPU or CUDA) is each app's choice. A
    /// native package in a library's closure would put the CUDA libraries (hundreds of MB) into every CPU-only app.
    /// </summary>
    [TestMethod]
    [DataRow("Segnn.Runtime")]
    [DataRow("Segnn.Training")]
    public void LibrariesRestoreNoOnnxRuntimeNativePackage(string project)
    {
        foreach (string library in RestoredPackages(project))
        {
            string name = library.Split('/')[0];
            Assert.IsFalse(name.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.OrdinalIgnoreCase) && name != "Microsoft.ML.OnnxRuntime.Managed",
                $"{project}'s dependency closure holds the native package {library}; reference Microsoft.ML.OnnxRuntime.Managed and let the app choose");
        }
    }

    /// <summary>Every package (name/version) a project's restore resolved, transitively (its obj/project.assets.json).</summary>
    private static List<string> RestoredPackages(string project)
    {
        if (SharedData.RepositoryRoot is null)
            Assert.Inconclusive("skipped: the repository root (the folder with Segnn.sln) is not above the test binaries");
        string assets = Path.Combine(SharedData.RepositoryRoot!, project, "obj", "project.assets.json");
        if (!File.Exists(assets))
            Assert.Inconclusive($"skipped: '{assets}' is absent ({project} has not been restored here)");

        // Library entries ("libraries" and each target's packages) count; the central version list names every package
        // of the repository and does not.
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Where(p => p.Value.GetProperty("type").GetString() == "package").Select(p => p.Name).ToList();
        foreach (var target in json.RootElement.GetProperty("targets").EnumerateObject())
            libraries.AddRange(target.Value.EnumerateObject().Where(p => p.Value.GetProperty("type").GetString() == "package").Select(p => p.Name));
        Assert.IsNotEmpty(libraries, $"{assets} lists no packages");
        return libraries;
    }
}
