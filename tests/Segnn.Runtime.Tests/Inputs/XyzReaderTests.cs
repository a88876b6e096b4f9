using System.Globalization;
using System.IO.Compression;
using System.Text;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

[TestClass]
public sealed class XyzReaderTests
{
    private static readonly string[] Qm9Keys = ["A", "B", "C", "mu", "alpha", "epsHOMO", "epsLUMO", "epsgap", "<R2>", "zpve", "U0", "U", "H", "G", "Cv"];

    // dsgdb9nsd_000001.xyz in the standard QM9 format, with tabs, Mathematica exponents and no final newline.
    private const string Qm9Methane =
        "5\n" +
        "gdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\t\n" +
        "C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689\n" +
        "H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921\n" +
        "H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922\n" +
        "H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923\n" +
        "H\t-0.5238136345\t 1.4379326443\t 9.063972942*^-1\t 1.33923*^-1\n" +
        "1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078\n" +
        "C\tC\n" +
        "InChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4";

    private const string Qm9Water =
        "3\n" +
        "gdb 3\t799.58812\t437.90386\t282.94545\t1.8511\t6.31\t-0.2928\t0.0687\t0.3615\t19.0002\t0.021375\t-76.404702\t-76.401867\t-76.400922\t-76.422349\t6.002\n" +
        "O -0.0343604951 0.9775395708 0.0076015923 -0.589706\n" +
        "H 0.0647664923 0.0205721989 0.0015346341 0.294853\n" +
        "H 0.8717903737 1.3007924048 0.0006931336 0.294853\n" +
        "1.2345*^3 1.5*^3 3.8*^3\n" +
        "O O\n" +
        "InChI=1S/H2O/h1H2 InChI=1S/H2O/h1H2\n";

    [TestMethod]
    public void ReadsTheStandard100ExtendedXyzFile()
    {
        string path = SharedData.Require("data/qm9/standard-100/qm9_reduced_100.xyz");
        var frames = XyzReader.ReadFile(path).ToList();
        Assert.HasCount(100, frames);
        int line = 1;
        for (int i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            Assert.AreEqual(XyzFormat.Extended, frame.Format);
            Assert.AreEqual(i, frame.Index);
            Assert.AreEqual(line, frame.LineNumber, $"frame {i}");
            Assert.AreEqual(3 * frame.Symbols.Length, frame.Positions.Length);
            Assert.IsGreaterThan(0, frame.AtomCount);
            Assert.AreEqual("species:S:1:pos:R:3", frame.Info["Properties"]);
            Assert.AreEqual("F F F", frame.Info["pbc"]);
            foreach (string key in Qm9Keys)
                Assert.IsTrue(frame.TryGetInfoDouble(key, out _), $"frame {i}: {key} missing or not a number");
            Assert.IsTrue(frame.Comment.StartsWith("Properties=", StringComparison.Ordinal));
            line += frame.AtomCount + 2;
        }

        // Methane first (the documented U0 of QM9 id 1).
        CollectionAssert.AreEqual(new[] { "C", "H", "H", "H", "H" }, frames[0].Symbols);
        Assert.IsTrue(frames[0].TryGetInfoDouble("U0", out double u0));
        Assert.AreEqual(-40.47893, u0);
        Assert.AreEqual(-0.01269814, frames[0].Positions[0]);
    }

    [TestMethod]
    public void Standard100FramesAreTheDocumentedQm9Ids()
    {
        // README: QM9 ids 1-103 except 59, 62, 81, in order. Check each against the geometry file, which carries ids.
        string standard = SharedData.Require("data/qm9/standard-100/qm9_reduced_100.xyz");
        string geometries = SharedData.Require("data/qm9/geometries/qm9_geometries_part00.xyz.gz");
        string uncharacterized = SharedData.Require("data/qm9/uncharacterized.txt");
        int[] ids = Enumerable.Range(1, 103).Except([59, 62, 81]).ToArray();
        var reference = XyzReader.ReadFile(geometries)
            .TakeWhile(f => int.Parse(f.Info["gdb_id"], CultureInfo.InvariantCulture) <= 103)
            .ToDictionary(f => int.Parse(f.Info["gdb_id"], CultureInfo.InvariantCulture));
        var excluded = File.ReadLines(uncharacterized)
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 0 && int.TryParse(f[0], out _))
            .Select(f => int.Parse(f[0], CultureInfo.InvariantCulture))
            .ToHashSet();
        var frames = XyzReader.ReadFile(standard).ToList();
        Assert.HasCount(ids.Length, frames);
        int matched = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (!reference.TryGetValue(ids[i], out var expected))
            {
                Assert.Contains(ids[i], excluded, $"id {ids[i]} is neither in the geometries nor uncharacterized");
                continue;
            }

