using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.Data.NBody;

/// <summary>The simulator constants a dataset was generated with (recorded, and checked on load).</summary>
public sealed record NBodySimulatorParameters
{
    public int Particles { get; init; } = NBodySimulator.Particles;
    public int Dimensions { get; init; } = NBodySimulator.Dimensions;
    public int Steps { get; init; } = NBodySimulator.Steps;
    public int SampleInterval { get; init; } = NBodySimulator.SampleInterval;
    public int Frames { get; init; } = NBodySimulator.Frames;
    public double TimeStep { get; init; } = NBodySimulator.TimeStep;
    public double MaxForce { get; init; } = NBodySimulator.MaxForce;
    public double InteractionStrength { get; init; } = NBodySimulator.InteractionStrength;
    public double LocationStd { get; init; } = NBodySimulator.LocationStd;
    public double Speed { get; init; } = NBodySimulator.Speed;
    public double BoxSize { get; init; } = NBodySimulator.BoxSize;
    public double NoiseStd { get; init; } = NBodySimulator.NoiseStd;
    public string Charges { get; init; } = "-1 or +1, p = 1/2 each";
    public string Integrator { get; init; } = "symplectic Euler: v += dt F(x0); for i = 1..steps-1: x += dt v; store if i % sample_interval == 0; v += dt F(x)";
    public string Force { get; init; } = "F_i = sum_j k q_i q_j (x_i - x_j) / r_ij^3, r_ij^2 = |x_i|^2 + |x_j|^2 - 2 x_i.x_j, each component clipped to +-max_force";
    public string BoxClamp { get; init; } = "initial state only";
}

/// <summary>What produced the data.</summary>
public sealed record NBodyGeneratorInfo
{
    public string Name { get; init; } = "Segnn.Data.NBody";
    public int Version { get; init; } = 1;
    public string Random { get; init; } = NBodyRandom.Name;
}

/// <summary>One split file as recorded in the manifest.</summary>
public sealed record NBodyManifestFile
{
    public required string Split { get; init; }
    public required string File { get; init; }
    public required int Trajectories { get; init; }
    public required long Bytes { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole file.</summary>
    public required string Sha256 { get; init; }

    public required int ClippedTrajectories { get; init; }
}

/// <summary>
/// <c>manifest.json</c>: format version, seed, simulator parameters, and size and checksum of every split file.
/// It holds no timestamp, so the same options give byte-identical output.
/// </summary>
public sealed record NBodyManifest
{
    public string Format { get; init; } = NBodyBinaryFormat.FormatName;
    public int FormatVersion { get; init; } = NBodyBinaryFormat.Version;
    public NBodyGeneratorInfo Generator { get; init; } = new();
    public long Seed { get; init; }
    public NBodySimulatorParameters Simulator { get; init; } = new();
    public NBodyManifestFile[] Files { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Keeps '+' and '<' readable in the descriptive strings; the manifest is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Parses a manifest; <paramref name="path"/> only names the file in error messages.</summary>
    public static NBodyManifest FromJson(string json, string path)
    {
        NBodyManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<NBodyManifest>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a valid N-body manifest: {ex.Message}", ex);
        }
        if (manifest is null)
            throw new InvalidDataException($"{path}: the manifest is empty");
        if (manifest.Format != NBodyBinaryFormat.FormatName)
            throw new InvalidDataException($"{path}: format is '{manifest.Format}', expected '{NBodyBinaryFormat.FormatName}'");
        if (manifest.FormatVersion != NBodyBinaryFormat.Version)
            throw new InvalidDataException($"{path}: format version {manifest.FormatVersion} is not supported (this build reads version {NBodyBinaryFormat.Version})");
        var expected = new NBodySimulatorParameters();
        // The descriptive strings may be reworded between versions; the numbers may not differ.
        if (manifest.Simulator is null || manifest.Generator is null || manifest.Files is null
            || manifest.Simulator with { Charges = expected.Charges, Integrator = expected.Integrator, Force = expected.Force, BoxClamp = expected.BoxClamp } != expected)
            throw new InvalidDataException($"{path}: the simulator parameters differ from this build's charged 5-body simulator");
        return manifest;
    }
}
