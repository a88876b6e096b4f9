using System.Diagnostics;
using System.Text;
using Segnn.IO;

namespace Segnn.Data.NBody;

/// <summary>What <see cref="NBodyDataset.Generate"/> produces. Counts may be zero; the paper uses seed 43.</summary>
public sealed record NBodyGenerationOptions
{
    /// <summary>Upper bound per split: keeps every array (and its byte view) under 2 GiB.</summary>
    public const int MaxTrajectories = 100_000;

    public long Seed { get; init; } = 43;

    /// <summary>Training trajectories; the paper trains on the first 3,000 only.</summary>
    public int Train { get; init; } = 3000;

    public int Valid { get; init; } = 2000;

    public int Test { get; init; } = 2000;

    /// <summary>Worker threads (null: all cores). The output does not depend on it.</summary>
    public int? Threads { get; init; }

    public int Count(NBodySplit split) => split switch
    {
        NBodySplit.Train => Train,
        NBodySplit.Valid => Valid,
        NBodySplit.Test => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    public NBodyGenerationOptions Validate()
    {
        foreach (NBodySplit split in NBodyDataset.Splits)
        {
            int n = Count(split);
            if (n is < 0 or > MaxTrajectories)
                throw new ArgumentException($"the {NBodyDataset.SplitName(split)} count must be between 0 and {MaxTrajectories}, got {n}");
        }
        if (Threads is < 1)
            throw new ArgumentException($"threads must be at least 1, got {Threads}");
        return this;
    }
}

/// <summary>Progress of a generation run: trajectories done in the split being simulated.</summary>
public readonly record struct NBodyProgress(NBodySplit Split, int Completed, int Total);

/// <summary>The outcome of <see cref="NBodyDataset.Generate"/>.</summary>
public sealed record NBodyGenerationResult(string Directory, NBodyManifest Manifest, long Bytes, TimeSpan Elapsed);

/// <summary>
/// The charged N-body dataset on disk: one binary file per split plus <c>manifest.json</c> (see README.md here).
/// </summary>
public static class NBodyDataset
{
    public const string ManifestFileName = "manifest.json";

    public static IReadOnlyList<NBodySplit> Splits { get; } = [NBodySplit.Train, NBodySplit.Valid, NBodySplit.Test];

    public static string SplitName(NBodySplit split) => NBodyBinaryFormat.SplitName(split);

    public static string FileName(NBodySplit split) => SplitName(split) + ".bin";

    public static NBodySplit ParseSplit(string split) => split.Trim().ToLowerInvariant() switch
    {
        "train" => NBodySplit.Train,
        "valid" or "val" or "validation" => NBodySplit.Valid,
        "test" => NBodySplit.Test,
        _ => throw new ArgumentException($"unknown split '{split}' (expected train, valid or test)", nameof(split)),
    };

