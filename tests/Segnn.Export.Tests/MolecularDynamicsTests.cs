using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Dynamics;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>Molecular dynamics with an exported force field: NVE conserves energy, Langevin heats a structure at rest, fixed atoms stay.</summary>
[TestClass]
public sealed class MolecularDynamicsTests
{
    private static SegnnSession Session()
    {
        set_num_threads(1);
        manual_seed(31);
        var model = new SegnnModel(new S2efTask().DefaultConfig() with { Layers = 2, HiddenFeatures = 16, DType = Precision.Float64 });
        return SegnnSession.Load(Exporter.Export(model, new ExportOptions { Precision = Precision.Float64 }));
    }

    [TestMethod]
    public void VelocityVerletConservesEnergyAndLangevinHeats()
    {
        using SegnnSession session = Session();
        PeriodicStructure bulk = SyntheticSystems.FccBulk(new Random(2), [29], 3.6, 2, rattle: 0.02);
        var nve = new MolecularDynamics(session, bulk, new MdOptions { TimeStepFs = 0.5, InitialTemperatureK = 100, Seed = 3 });
        MdFrame first = nve.Current;
        Assert.AreEqual(100, first.Temperature, 1e-6, "initial velocities at exactly the asked temperature");
        List<MdFrame> frames = nve.Run(400, 4).ToList();
        EnergyConservation c = EnergyConservation.Of(frames, bulk.AtomCount);
        double kineticPerAtom = frames.Average(f => f.KineticEnergy) / bulk.AtomCount;
        Assert.IsGreaterThan(0, kineticPerAtom);
        Assert.IsLessThan(1e-3 * kineticPerAtom, Math.Abs(c.DriftPerAtom), $"NVE drift {c.DriftPerAtom:E2} eV/atom against {kineticPerAtom:E2} eV/atom kinetic");
        Assert.IsLessThan(1e-2 * kineticPerAtom, c.MaxDeviationPerAtom, "NVE fluctuation");
        Assert.IsFalse(frames[^1].Positions.SequenceEqual(first.Positions), "the atoms move");

        var slab = SyntheticSystems.FccSlab(new Random(4), [29], 3.6, 2, 2, 3, adsorbate: [8], rattle: 0.02);
        var nvt = new MolecularDynamics(session, slab, new MdOptions { Thermostat = Thermostat.Langevin, TemperatureK = 500, FrictionPerFs = 0.05, TimeStepFs = 0.5, Seed = 5 });
        MdFrame last = nvt.Run(300, 300).Last();
        Assert.IsGreaterThan(50, last.Temperature, $"the bath heats a structure at rest (T = {last.Temperature:F0} K)");
        for (int i = 0; i < slab.AtomCount; i++)
            if (slab.Fixed![i])
                for (int k = 0; k < 3; k++) Assert.AreEqual(slab.Positions[3 * i + k], last.Positions[3 * i + k], 0.0, $"fixed atom {i} moved");
    }

    [TestMethod]
    public void AModelWithoutForcesIsRefused()
    {
        manual_seed(32);
        using SegnnSession energyOnly = SegnnSession.Load(Exporter.Export(new SegnnModel(new BulkEnergyTask().DefaultConfig() with { Layers = 1, HiddenFeatures = 8 })));
        var ex = Assert.ThrowsExactly<SegnnModelException>(() => new MolecularDynamics(energyOnly, SyntheticSystems.FccBulk(new Random(1), [29], 3.6, 2)));
        StringAssert.Contains(ex.Message, "force field");
    }
}
