using Segnn.Data.Atomistic;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;

namespace Segnn.Data.Slabs;

/// <summary>
/// A periodic structure with its labels: every numeric info value of its frame (eV: <c>energy</c>,
/// <c>adsorption_energy</c>, <c>energy_relaxed</c>, …), its text info (<c>adsorbate</c>, <c>metals</c>, <c>anomaly</c>,
/// …), and where the frame has them the per-atom forces (eV/Å, [n·3]) and the stress (eV/Å³, full 3×3 row-major).
/// </summary>
public sealed record LabelledStructure(PeriodicStructure Structure, IReadOnlyDictionary<string, double> Scalars, IReadOnlyDictionary<string, string> Info,
    double[]? Forces, double[]? Stress) : ILabelledSystem
{
    public string Name => Structure.Name;
    public int[] AtomicNumbers => Structure.AtomicNumbers;
    public double[] Positions => Structure.Positions;
    public PeriodicCell? Cell => Structure.Cell;
    public int[]? Tags => Structure.Tags;
    public IReadOnlyDictionary<string, double[]> Vectors { get; } = new Dictionary<string, double[]>();
    public bool[]? Fixed => Structure.Fixed;

    /// <summary>The same labels on other positions (a relaxed structure of the same system).</summary>
    public LabelledStructure WithPositions(double[] positions) => this with { Structure = Structure with { Positions = positions } };
}

/// <summary>
/// The OC20-shaped EMT data of shared/data/slabs-emt (see its README): IS2RE initial and relaxed structures, S2EF frames
/// and strained bulk cells, per split, read from the gzip'd extended-XYZ files.
/// </summary>
public static class SlabsEmt
{
    /// <summary>The IS2RE/S2EF splits (OC20's: in-distribution test, unseen adsorbates, an unseen metal).</summary>
    public static readonly IReadOnlyList<string> Splits = ["train", "valid", "test_id", "test_ood_ads", "test_ood_cat"];

    /// <summary>The bulk splits.</summary>
    public static readonly IReadOnlyList<string> BulkSplits = ["train", "valid", "test"];

    /// <summary><c>{dataDir}/{kind}_{split}.extxyz.gz</c> (kind is2re, is2re relaxed, s2ef or bulk), checked to exist.</summary>
    public static string File(string dataDir, string kind, string split)
    {
        string path = kind == "is2re_relaxed" ? Path.Combine(dataDir, $"is2re_{split}_relaxed.extxyz.gz") : Path.Combine(dataDir, $"{kind}_{split}.extxyz.gz");
        return System.IO.File.Exists(path) ? path
            : throw new FileNotFoundException($"{path}: no such file (the slabs-emt data folder holds {kind} files for the splits {string.Join(", ", kind == "bulk" ? BulkSplits : Splits)})", path);
    }

    /// <summary>The labelled structures of one file.</summary>
    public static IEnumerable<LabelledStructure> Read(string path)
    {
        foreach (XyzFrame frame in XyzReader.ReadFile(path))
        {
            PeriodicStructure structure = PeriodicStructure.FromFrame(frame);
            var scalars = new Dictionary<string, double>(StringComparer.Ordinal);
            var info = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in frame.Info)
            {
                if (key is "Lattice" or "Properties" or "pbc" or "stress") continue;
                if (frame.TryGetInfoDouble(key, out double v) && double.IsFinite(v)) scalars[key] = v;
                else info[key] = value;
            }
            double[]? forces = frame.AtomColumns.TryGetValue("forces", out double[]? f) ? f : null;
            double[]? stress = frame.TryGetStress(out double[] voigt) ? FullStress(voigt) : null;
            yield return new LabelledStructure(structure, scalars, info, forces, stress);
        }
    }

    /// <summary>Voigt (xx yy zz yz xz xy) → the symmetric 3×3, row-major.</summary>
    public static double[] FullStress(ReadOnlySpan<double> voigt) =>
        [voigt[0], voigt[5], voigt[4], voigt[5], voigt[1], voigt[3], voigt[4], voigt[3], voigt[2]];
}
