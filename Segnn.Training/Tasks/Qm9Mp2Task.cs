using Segnn.Data.Atomistic;
using Segnn.Data.Molecules;
using Segnn.Runtime;

namespace Segnn.Tasks;

/// <summary>
/// QM9 molecules with RI-MP2 labels (shared/data/qm9/mp2-10k): binding energy and HOMO in eV, the dipole as a 1o vector
/// in e·bohr; elements H, C, N, O. Not the standard QM9 targets.
/// </summary>
public sealed class Qm9Mp2Task : MoleculeTask
{
    public static readonly TaskKey Id = new("qm9-mp2");

    public override TaskKey Key => Id;
    public override string Summary => "RI-MP2 binding energy, HOMO and dipole vector of QM9 molecules";
    public override string DataDescription => "the RI-MP2 extended-XYZ parts (a folder such as ../shared/data/qm9/mp2-10k, or one file)";
    public override IReadOnlyList<LabelTarget> AvailableTargets => Qm9.Mp2Targets;
    public override IReadOnlyList<string> DefaultTargets => ["binding_energy", "homo"];
    public override IReadOnlyList<int> DataElements => [1, 6, 7, 8];

    public override IEnumerable<LabelledMolecule> Read(string dataDir) => Qm9.ReadMp2(dataDir);
}
