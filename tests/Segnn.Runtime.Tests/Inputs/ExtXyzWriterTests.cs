using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

/// <summary>The extended-XYZ writer, checked by reading its output back with <see cref="XyzReader"/>.</summary>
[TestClass]
public sealed class ExtXyzWriterTests
{
    private static readonly PeriodicCell SlabCell = new([7.8436, 0.0, 0.0, 3.9218, 6.7928, 0.0, 0.0, 0.0, 21.3], [true, true, false]);

    private static PeriodicStructure Slab() => new(
        "Pt(111) + O",
        [78, 78, 78, 8],
        [0.0, 0.0, 7.5, 2.7727, 1.6008, 9.7641, 5.5454, 3.2016, 12.028, 2.7727, 1.6008 + 1.0 / 3, 14.1 - 1e-13],
        SlabCell,
        Tags: [2, 1, 1, 0],
        Fixed: [true, false, false, false]);

    [TestMethod]
    public void APeriodicStructureAndItsLabelsRoundTripExactly()
    {
        var slab = Slab();
        double[] forces = [0.1, -0.2, 0.3, 1e-300, -0.0, 5e-324, 0.0, 0.0, 0.0, -1.0 / 3, 2.0 / 3, 123456789.0];
        double[] stress = [0.0043, 0.0039, 0.0036, 0.0066, -0.0052, -0.0033];
        double[] magmoms = [0.5, 0.25, 0.0, 1.75];
        double[] dipoles = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var values = new ExtXyzValues
        {
            Energy = -12.345678901234567,
            Stress = stress,
            Forces = forces,
            Info = new Dictionary<string, object>
            {
                ["sid"] = 3000123L,
                ["metals"] = "Au-Pt",
                ["note"] = "say \"hi\" to C:\\data, {ok} [1]",
                ["height"] = 1.8916061020380406,
                ["converged"] = true,
                ["shear"] = new[] { 0.019185970125076054, -0.011096128094054714, -0.007344859774168521 },
                ["layers"] = new[] { 1, 2, 3 },
                ["flags"] = new[] { true, false },
                ["empty"] = "",
            },
            AtomColumns = new Dictionary<string, double[]> { ["magmoms"] = magmoms, ["dipoles"] = dipoles },
        };
        var text = new StringWriter();
        var writer = new ExtXyzWriter(text);
        writer.Write(slab, values);
        Assert.AreEqual(1, writer.FramesWritten);

        var frame = XyzReader.Read(new StringReader(text.ToString()), "written.xyz").Single();
        Assert.AreEqual(XyzFormat.Extended, frame.Format);
        var back = PeriodicStructure.FromFrame(frame);
        Assert.AreEqual(slab.Name, back.Name);
        CollectionAssert.AreEqual(slab.AtomicNumbers, back.AtomicNumbers);
        CollectionAssert.AreEqual(slab.Positions, back.Positions);
        CollectionAssert.AreEqual(slab.Cell.Matrix.ToArray(), back.Cell.Matrix.ToArray());
        CollectionAssert.AreEqual(slab.Cell.Pbc.ToArray(), back.Cell.Pbc.ToArray());
        CollectionAssert.AreEqual(slab.Tags, back.Tags);
        CollectionAssert.AreEqual(slab.Fixed, back.Fixed);
        back.Validate();

        Assert.IsTrue(frame.TryGetInfoDouble("energy", out double energy));
        Assert.AreEqual(values.Energy, energy);
        Assert.IsTrue(frame.TryGetStress(out double[] voigt));
        CollectionAssert.AreEqual(stress, voigt);
        Assert.IsTrue(frame.TryGetInfoDoubles("stress", out double[] nine));
        Assert.HasCount(9, nine);
        CollectionAssert.AreEqual(forces, frame.AtomColumns["forces"]);
        Assert.IsTrue(BitConverter.DoubleToInt64Bits(frame.AtomColumns["forces"][4]) < 0, "-0.0 keeps its sign");
        CollectionAssert.AreEqual(magmoms, frame.AtomColumns["magmoms"]);
        CollectionAssert.AreEqual(dipoles, frame.AtomColumns["dipoles"]);
        StringAssert.Contains(frame.Info["Properties"], "species:S:1:pos:R:3:tags:I:1:fixed:I:1:forces:R:3:magmoms:R:1:dipoles:R:3");

        Assert.IsTrue(frame.TryGetInfoInt64("sid", out long sid));
        Assert.AreEqual(3000123L, sid);
        Assert.AreEqual("Au-Pt", frame.Info["metals"]);
        Assert.AreEqual(values.Info["note"], frame.Info["note"]);
        Assert.IsTrue(frame.TryGetInfoDouble("height", out double height));
        Assert.AreEqual(1.8916061020380406, height);
        Assert.AreEqual("T", frame.Info["converged"]);
        Assert.IsTrue(frame.TryGetInfoDoubles("shear", out double[] shear));
        CollectionAssert.AreEqual((double[])values.Info["shear"], shear);
        Assert.AreEqual("1 2 3", frame.Info["layers"]);
        Assert.AreEqual("T F", frame.Info["flags"]);
        Assert.AreEqual("", frame.Info["empty"]);
        Assert.AreEqual("T T F", frame.Info["pbc"]);
    }

