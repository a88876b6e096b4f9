using Segnn.Data.Atomistic;
using Segnn.Data.Molecules;
using Segnn.Runtime;

namespace Segnn.Tasks;

/// <summary>
/// QM9 with its standard targets (segnn.md §5): the original per-molecule files or the extended-XYZ subset; energies in
/// eV, U0/U/H/G as atomisation energies; elements H, C, N, O, F.
/// </summary>
public sealed class Qm9Task : MoleculeTask
{
    public static readonly TaskKey Id = new("qm9");

    public override TaskKey Key => Id;
    public override string Summary => "QM9 standard targets (mu, alpha, homo, lumo, gap, r2, zpve, U0, U, H, G, Cv) of molecules";
    public override string DataDescription => "QM9 files: a folder of dsgdb9nsd_*.xyz (split lists in a 'split' folder beside it or $SEGNN_QM9_SPLIT) or an extended-XYZ file";
    public override IReadOnlyList<LabelTarget> AvailableTargets => Qm9.StandardTargets;
    public override IReadOnlyList<string> DefaultTargets => ["alpha"];
    public override IReadOnlyList<int> DataElements => [1, 6, 7, 8, 9];

    public override IEnumerable<LabelledMolecule> Read(string dataDir) => Qm9.ReadStandard(dataDir);
}
