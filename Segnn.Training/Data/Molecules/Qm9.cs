using System.Globalization;
using Segnn.Data.Atomistic;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;

namespace Segnn.Data.Molecules;

/// <summary>
/// A molecule with its labels in physical units (eV, D, bohr³, e·bohr, …); vectors are 1o targets. <c>GdbId</c> is the
/// QM9 id (1-based), or −1 where the file does not say.
/// </summary>
public sealed record LabelledMolecule(long GdbId, Molecule Molecule, IReadOnlyDictionary<string, double> Scalars, IReadOnlyDictionary<string, double[]> Vectors)
    : ILabelledSystem
{
    public string Name => Molecule.Name;
    public int[] AtomicNumbers => Molecule.AtomicNumbers;
    public double[] Positions => Molecule.Positions;
    public PeriodicCell? Cell => null;
    public int[]? Tags => null;
}

/// <summary>
/// QM9 conventions (segnn.md §5.1, shared/data/README.md): the twelve standard targets with their unit conversions and
/// atom-reference subtraction, the RI-MP2 targets, readers for the standard and extended-XYZ files, and the split.
/// </summary>
public static class Qm9
{
    public const double HartreeToEv = 27.211386246;
    public const double KcalPerMolToEv = 0.0433641;
    public const double BohrToAngstrom = 0.529177210903;

    /// <summary>The twelve standard targets of the paper, in its order, with their units after conversion.</summary>
    public static readonly IReadOnlyList<LabelTarget> StandardTargets =
    [
        new("mu", "D", false), new("alpha", "bohr^3", false), new("homo", "eV", false), new("lumo", "eV", false),
        new("gap", "eV", false), new("r2", "bohr^2", false), new("zpve", "eV", false), new("U0", "eV", false, true),
        new("U", "eV", false, true), new("H", "eV", false, true), new("G", "eV", false, true), new("Cv", "cal/mol/K", false),
    ];

    /// <summary>The RI-MP2 labels of shared/data/qm9/mp2-10k.</summary>
    public static readonly IReadOnlyList<LabelTarget> Mp2Targets =
        [new("binding_energy", "eV", false, true), new("homo", "eV", false), new("dipole", "e*bohr", true)];

    /// <summary>Isolated-atom energies (Hartree) of QM9's atomref table for U0, U, H, G; subtracted to get atomisation energies.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, double>> AtomReferences = new Dictionary<string, IReadOnlyDictionary<int, double>>
    {
        ["U0"] = new Dictionary<int, double> { [1] = -0.500273, [6] = -37.846772, [7] = -54.583861, [8] = -75.064579, [9] = -99.718730 },
        ["U"] = new Dictionary<int, double> { [1] = -0.498857, [6] = -37.845355, [7] = -54.582445, [8] = -75.063163, [9] = -99.717314 },
        ["H"] = new Dictionary<int, double> { [1] = -0.497912, [6] = -37.844411, [7] = -54.581501, [8] = -75.062219, [9] = -99.716370 },
        ["G"] = new Dictionary<int, double> { [1] = -0.510927, [6] = -37.861317, [7] = -54.598897, [8] = -75.079532, [9] = -99.733544 },
    };

    /// <summary>
    /// Molecules with the standard targets from QM9 files: the original per-molecule format (<c>gdb</c> comment line,
    /// Mulliken charges, trailing lines; <c>*^</c> exponents) or extended XYZ with the keys <c>A B C mu alpha epsHOMO
    /// epsLUMO epsgap &lt;R2&gt; zpve U0 U H G Cv</c>. Energies become eV, U0/U/H/G atomisation energies. A path may be a
    /// file (gzip allowed) or a folder of such files.
    /// </summary>
    public static IEnumerable<LabelledMolecule> ReadStandard(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".xyz", StringComparison.Ordinal) || f.EndsWith(".xyz.gz", StringComparison.Ordinal) || f.EndsWith(".extxyz", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [path];
        foreach (string file in files)
            foreach (XyzFrame frame in XyzReader.ReadFile(file))
            {
                Molecule molecule = Molecule.FromFrame(frame);
                double Get(string key) => frame.TryGetInfoDouble(key, out double v) && double.IsFinite(v) ? v
                    : throw new InvalidDataException($"{frame.Source}:{frame.LineNumber}: molecule {molecule.Name} has no numeric '{key}'");
                double Atomisation(string key)
                {
                    double e = Get(key);
                    foreach (int z in molecule.AtomicNumbers)
                        e -= AtomReferences[key].TryGetValue(z, out double r) ? r
                            : throw new InvalidDataException($"{frame.Source}:{frame.LineNumber}: no atom reference for element {Elements.Symbol(z)}");
                    return e * HartreeToEv;
                }
                var scalars = new Dictionary<string, double>
                {
                    ["mu"] = Get("mu"),
                    ["alpha"] = Get("alpha"),
                    ["homo"] = Get("epsHOMO") * HartreeToEv,
                    ["lumo"] = Get("epsLUMO") * HartreeToEv,
                    ["gap"] = Get("epsgap") * HartreeToEv,
                    ["r2"] = Get("<R2>"),
                    ["zpve"] = Get("zpve") * HartreeToEv,
                    ["U0"] = Atomisation("U0"),
                    ["U"] = Atomisation("U"),
                    ["H"] = Atomisation("H"),
                    ["G"] = Atomisation("G"),
                    ["Cv"] = Get("Cv"),
                };
                yield return new LabelledMolecule(GdbId(frame), molecule, scalars, new Dictionary<string, double[]>());
            }
    }