    /// <summary>
    /// Simulates trajectories 0..count−1 of a split in memory, in parallel; the result does not depend on the thread
    /// count and trajectory k is the same whatever <paramref name="count"/> is.
    /// </summary>
    public static NBodyTrajectories Simulate(long seed, NBodySplit split, int count, int? threads = null,
        IProgress<NBodyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, NBodyGenerationOptions.MaxTrajectories);
        const int tv = NBodyTrajectories.TrajectoryValues;
        var positions = new double[count * tv];
        var velocities = new double[count * tv];
        var charges = new double[count * NBodySimulator.Particles];
        var clipped = new bool[count];
        int completed = 0;
        int reportEvery = Math.Max(1, count / 10);
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount };
        Parallel.For(0, count, parallel, () => (new double[NBodySimulator.FrameValues], new double[NBodySimulator.FrameValues]), (t, _, scratch) =>
        {
            (double[] x0, double[] v0) = scratch;
            Span<double> q = charges.AsSpan(t * NBodySimulator.Particles, NBodySimulator.Particles);
            NBodySimulator.SampleInitialState(seed, split, t, q, x0, v0);
            clipped[t] = NBodySimulator.Integrate(q, x0, v0, positions.AsSpan(t * tv, tv), velocities.AsSpan(t * tv, tv));
            int done = Interlocked.Increment(ref completed);
            if (progress is not null && (done % reportEvery == 0 || done == count))
                progress.Report(new NBodyProgress(split, done, count));
            return scratch;
        }, _ => { });
        return new NBodyTrajectories(split, seed, positions, velocities, charges, clipped);
    }

    /// <summary>
    /// Simulates every split and writes <c>train.bin</c>, <c>valid.bin</c>, <c>test.bin</c> and <c>manifest.json</c> into
    /// <paramref name="outDir"/> (created if needed). Each file is written to a temporary file in the same folder, flushed
    /// to disk and renamed over the target; the manifest goes last, so a reader never sees checksums of files not yet there.
    /// </summary>
    public static NBodyGenerationResult Generate(string outDir, NBodyGenerationOptions options,
        IProgress<NBodyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        options.Validate();
        var clock = Stopwatch.StartNew();
        string dir = Path.GetFullPath(outDir);
        if (File.Exists(dir))
            throw new IOException($"{dir}: exists and is a file, not a folder");
        try
        {
            Directory.CreateDirectory(dir);
            // Fails now rather than after the simulation.
            AtomicFile.Write(Path.Combine(dir, "write-probe"), _ => { });
            File.Delete(Path.Combine(dir, "write-probe"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{dir}: cannot create or write the output folder: {ex.Message}", ex);
        }

        var files = new List<NBodyManifestFile>();
        long bytes = 0;
        foreach (NBodySplit split in Splits)
        {
            NBodyTrajectories data = Simulate(options.Seed, split, options.Count(split), options.Threads, progress, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            string file = FileName(split);
            byte[] sha = [];
            WriteInto(dir, file, stream => sha = NBodyBinaryFormat.Write(stream, data));
            long size = NBodyBinaryFormat.FileBytes(data.Count);
            bytes += size;
            files.Add(new NBodyManifestFile
            {
                Split = SplitName(split),
                File = file,
                Trajectories = data.Count,
                Bytes = size,
                Sha256 = Convert.ToHexStringLower(sha),
                ClippedTrajectories = data.ClippedCount,
            });
        }
        var manifest = new NBodyManifest { Seed = options.Seed, Files = [.. files] };
        byte[] json = Encoding.UTF8.GetBytes(manifest.ToJson());
        WriteInto(dir, ManifestFileName, stream => stream.Write(json));
        bytes += json.Length;
        return new NBodyGenerationResult(dir, manifest, bytes, clock.Elapsed);
    }

    private static void WriteInto(string dir, string file, Action<Stream> write)
    {
        try
        {
            AtomicFile.Write(Path.Combine(dir, file), write);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{Path.Combine(dir, file)}: cannot write: {ex.Message}", ex);
        }
    }

    /// <summary>Reads and validates <c>manifest.json</c> of a dataset folder.</summary>
    public static NBodyManifest ReadManifest(string dir)
    {
        string path = Path.Combine(dir, ManifestFileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no N-body manifest here (generate the data with 'segnn nbody generate --out {dir}')", path);
        return NBodyManifest.FromJson(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Loads one split (<c>train</c>, <c>valid</c> or <c>test</c>), checking magic, version, header, size and the
    /// SHA-256 recorded in the manifest; any mismatch is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static NBodyTrajectories Load(string dir, string split) => Load(dir, ParseSplit(split));

    public static NBodyTrajectories Load(string dir, NBodySplit split)
    {
        NBodyManifest manifest = ReadManifest(dir);
        string name = SplitName(split);
        NBodyManifestFile entry = manifest.Files.FirstOrDefault(f => f.Split == name)
            ?? throw new InvalidDataException($"{Path.Combine(dir, ManifestFileName)}: no entry for the {name} split");
        if (entry.File != FileName(split))
            throw new InvalidDataException($"{Path.Combine(dir, ManifestFileName)}: the {name} split names file '{entry.File}', expected '{FileName(split)}'");
        return NBodyBinaryFormat.Read(Path.Combine(dir, entry.File), split, manifest, entry);
    }
}