    [TestMethod]
    public void ANineNumberStressIsTheMatrixRowByRow()
    {
        double[] matrix = [1, 6, 5, 6, 2, 4, 5, 4, 3];
        var text = new StringWriter();
        new ExtXyzWriter(text).Write(Slab(), new ExtXyzValues { Stress = matrix });
        var frame = XyzReader.Read(new StringReader(text.ToString()), "s.xyz").Single();
        Assert.IsTrue(frame.TryGetStress(out double[] voigt));
        CollectionAssert.AreEqual(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, voigt);

        // Not symmetric: ASE's get_stress() takes the upper triangle (m12, m02, m01) of the matrix as given.
        double[] skew = [11, 12, 13, 21, 22, 23, 31, 32, 33];
        text = new StringWriter();
        new ExtXyzWriter(text).Write(Slab(), new ExtXyzValues { Stress = skew });
        Assert.IsTrue(XyzReader.Read(new StringReader(text.ToString()), "s.xyz").Single().TryGetStress(out voigt));
        CollectionAssert.AreEqual(new[] { 11.0, 22.0, 33.0, 23.0, 13.0, 12.0 }, voigt);
    }

    [TestMethod]
    public void MoleculesAndStructuresShareAFileInOrder()
    {
        var text = new StringWriter();
        var writer = new ExtXyzWriter(text);
        var water = new Molecule("water molecule", [8, 1, 1], [0, 0, 0.117, 0, 0.757, -0.467, 0, -0.757, -0.467]);
        writer.Write(water, new ExtXyzValues { Energy = 3.0 });
        writer.Write(Slab());
        writer.Write(new Molecule("", [6], [0, 0, 0]));
        Assert.AreEqual(3, writer.FramesWritten);

        var frames = XyzReader.Read(new StringReader(text.ToString()), "mixed.xyz").ToList();
        Assert.HasCount(3, frames);
        Assert.IsNull(frames[0].Cell);
        Assert.AreEqual("F F F", frames[0].Info["pbc"], "as ASE writes a molecule");
        var back = Molecule.FromFrame(frames[0]);
        Assert.AreEqual("water molecule", back.Name);
        CollectionAssert.AreEqual(water.Positions, back.Positions);
        // An integral energy is written as a real, so that ASE reads a float.
        StringAssert.Contains(frames[0].Comment, "energy=3.0 ");
        Assert.IsTrue(frames[1].IsPeriodic);
        Assert.AreEqual(4, frames[1].AtomCount);
        Assert.AreEqual("frame 2", Molecule.FromFrame(frames[2]).Name);
        Assert.IsFalse(frames[2].Info.ContainsKey("name"));
    }

    [TestMethod]
    public void ValuesThatCannotBeWrittenAreRefusedBeforeAnythingIsWritten()
    {
        var slab = Slab();
        var cases = new (ExtXyzValues Values, string Problem)[]
        {
            (new() { Energy = double.NaN }, "energy is not finite"),
            (new() { Stress = [1, 2, 3] }, "stress has 3 numbers"),
            (new() { Stress = [1, 2, 3, 4, 5, double.PositiveInfinity] }, "the stress: value 5 is not finite"),
            (new() { Forces = [1, 2, 3] }, "forces have 3 numbers for 4 atoms"),
            (new() { Forces = new double[12] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, double.NaN } }, "the forces: value 11"),
            (new() { AtomColumns = new Dictionary<string, double[]> { ["q"] = [1, 2, 3] } }, "column 'q' has 3 values for 4 atoms"),
            (new() { AtomColumns = new Dictionary<string, double[]> { ["forces"] = new double[12] } }, "'forces' cannot be an extra column"),
            (new() { AtomColumns = new Dictionary<string, double[]> { ["a:b"] = new double[4] } }, "'a:b' cannot be an extra column"),
            (new() { Info = new Dictionary<string, object> { ["pbc"] = "T T T" } }, "info key 'pbc' is reserved"),
            (new() { Info = new Dictionary<string, object> { ["energy"] = 1.0 } }, "info key 'energy' is reserved"),
            (new() { Info = new Dictionary<string, object> { ["two words"] = 1 } }, "contains ' '"),
            (new() { Info = new Dictionary<string, object> { ["k"] = "line\nbreak" } }, "line break"),
            (new() { Info = new Dictionary<string, object> { ["when"] = DateTime.UnixEpoch } }, "info 'when' is a DateTime"),
            (new() { Info = new Dictionary<string, object> { ["x"] = double.NaN } }, "info 'x': value 0 is not finite"),
            (new() { Info = new Dictionary<string, object> { ["virial"] = new[] { 1.0, 2.0 } } }, "'virial' must be 9 numbers"),
            (new() { Info = new Dictionary<string, object> { ["v"] = Array.Empty<double>() } }, "cannot be empty"),
        };
        foreach (var (values, problem) in cases)
        {
            var text = new StringWriter();
            var writer = new ExtXyzWriter(text);
            var error = Assert.ThrowsExactly<ArgumentException>(() => writer.Write(slab, values), problem);
            StringAssert.Contains(error.Message, problem);
            Assert.AreEqual("", text.ToString(), $"{problem}: nothing written");
            Assert.AreEqual(0, writer.FramesWritten);
        }

        var output = new StringWriter();
        var invalid = new PeriodicStructure("twice", [29, 29], [0, 0, 0, 7.8436, 0, 0], SlabCell);
        StringAssert.Contains(Assert.ThrowsExactly<SegnnInputException>(() => new ExtXyzWriter(output).Write(invalid)).Message, "same position");
        Assert.AreEqual("", output.ToString());
    }
}