            CollectionAssert.AreEqual(expected.Symbols, frames[i].Symbols, $"id {ids[i]}");
            for (int k = 0; k < expected.Positions.Length; k++)
                Assert.AreEqual(expected.Positions[k], frames[i].Positions[k], 1e-7, $"id {ids[i]} coordinate {k}");
            matched++;
        }

        Assert.IsGreaterThanOrEqualTo(95, matched);
    }

    [TestMethod]
    public void ReadsTheMp2ExtendedXyzFiles()
    {
        string folder = SharedData.Require("data/qm9/mp2-10k");
        int[] expectedCounts = [3881, 3478, 2641];
        var ids = new HashSet<long>();
        for (int part = 0; part < 3; part++)
        {
            var frames = XyzReader.ReadFile(Path.Combine(folder, $"qm9_mp2_10k_part{part}.extxyz")).ToList();
            Assert.HasCount(expectedCounts[part], frames);
            foreach (var frame in frames)
            {
                Assert.AreEqual(XyzFormat.Extended, frame.Format);
                Assert.IsTrue(frame.TryGetInfoInt64("gdb_id", out long id));
                Assert.IsTrue(ids.Add(id), $"gdb_id {id} appears twice");
                Assert.IsTrue(frame.TryGetInfoDouble("binding_energy_Ha", out double binding));
                Assert.IsLessThan(0.0, binding, $"gdb_id {id}: an atomisation energy is negative");
                Assert.IsTrue(frame.TryGetInfoDouble("homo_HF_Ha", out double homo));
                Assert.IsLessThan(0.0, homo);
                Assert.IsTrue(frame.TryGetInfoDouble("dipole_au", out double dipole));
                Assert.IsTrue(frame.TryGetInfoDouble("dipole_x_au", out double x));
                Assert.IsTrue(frame.TryGetInfoDouble("dipole_y_au", out double y));
                Assert.IsTrue(frame.TryGetInfoDouble("dipole_z_au", out double z));
                Assert.AreEqual(dipole, Math.Sqrt(x * x + y * y + z * z), 2e-4, $"gdb_id {id}: |dipole| vs its components");
                Assert.AreEqual("F F F", frame.Info["pbc"]);
                Assert.AreEqual(3 * frame.AtomCount, frame.Positions.Length);
                Assert.IsTrue(frame.Symbols.All(s => s is "H" or "C" or "N" or "O"), $"gdb_id {id}: elements");
                Assert.IsEmpty(frame.AtomColumns);
            }

            if (part == 0)
            {
                var water = frames.Single(f => f.Info["gdb_id"] == "3");
                Assert.IsTrue(water.TryGetInfoDouble("homo_HF_Ha", out double homo));
                Assert.AreEqual(-0.507894, homo);
                CollectionAssert.AreEqual(new[] { "O", "H", "H" }, water.Symbols);
            }
        }

        Assert.HasCount(10_000, ids);
    }

    [TestMethod]
    public void ReadsAGeometryPartFullyWithIdsAscending()
    {
        string path = SharedData.Require("data/qm9/geometries/qm9_geometries_part00.xyz.gz");
        long previous = 0;
        int count = 0;
        foreach (var frame in XyzReader.ReadFile(path))
        {
            Assert.AreEqual(XyzFormat.Plain, frame.Format);
            Assert.IsTrue(frame.TryGetInfoInt64("gdb_id", out long id));
            Assert.IsGreaterThan(previous, id, "ids ascending");
            Assert.AreEqual($"dsgdb9nsd_{id:D6}", frame.Info["name"]);
            Assert.IsTrue(frame.AtomCount is > 0 and <= 29, $"{frame.Info["name"]}: {frame.AtomCount} atoms");
            Assert.IsTrue(frame.Symbols.All(s => s is "H" or "C" or "N" or "O"), $"{frame.Info["name"]}: elements");
            Assert.AreEqual(frame.Info["name"], Molecule.FromFrame(frame).Name);
            previous = id;
            count++;
        }

        Assert.IsGreaterThan(4000, count);
    }

    [TestMethod]
    public void ReadsAllGeometryPartsInIdOrder()
    {
        string folder = SharedData.Require("data/qm9/geometries");
        var parts = Directory.GetFiles(folder, "qm9_geometries_part*.xyz.gz").Order(StringComparer.Ordinal).ToArray();
        Assert.HasCount(30, parts);
        long previous = 0;
        int count = 0;
        foreach (string part in parts)
        {
            foreach (var frame in XyzReader.ReadFile(part))
            {
                Assert.IsTrue(frame.TryGetInfoInt64("gdb_id", out long id));
                Assert.IsGreaterThan(previous, id, $"{Path.GetFileName(part)}: ids ascending");
                previous = id;
                count++;
            }
        }

        Assert.AreEqual(128_744, count, "the README's molecule count");
    }

    [TestMethod]
    public void ReadsTheStandardQm9Format()
    {
        var frames = XyzReader.Read(new StringReader(Qm9Methane), "dsgdb9nsd_000001.xyz").ToList();
        Assert.HasCount(1, frames);
        AssertMethane(frames[0], "dsgdb9nsd_000001.xyz");
    }

    [TestMethod]
    public void ReadsStandardQm9FilesFromDiskAndConcatenated()
    {
        string folder = Directory.CreateTempSubdirectory("segnn-xyz-").FullName;
        try
        {
            string single = Path.Combine(folder, "dsgdb9nsd_000001.xyz");
            File.WriteAllText(single, Qm9Methane);
            AssertMethane(XyzReader.ReadFile(single).Single(), single);

            string both = Path.Combine(folder, "two.xyz");
            File.WriteAllText(both, Qm9Water + Qm9Methane);
            var frames = XyzReader.ReadFile(both).ToList();
            Assert.HasCount(2, frames);
            Assert.AreEqual("3", frames[0].Info["gdb_id"]);
            CollectionAssert.AreEqual(new[] { "1.2345*^3 1.5*^3 3.8*^3", "O O", "InChI=1S/H2O/h1H2 InChI=1S/H2O/h1H2" }, frames[0].TrailingLines);
            CollectionAssert.AreEqual(new[] { -0.589706, 0.294853, 0.294853 }, frames[0].AtomColumns["mulliken_charge"]);
            Assert.AreEqual(9, frames[1].LineNumber);
            Assert.AreEqual(1, frames[1].Index);
            AssertMethane(frames[1] with { LineNumber = 1, Index = 0 }, both);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ReadsMultiFramePlainXyz()
    {
        // CRLF line ends, a blank line between frames, tabs, an atomic number for an element, a final line without newline.
        const string text = "3\r\nwater molecule\r\nO 0.0 0.0 0.117\r\nH\t0.0 0.757 -0.467\r\n1 0.0 -0.757 -0.467\r\n\r\n2\r\n\r\nC 0 0 0\r\nO 0 0 1.128";
        var frames = XyzReader.Read(new StringReader(text), "multi.xyz").ToList();
        Assert.HasCount(2, frames);
        Assert.AreEqual(XyzFormat.Plain, frames[0].Format);
        Assert.AreEqual("water molecule", frames[0].Comment);
        Assert.IsEmpty(frames[0].Info);
        CollectionAssert.AreEqual(new[] { "O", "H", "H" }, frames[0].Symbols);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 0.117, 0.0, 0.757, -0.467, 0.0, -0.757, -0.467 }, frames[0].Positions);
        Assert.AreEqual(1, frames[0].LineNumber);
        Assert.AreEqual(7, frames[1].LineNumber);
        Assert.AreEqual("", frames[1].Comment);
        CollectionAssert.AreEqual(new[] { "C", "O" }, frames[1].Symbols);
        Assert.AreEqual(1.128, frames[1].Positions[5]);
        Assert.IsEmpty(frames[1].TrailingLines);
        Assert.AreEqual("water molecule", Molecule.FromFrame(frames[0]).Name);
        Assert.AreEqual("frame 1", Molecule.FromFrame(frames[1]).Name);
    }

    [TestMethod]
    public void ReadsExtendedXyzColumnsAndQuotedValues()
    {
        const string text =
            "2\n" +
            "Properties=Z:I:1:pos:R:3:forces:R:3:fixed:L:1:tag:S:1 energy=-1.5 config_type=\"bulk water\" pbc=\"T T F\" Lattice=\"10 0 0 0 10 0 0 0 10\" note=\"say \\\"hi\\\"\" flag\n" +
            "8 0.0 0.0 0.0 0.1 -0.2 0.3 T first\n" +
            "1 0.96 0.0 0.0 -1.5e-2 2*^-1 0 F second\n";
        var frame = XyzReader.Read(new StringReader(text), "ext.xyz").Single();
        Assert.AreEqual(XyzFormat.Extended, frame.Format);
        CollectionAssert.AreEqual(new[] { "O", "H" }, frame.Symbols);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 0.0, 0.96, 0.0, 0.0 }, frame.Positions);
        CollectionAssert.AreEqual(new[] { 0.1, -0.2, 0.3, -0.015, 0.2, 0.0 }, frame.AtomColumns["forces"]);
        CollectionAssert.AreEqual(new[] { 1.0, 0.0 }, frame.AtomColumns["fixed"]);
        CollectionAssert.AreEqual(new[] { 8.0, 1.0 }, frame.AtomColumns["Z"]);
        Assert.IsFalse(frame.AtomColumns.ContainsKey("tag"), "string columns are not numeric");
        Assert.AreEqual("-1.5", frame.Info["energy"]);
        Assert.AreEqual("bulk water", frame.Info["config_type"]);
        Assert.AreEqual("T T F", frame.Info["pbc"]);
        Assert.AreEqual("10 0 0 0 10 0 0 0 10", frame.Info["Lattice"]);
        Assert.AreEqual("say \"hi\"", frame.Info["note"]);
        Assert.IsFalse(frame.Info.ContainsKey("flag"));
        Assert.IsFalse(frame.Info.ContainsKey("Energy"), "keys are case-sensitive");
    }

    [TestMethod]
    public void DetectsGzipByItsMagicBytesNotItsName()
    {
        const string text = "2\ngdb_id=5 name=x\nC 0 0 0\nN 0 0 1.15\n";
        string folder = Directory.CreateTempSubdirectory("segnn-xyz-").FullName;
        try
        {
            string hidden = Path.Combine(folder, "compressed.xyz");
            using (var gzip = new GZipStream(File.Create(hidden), CompressionLevel.Fastest))
                gzip.Write(Encoding.UTF8.GetBytes(text));
            string misnamed = Path.Combine(folder, "plain.xyz.gz");
            File.WriteAllText(misnamed, text);
            foreach (string path in new[] { hidden, misnamed })
            {
                var frame = XyzReader.ReadFile(path).Single();
                CollectionAssert.AreEqual(new[] { "C", "N" }, frame.Symbols, path);
                Assert.AreEqual(1.15, frame.Positions[5]);
                Assert.AreEqual(path, frame.Source);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public async Task ReadsAsynchronouslyTheSameFrames()
    {
        string path = SharedData.Require("data/qm9/mp2-10k/qm9_mp2_10k_part2.extxyz");
        var expected = XyzReader.ReadFile(path).ToList();
        var actual = new List<XyzFrame>();
        await foreach (var frame in XyzReader.ReadFileAsync(path, TestContext.CancellationToken))
            actual.Add(frame);
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].LineNumber, actual[i].LineNumber);
            Assert.AreEqual(expected[i].Comment, actual[i].Comment);
            CollectionAssert.AreEqual(expected[i].Symbols, actual[i].Symbols);
            CollectionAssert.AreEqual(expected[i].Positions, actual[i].Positions);
        }

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in XyzReader.ReadFileAsync(path, cancelled.Token))
                Assert.Fail($"read {frame.Index} after cancellation");
        });
    }

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("abc\ncomment\n", 1, "atom count", DisplayName = "atom count not a number")]
    [DataRow("-2\ncomment\n", 1, "atom count", DisplayName = "negative atom count")]
    [DataRow("99999999999\ncomment\n", 1, "fits an int", DisplayName = "atom count too large")]
    [DataRow("1.5\ncomment\nH 0 0 0\n", 1, "atom count", DisplayName = "fractional atom count")]
    [DataRow("2\ncomment\nH 0 0 0\n", 4, "declares 2 atoms but the file ends after 1", DisplayName = "truncated atoms")]
    [DataRow("2\n", 2, "no comment line", DisplayName = "truncated before the comment")]
    [DataRow("3\nc\nH 0 0 0\nH 1 0 0\n1\nc\nH 0 0 0\n", 5, "too few atom lines", DisplayName = "too few atom lines")]
    [DataRow("1\nc\n\n", 3, "found an empty line", DisplayName = "blank atom line")]
    [DataRow("1\nc\nH 0 abc 0\n", 3, "the y coordinate 'abc' is not a number", DisplayName = "non-numeric coordinate")]
    [DataRow("1\nc\nH 0 0 1,5\n", 3, "not a number", DisplayName = "decimal comma")]
    [DataRow("1\nc\nH 0 NaN 0\n", 3, "not finite", DisplayName = "NaN coordinate")]
    [DataRow("1\nc\nH -Infinity 0 0\n", 3, "not finite", DisplayName = "infinite coordinate")]
    [DataRow("1\nc\nH 1e999 0 0\n", 3, "not finite", DisplayName = "overflowing coordinate")]
    [DataRow("1\nc\nXx 0 0 0\n", 3, "unknown element 'Xx'", DisplayName = "unknown element")]
    [DataRow("1\nc\nh 0 0 0\n", 3, "unknown element 'h'", DisplayName = "lower-case element")]
    [DataRow("1\nc\n0 0 0 0\n", 3, "not an atomic number", DisplayName = "atomic number 0")]
    [DataRow("1\nc\n200 0 0 0\n", 3, "not an atomic number", DisplayName = "atomic number 200")]
    [DataRow("1\nc\nH 0 0 0 0.5\n", 3, "expected 4 columns", DisplayName = "plain XYZ with an extra column")]
    [DataRow("1\nProperties=species:S:1:pos:R:3\nH 0 0 0 5\n", 3, "as Properties=species:S:1:pos:R:3 declares", DisplayName = "Properties: too many columns")]
    [DataRow("1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n", 3, "expected 7 columns", DisplayName = "Properties: too few columns")]
    [DataRow("1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 2, "name:type:count", DisplayName = "Properties: not triples")]
    [DataRow("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", 2, "type 'X'", DisplayName = "Properties: bad type")]
    [DataRow("1\nProperties=species:S:1:pos:R:0\nH\n", 2, "count '0'", DisplayName = "Properties: bad count")]
    [DataRow("1\nProperties=species:S:1\nH\n", 2, "no positions column", DisplayName = "Properties: no positions")]
    [DataRow("1\nProperties=pos:R:3\n0 0 0\n", 2, "no species column", DisplayName = "Properties: no species")]
    [DataRow("1\nProperties=species:S:1:pos:R:3:pos:R:3\nH 0 0 0 0 0 0\n", 2, "declared twice", DisplayName = "Properties: duplicate column")]
    [DataRow("1\nProperties=species:S:1:pos:R:3 note=\"open\nH 0 0 0\n", 2, "no closing \"", DisplayName = "unterminated quote")]
    [DataRow("1\nProperties=species:S:1:pos:R:3 a=1 a=2\nH 0 0 0\n", 2, "appears twice", DisplayName = "duplicate key")]
    [DataRow("1\nProperties=Z:I:1:pos:R:3\n1.5 0 0 0\n", 3, "not an atomic number", DisplayName = "non-integer Z")]
    [DataRow("1\nProperties=species:S:1:pos:R:3:n:I:1\nH 0 0 0 2.5\n", 3, "integer column", DisplayName = "non-integer I column")]
    [DataRow("1\nProperties=species:S:1:pos:R:3:m:L:1\nH 0 0 0 yes\n", 3, "logical column", DisplayName = "bad logical")]
    [DataRow("1\nProperties=species:S:1:pos:R:3:q:R:1\nH 0 0 0 x\n", 3, "column 'q' is not a number", DisplayName = "bad real column")]
    [DataRow("1\ngdb 1\t1\t2\t3\nC 0 0 0 0\n", 2, "16 fields", DisplayName = "QM9 header too short")]
    [DataRow("1\ngdb x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nC 0 0 0 0\n", 2, "not an integer", DisplayName = "QM9 id not an integer")]
    [DataRow("1\ngdb 1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 q\nC 0 0 0 0\n", 2, "Cv = 'q' is not a number", DisplayName = "QM9 property not a number")]
    [DataRow("1\ngdb 1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nC 0 0 0\n", 3, "expected 5 columns", DisplayName = "QM9 atom without charge")]
    [DataRow("1\ngdb 1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nC 0 0 0 q\n", 3, "mulliken_charge", DisplayName = "QM9 charge not a number")]
    [DataRow("1\ngdb 1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nC 0 0 0 0\n1 2 3\nC\n", 6, "found 2", DisplayName = "QM9 truncated trailing lines")]
    public void MalformedInputNamesTheFileAndLine(string text, int line, string problem)
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.Read(new StringReader(text), "bad.xyz").ToList());
        StringAssert.StartsWith(error.Message, $"bad.xyz:{line}: ");
        StringAssert.Contains(error.Message, problem);
    }

    [TestMethod]
    public void MalformedFilesNameTheirPath()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("segnn-xyz-").FullName, "truncated.xyz");
        try
        {
            File.WriteAllText(path, "2\nfirst\nH 0 0 0\nH 0 0 0.74\n3\nsecond\nO 0 0 0\n");
            var frames = new List<XyzFrame>();
            var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            {
                foreach (var frame in XyzReader.ReadFile(path))
                    frames.Add(frame);
            });
            StringAssert.StartsWith(error.Message, $"{path}:8: ");
            Assert.HasCount(1, frames, "the complete first frame is still read");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static void AssertMethane(XyzFrame frame, string source)
    {
        Assert.AreEqual(XyzFormat.Qm9, frame.Format);
        Assert.AreEqual(source, frame.Source);
        Assert.AreEqual(1, frame.LineNumber);
        Assert.StartsWith("gdb 1\t157.7118", frame.Comment);
        Assert.AreEqual("1", frame.Info["gdb_id"]);
        Assert.HasCount(16, frame.Info);
        foreach (string key in Qm9Keys)
            Assert.IsTrue(frame.TryGetInfoDouble(key, out _), key);
        Assert.IsTrue(frame.TryGetInfoDouble("U0", out double u0));
        Assert.AreEqual(-40.47893, u0);
        Assert.IsTrue(frame.TryGetInfoDouble("mu", out double mu));
        Assert.AreEqual(0.0, mu);
        CollectionAssert.AreEqual(new[] { "C", "H", "H", "H", "H" }, frame.Symbols);
        Assert.AreEqual(-0.0126981359, frame.Positions[0]);
        Assert.AreEqual(0.9063972942, frame.Positions[14], 1e-15);
        CollectionAssert.AreEqual(new[] { "mulliken_charge" }, frame.AtomColumns.Keys.ToArray());
        var charges = frame.AtomColumns["mulliken_charge"];
        Assert.HasCount(5, charges);
        Assert.AreEqual(-0.535689, charges[0]);
        Assert.AreEqual(0.133923, charges[4], 1e-15);
        CollectionAssert.AreEqual(
            new[] { "1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078", "C\tC", "InChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4" },
            frame.TrailingLines);
        var molecule = Molecule.FromFrame(frame);
        Assert.AreEqual("gdb_1", molecule.Name);
        CollectionAssert.AreEqual(new[] { 6, 1, 1, 1, 1 }, molecule.AtomicNumbers);
        molecule.Validate();
    }
}