    /// <summary>The RI-MP2 molecules (binding energy and HOMO in eV, dipole vector in e·bohr) from a folder of the extxyz parts or one file.</summary>
    public static IEnumerable<LabelledMolecule> ReadMp2(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.extxyz*").Order(StringComparer.Ordinal)
            : [path];
        foreach (string file in files)
            foreach (XyzFrame frame in XyzReader.ReadFile(file))
            {
                Molecule molecule = Molecule.FromFrame(frame);
                double Get(string key) => frame.TryGetInfoDouble(key, out double v) && double.IsFinite(v) ? v
                    : throw new InvalidDataException($"{frame.Source}:{frame.LineNumber}: molecule {molecule.Name} has no numeric '{key}'");
                yield return new LabelledMolecule(GdbId(frame), molecule,
                    new Dictionary<string, double> { ["binding_energy"] = Get("binding_energy_Ha") * HartreeToEv, ["homo"] = Get("homo_HF_Ha") * HartreeToEv },
                    new Dictionary<string, double[]> { ["dipole"] = [Get("dipole_x_au"), Get("dipole_y_au"), Get("dipole_z_au")] });
            }
    }

    private static long GdbId(XyzFrame frame) => frame.TryGetInfoInt64("gdb_id", out long id) ? id : -1;
}

/// <summary>The standard EGNN/SEGNN (Cormorant) split of QM9 by 1-based id: 100,000 / 17,748 / 13,083.</summary>
public sealed class Qm9Split
{
    private Qm9Split(HashSet<long> train, HashSet<long> valid, HashSet<long> test)
    {
        Train = train;
        Valid = valid;
        Test = test;
    }

    public IReadOnlySet<long> Train { get; }
    public IReadOnlySet<long> Valid { get; }
    public IReadOnlySet<long> Test { get; }

    /// <summary>Reads <c>train_gdb_ids.txt</c>, <c>valid_gdb_ids.txt</c>, <c>test_gdb_ids.txt</c>; an id in two splits is an error.</summary>
    public static Qm9Split Load(string dir)
    {
        HashSet<long> Read(string name)
        {
            string file = Path.Combine(dir, name);
            var ids = new HashSet<long>();
            int line = 0;
            foreach (string raw in File.ReadLines(file))
            {
                line++;
                string text = raw.Trim();
                if (text.Length == 0) continue;
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) || id < 1)
                    throw new InvalidDataException($"{file}:{line}: '{text}' is not a QM9 id");
                if (!ids.Add(id)) throw new InvalidDataException($"{file}:{line}: id {id} is listed twice");
            }
            return ids;
        }
        HashSet<long> train = Read("train_gdb_ids.txt"), valid = Read("valid_gdb_ids.txt"), test = Read("test_gdb_ids.txt");
        long? overlap = train.Intersect(valid).Concat(train.Intersect(test)).Concat(valid.Intersect(test)).Cast<long?>().FirstOrDefault();
        if (overlap is not null) throw new InvalidDataException($"{dir}: id {overlap} is in two splits");
        return new Qm9Split(train, valid, test);
    }

    /// <summary>The split a molecule belongs to (<c>train</c>, <c>valid</c>, <c>test</c>), or null when it is in none.</summary>
    public string? SplitOf(long id) => Train.Contains(id) ? "train" : Valid.Contains(id) ? "valid" : Test.Contains(id) ? "test" : null;
}
