using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Segnn.Data.NBody;
using Segnn.IO;
using Segnn.Runtime;
using Segnn.Runtime.Inputs;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn predict</c>: run an exported model through Segnn.Runtime on molecules (XYZ / extended XYZ, gzip allowed) or an N-body dataset; CSV out.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the .onnx model", Required = true };
        var input = new Option<string>("--input") { Description = "molecules: .xyz / .extxyz (optionally .gz); nbody: a dataset folder", Required = true };
        var output = new Option<string?>("--out") { Description = "CSV file (default: <input name>.predictions.csv in the current folder)" };
        var split = new Option<string>("--split") { Description = "nbody dataset split", DefaultValueFactory = _ => "test" };
        var device = new Option<string>("--device") { Description = "cpu | cuda (falls back to cpu, saying why)", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: default)", DefaultValueFactory = _ => 0 };
        var batchNodes = new Option<int>("--batch-nodes") { Description = "most nodes per run", DefaultValueFactory = _ => 32_768 };
        var cmd = new Command("predict", "Predict with an exported model; writes CSV") { model, input, output, split, device, threads, batchNodes };
        cmd.SetAction((r, ct) =>
        {
            var settings = new SessionSettings
            {
                Device = r.GetValue(device) switch
                {
                    "cpu" => ExecutionDevice.Cpu,
                    "cuda" => ExecutionDevice.Cuda,
                    var other => throw new ArgumentException($"--device must be cpu or cuda, not '{other}'"),
                },
                IntraOpThreads = CliArguments.NonNegative(r.GetValue(threads), "--threads"),
            };
            var options = new BatchOptions { MaxNodes = CliArguments.Positive(r.GetValue(batchNodes), "--batch-nodes") };
            using SegnnSession session = SegnnSession.Load(r.GetValue(model)!, settings);
            if (session.ProviderNote is not null) Console.Error.WriteLine($"segnn: note: {session.ProviderNote}");
            string inputPath = r.GetValue(input)!;
            string outPath = r.GetValue(output) ?? Path.GetFileName(inputPath.TrimEnd('/')).Split('.')[0] + ".predictions.csv";
            var clock = Stopwatch.StartNew();
            long count = session.Metadata.System switch
            {
                SystemKind.ParticleSystem => PredictParticles(session, inputPath, r.GetValue(split)!, outPath, options, ct),
                SystemKind.Molecule => PredictMolecules(session, inputPath, outPath, options, ct),
                var other => throw new NotSupportedException($"{session.Source}: predicting {other} models from files is not supported by this command"),
            };
            Console.Error.WriteLine($"segnn: {count:N0} systems in {clock.Elapsed.TotalSeconds:F1} s on {session.ExecutionProvider} → {outPath}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static long PredictMolecules(SegnnSession session, string path, string outPath, BatchOptions options, CancellationToken ct)
    {
        var header = new List<string> { "name", "atoms" };
        foreach (OutputSpec o in session.Metadata.Outputs)
            header.AddRange(o.Width == 1 ? [$"{o.Name}[{o.Unit}]"] : Enumerable.Range(0, o.Width).Select(k => $"{o.Name}_{"xyz"[k % 3]}[{o.Unit}]"));
        long done = 0;
        var progress = new ProgressLine("molecules");
        IEnumerable<IReadOnlyList<string>> Rows()
        {
            foreach (Molecule[] chunk in XyzReader.ReadFile(path).Select(Molecule.FromFrame).Chunk(1024))
            {
                ct.ThrowIfCancellationRequested();
                IReadOnlyList<SystemPrediction> predictions = session.Predict(chunk, options);
                for (int i = 0; i < chunk.Length; i++)
                {
                    var row = new List<string> { chunk[i].Name, chunk[i].AtomCount.ToString(CultureInfo.InvariantCulture) };
                    foreach (OutputSpec o in session.Metadata.Outputs)
                        row.AddRange(predictions[i].Outputs[o.Name].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
                    yield return row;
                }
                done += chunk.Length;
                progress.Report(done);
            }
        }
        CsvFile.Write(outPath, header, Rows());
        progress.Finish(done);
        return done;
    }

    private static long PredictParticles(SegnnSession session, string dir, string split, string outPath, BatchOptions options, CancellationToken ct)
    {
        NBodySamples samples = NBodySamples.Load(dir, split);
        var progress = new ProgressLine("systems");
        const int p = NBodySimulator.Particles, fv = NBodySimulator.FrameValues;
        IEnumerable<IReadOnlyList<string>> Rows()
        {
            for (int start = 0; start < samples.Count; start += 1000)
            {
                ct.ThrowIfCancellationRequested();
                var chunk = Enumerable.Range(start, Math.Min(1000, samples.Count - start)).Select(s => new ParticleSystem($"{split}:{s}",
                    samples.Positions.AsSpan(s * fv, fv).ToArray(), samples.Velocities.AsSpan(s * fv, fv).ToArray(), samples.Charges.AsSpan(s * p, p).ToArray())).ToArray();
                IReadOnlyList<SystemPrediction> predictions = session.Predict(chunk, options);
                for (int i = 0; i < chunk.Length; i++)
                {
                    double[] xyz = predictions[i].Outputs[session.Metadata.Outputs[0].Name];
                    for (int a = 0; a < p; a++)
                        yield return [chunk[i].Name, a.ToString(CultureInfo.InvariantCulture),
                            xyz[3 * a].ToString("R", CultureInfo.InvariantCulture), xyz[3 * a + 1].ToString("R", CultureInfo.InvariantCulture), xyz[3 * a + 2].ToString("R", CultureInfo.InvariantCulture)];
                }
                progress.Report(start + chunk.Length);
            }
        }
        CsvFile.Write(outPath, ["system", "particle", "x", "y", "z"], Rows());
        progress.Finish(samples.Count);
        return samples.Count;
    }

    /// <summary>A progress line on stderr at most every two seconds.</summary>
    private sealed class ProgressLine(string what)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private double _last;

        public void Report(long done)
        {
            if (_clock.Elapsed.TotalSeconds - _last < 2) return;
            _last = _clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"  {done:N0} {what} ({done / Math.Max(_last, 1e-9):N0}/s)");
        }

        public void Finish(long done) => Console.Error.WriteLine($"  {done:N0} {what} done");
    }
}
