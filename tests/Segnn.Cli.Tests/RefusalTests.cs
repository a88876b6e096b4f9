using System.IO.Compression;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Segnn.Export.Onnx.Proto;
using Segnn.Runtime;
using Segnn.Tests;
using static Segnn.Cli.Tests.SegnnProcess;

namespace Segnn.Cli.Tests;

/// <summary>
/// What a user sees when something is wrong: for every kind of bad model, input or option, <c>segnn</c> exits with the
/// documented code (README.md, <see cref="ExitCodes"/>) and one line naming the problem — never a stack trace, a native
/// crash or output from garbage.
/// </summary>
[TestClass]
public sealed class RefusalTests
{
    private const string Water = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n";

    private static string _dir = "";
    private static string _model = "";

    [ClassInitialize]
    public static void Setup(TestContext _)
    {
        _model = SharedData.RequireInRepository("models/qm9-mp2-energy.onnx");
        _dir = Directory.CreateTempSubdirectory("segnn-cli-").FullName;
        File.WriteAllText(Path.Combine(_dir, "water.xyz"), Water);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    private static string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static Result Predict(string model, string input, params string[] more) =>
        Run(_dir, ["predict", "--model", model, "--input", input, "--out", Path.Combine(_dir, "out.csv"), .. more]);

    [TestMethod]
    public void AGoodModelAndMoleculePredictAFiniteNumber()
    {
        string output = Path.Combine(_dir, "good.csv");
        Result result = Run(_dir, "predict", "--model", _model, "--input", "water.xyz", "--out", output);
        Assert.AreEqual(ExitCodes.Success, result.ExitCode, result.ToString());
        string[] rows = File.ReadAllLines(output);
        Assert.AreEqual(2, rows.Length, "a header and one row");
        string[] header = rows[0].Split(','), values = rows[1].Split(',');
        int column = Array.FindIndex(header, h => h.StartsWith("binding_energy", StringComparison.Ordinal));
        Assert.IsTrue(column >= 0, rows[0]);
        Assert.IsTrue(double.IsFinite(double.Parse(values[column], System.Globalization.CultureInfo.InvariantCulture)), rows[1]);
    }

    [TestMethod]
    public void ModelFilesThatCannotBeUsedAreRefusedWithCodeFive()
    {
        byte[] shipped = File.ReadAllBytes(_model);
        AssertRefused(Predict(Path.Combine(_dir, "absent.onnx"), "water.xyz"), ExitCodes.BadModel, "absent.onnx", "no such model file");
        AssertRefused(Predict(WriteBytes("truncated.onnx", shipped[..(shipped.Length / 3)]), "water.xyz"), ExitCodes.BadModel, "truncated.onnx");
        AssertRefused(Predict(WriteBytes("random.onnx", RandomBytes(4096, seed: 3)), "water.xyz"), ExitCodes.BadModel, "random.onnx");
        AssertRefused(Predict(WriteBytes("empty.onnx", []), "water.xyz"), ExitCodes.BadModel, "empty.onnx");
        AssertRefused(Predict(Write("text.onnx", Water), "water.xyz"), ExitCodes.BadModel, "text.onnx");

        // valid ONNX, but not ours: the shipped graph without its metadata
        ModelProto plain = ModelProto.Parser.ParseFrom(shipped);
        plain.MetadataProps.Clear();
        AssertRefused(Predict(WriteBytes("plain.onnx", plain.ToByteArray()), "water.xyz"), ExitCodes.BadModel, "not a Segnn model");

        // a format from a future Segnn: refused by version, not misread
        ModelProto newer = ModelProto.Parser.ParseFrom(shipped);
        foreach (StringStringEntryProto entry in newer.MetadataProps)
        {
            if (entry.Key == ModelMetadata.FormatVersionKey) entry.Value = "99";
            else if (entry.Value.StartsWith('{') && JsonNode.Parse(entry.Value) is JsonObject json && json.ContainsKey("format_version"))
            {
                json["format_version"] = 99;
                entry.Value = json.ToJsonString();
            }
        }
        AssertRefused(Predict(WriteBytes("newer.onnx", newer.ToByteArray()), "water.xyz"), ExitCodes.BadModel, "version 99", "newer");

        // metadata cut short
        ModelProto damaged = ModelProto.Parser.ParseFrom(shipped);
        foreach (StringStringEntryProto entry in damaged.MetadataProps)
            if (entry.Value.StartsWith('{')) entry.Value = entry.Value[..(entry.Value.Length / 2)];
        AssertRefused(Predict(WriteBytes("badmeta.onnx", damaged.ToByteArray()), "water.xyz"), ExitCodes.BadModel, "badmeta.onnx", "metadata");
    }

    [TestMethod]
    public void InputsThatCannotBeUsedAreRefusedWithCodeFour()
    {
        AssertRefused(Predict(_model, Write("zero.xyz", "0\nnothing\n")), ExitCodes.BadInput, "no atoms");
        AssertRefused(Predict(_model, Write("uranium.xyz", "1\n\nU 0 0 0\n")), ExitCodes.BadInput, "U", "does not know");
        AssertRefused(Predict(_model, Write("unknown.xyz", "1\n\nXq 0 0 0\n")), ExitCodes.BadInput, "Xq");
        AssertRefused(Predict(_model, Write("empty.xyz", "")), ExitCodes.BadInput, "no systems");
        AssertRefused(Predict(_model, Write("nocount.xyz", "C 0 0 0\n")), ExitCodes.BadInput, "nocount.xyz:1", "atom count");
        AssertRefused(Predict(_model, Write("short.xyz", "3\n\nO 0 0 0\nH 0.96 0 0\n")), ExitCodes.BadInput, "short.xyz");
        AssertRefused(Predict(_model, Write("nan.xyz", "2\n\nO 0 0 0\nH NaN 0 0\n")), ExitCodes.BadInput, "nan.xyz");
        AssertRefused(Predict(_model, Path.Combine(_dir, "missing.xyz")), ExitCodes.BadInput, "missing.xyz", "no such");

        byte[] gzip = Gzip(Water + Water);
        AssertRefused(Predict(_model, WriteBytes("cut.xyz.gz", gzip[..(gzip.Length - 12)])), ExitCodes.BadInput, "cut.xyz.gz", "truncated");

        // a periodic structure is not a molecule: its images would be silently lost
        string periodic = Write("cell.extxyz",
            "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nC 0 0 0\nO 1.2 0 0\n");
        AssertRefused(Predict(_model, periodic), ExitCodes.BadInput, "periodic");
    }

    [TestMethod]
    public void OptionsOutOfRangeAreRefusedWithCodeOne()
    {
        AssertRefused(Predict(_model, "water.xyz", "--batch-nodes", "0"), ExitCodes.Usage, "--batch-nodes");
        AssertRefused(Predict(_model, "water.xyz", "--batch-nodes", "-5"), ExitCodes.Usage, "--batch-nodes", "-5");
        AssertRefused(Predict(_model, "water.xyz", "--threads", "-1"), ExitCodes.Usage, "--threads");
        AssertRefused(Run(_dir, "train", "--task", "no-such-task", "--data", _dir, "--out", Path.Combine(_dir, "run")), ExitCodes.Usage, "unknown task", "no-such-task");
        AssertRefused(Run(_dir, "eval", "--data", _dir), ExitCodes.Usage, "--checkpoint", "--model");
        AssertRefused(Run(_dir, "eval", "--model", _model, "--checkpoint", _model, "--data", _dir), ExitCodes.Usage, "not both");
    }

    [TestMethod]
    public void TheWrongKindOfInputForAModelIsRefusedNamingBoth()
    {
        string nbody = SharedData.RequireInRepository("models/nbody-charged.onnx");
        AssertRefused(Predict(nbody, "water.xyz"), ExitCodes.Usage, "nbody", "water.xyz");
        AssertRefused(Predict(_model, _dir), ExitCodes.Usage, "molecules", "folder");
        string cell = Write("md-cell.extxyz", "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nC 0 0 0\nO 1.2 0 0\n");
        AssertRefused(Run(_dir, "md", "--model", _model, "--input", cell, "--out", Path.Combine(_dir, "md"), "--steps", "2"), ExitCodes.BadModel, "energy");
    }

    [TestMethod]
    public void CheckpointsThatCannotBeUsedAreRefusedWithCodeFive()
    {
        AssertRefused(Run(_dir, "export", "--checkpoint", Path.Combine(_dir, "absent.ckpt"), "--out", Path.Combine(_dir, "x.onnx")), ExitCodes.BadModel, "no such checkpoint");
        AssertRefused(Run(_dir, "export", "--checkpoint", _model, "--out", Path.Combine(_dir, "x.onnx")), ExitCodes.BadModel, "not a Segnn checkpoint");
        byte[] checkpoint = File.ReadAllBytes(SharedData.RequireInRepository("models/qm9-mp2-energy.ckpt"));
        checkpoint[checkpoint.Length / 2] ^= 0x40;
        AssertRefused(Run(_dir, "export", "--checkpoint", WriteBytes("flipped.ckpt", checkpoint), "--out", Path.Combine(_dir, "x.onnx")), ExitCodes.BadModel, "checksum");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "x.onnx")), "nothing is written when the checkpoint is refused");
    }

    [TestMethod]
    public void EvaluationOnMissingOrForeignDataIsRefused()
    {
        AssertRefused(Run(_dir, "eval", "--model", _model, "--data", Path.Combine(_dir, "no-data")), ExitCodes.BadInput, "no-data", "no such data");
        string slabs = SharedData.Require("data/slabs-emt");
        AssertRefused(Run(_dir, "eval", "--model", _model, "--data", slabs), ExitCodes.BadInput, "periodic");
    }

    [TestMethod]
    public void AResumedRunRefusesChangedSettingsAndAnotherTask()
    {
        string run = Path.Combine(_dir, "resume-run");
        Directory.CreateDirectory(run);
        File.Copy(SharedData.RequireInRepository("models/qm9-mp2-energy.ckpt"), Path.Combine(run, "last.ckpt"), overwrite: true);
        string qm9 = SharedData.Require("data/qm9");
        AssertRefused(Run(_dir, "train", "--task", "qm9-mp2", "--data", qm9, "--out", run, "--resume", "--lr", "0.1", "--layers", "2"),
            ExitCodes.Usage, "cannot resume", "--lr", "--layers");
        AssertRefused(Run(_dir, "train", "--task", "qm9", "--data", qm9, "--out", run, "--resume"), ExitCodes.Usage, "'qm9-mp2' run");
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}
