using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Segnn.Data.NBody;
using Segnn.IO;
using Segnn.Runtime;
using Segnn.Runtime.Inputs;

namespace Segnn.Cli.Commands;

/// <summary>
/// <c>segnn predict</c>: run an exported model through Segnn.Runtime on molecules or periodic structures (XYZ / extended
/// XYZ, gzip allowed) or an N-body dataset; one CSV row per system, or with <c>--out F.extxyz</c> the structures written
/// back with the predicted energy, forces and stress as ASE reads them.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the .onnx model", Required = true };
        var input = new Option<string>("--input") { Description = "molecules or periodic structures: .xyz / .extxyz (optionally .gz); nbody: a dataset folder", Required = true };
        var output = new Option<string?>("--out") { Description = "CSV file, or .extxyz to write the structures with their predictions (default: <input name>.predictions.csv)" };
        var split = new Option<string>("--split") { Description = "nbody dataset split", DefaultValueFactory = _ => "test" };
        var device = new Option<string>("--device") { Description = "cpu | cuda (falls back to cpu, saying why)", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: default)", DefaultValueFactory = _ => 0 };
        var batchNodes = new Option<int>("--batch-nodes") { Description = "most nodes per run", DefaultValueFactory = _ => 32_768 };
        var maxMemory = new Option<double?>("--max-memory") { Description = "GB one run may use by the model's estimate (default: half the memory available)" };
        var concurrentRuns = new Option<int>("--concurrent-runs") { Description = "runs in flight at once, for throughput (without --threads each gets cores / runs threads)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("predict", "Predict with an exported model; writes CSV or extended XYZ") { model, input, output, split, device, threads, batchNodes, maxMemory, concurrentRuns };
        cmd.SetAction((r, ct) =>
        {
            var options = new BatchOptions
            {
                MaxNodes = CliArguments.Positive(r.GetValue(batchNodes), "--batch-nodes"),
                MaxMemoryBytes = r.GetValue(maxMemory) is double gb ? (gb > 0 ? (long)(gb * 1e9) : throw new ArgumentException($"--max-memory must be a positive number of GB, not {gb}")) : null,
                ConcurrentRuns = CliArguments.Positive(r.GetValue(concurrentRuns), "--concurrent-runs"),
            };
            int intraOp = CliArguments.NonNegative(r.GetValue(threads), "--threads");
            using SegnnSession session = Open(r.GetValue(model)!, r.GetValue(device)!, intraOp == 0 && options.ConcurrentRuns > 1 ? options.ThreadsPerRun : intraOp);
            string inputPath = r.GetValue(input)!;
            string outPath = r.GetValue(output) ?? Path.GetFileName(inputPath.TrimEnd('/')).Split('.')[0] + ".predictions.csv";
            RequireInputKind(session, inputPath);
            var clock = Stopwatch.StartNew();
            long count = session.Metadata.System switch
            {
                SystemKind.ParticleSystem => PredictParticles(session, inputPath, r.GetValue(split)!, outPath, options, ct),
                SystemKind.Molecule => PredictAtoms(session, inputPath, outPath, options, Molecule.FromFrame, (s, m) => s.Predict(m, options), (w, m, v) => w.Write(m, v), m => m.Name, m => m.AtomCount, ct),
                _ => PredictAtoms(session, inputPath, outPath, options, PeriodicStructure.FromFrame, (s, m) => s.Predict(m, options), (w, m, v) => w.Write(m, v), m => m.Name, m => m.AtomCount, ct),
            };
            Console.Error.WriteLine($"segnn: {count:N0} systems in {clock.Elapsed.TotalSeconds:F1} s on {session.ExecutionProvider} → {outPath}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    internal static SegnnSession Open(string path, string device, int threads)
    {
        var settings = new SessionSettings
        {
            Device = device switch
            {
                "cpu" => ExecutionDevice.Cpu,
                "cuda" => ExecutionDevice.Cuda,
                var other => throw new ArgumentException($"--device must be cpu or cuda, not '{other}'"),
            },
            IntraOpThreads = CliArguments.NonNegative(threads, "--threads"),
        };
        SegnnSession session = SegnnSession.Load(path, settings);
        if (session.ProviderNote is not null) Console.Error.WriteLine($"segnn: note: {session.ProviderNote}");
        return session;
    }

    /// <summary>A folder for particle models, a file for atomistic ones: say which the model takes, not what the file system says.</summary>
    private static void RequireInputKind(SegnnSession session, string path)
    {
        bool folder = Directory.Exists(path);
        if (session.Metadata.System == SystemKind.ParticleSystem && !folder)
            throw new ArgumentException($"{session.Source} is a '{session.Metadata.Task}' model for charged particle systems: --input must be an N-body dataset folder (from 'segnn nbody generate'), not the file {path}");
        if (session.Metadata.System != SystemKind.ParticleSystem && folder)
            throw new ArgumentException($"{session.Source} is a '{session.Metadata.Task}' model for {(session.Metadata.System == SystemKind.Molecule ? "molecules" : "periodic structures")}: --input must be an XYZ or extended-XYZ file (gzip allowed), not the folder {path}");
        if (!folder && !File.Exists(path)) throw new SegnnInputException($"{path}: no such input file");
    }

    private static long PredictAtoms<TSystem>(SegnnSession session, string path, string outPath, BatchOptions options, Func<XyzFrame, TSystem> read,
        Func<SegnnSession, IReadOnlyList<TSystem>, IReadOnlyList<SystemPrediction>> predict, Action<ExtXyzWriter, TSystem, ExtXyzValues> write,
        Func<TSystem, string> name, Func<TSystem, int> atoms, CancellationToken ct)
    {
        bool extxyz = outPath.EndsWith(".extxyz", StringComparison.OrdinalIgnoreCase) || outPath.EndsWith(".xyz", StringComparison.OrdinalIgnoreCase);
        IReadOnlyList<OutputSpec> perSystem = session.Metadata.Outputs.Where(o => o.Level == OutputLevel.Graph).ToList();
        long done = 0;
        var progress = new ProgressLine("systems");
        // predictions are computed chunk by chunk, written to a temporary file and renamed at the end: an error or an
        // interruption leaves no partial output behind
        // the first system is read before anything is written: an empty file is refused and leaves no output
        using IEnumerator<TSystem> systems = XyzReader.ReadFile(path).Select(read).GetEnumerator();
        if (!systems.MoveNext()) throw new InvalidDataException($"{path}: no systems in the file");
        IEnumerable<TSystem> All()
        {
            do yield return systems.Current;
            while (systems.MoveNext());
        }
        IEnumerable<(TSystem System, SystemPrediction Prediction)> Predictions()
        {
            foreach (TSystem[] chunk in All().Chunk(1024))
            {
                ct.ThrowIfCancellationRequested();
                IReadOnlyList<SystemPrediction> predictions = predict(session, chunk);
                for (int i = 0; i < chunk.Length; i++) yield return (chunk[i], predictions[i]);
                done += chunk.Length;
                progress.Report(done);
            }
        }
        if (extxyz)
        {
            AtomicFile.Write(outPath, stream =>
            {
                using var text = new StreamWriter(stream, leaveOpen: true);
                var writer = new ExtXyzWriter(text);
                foreach (var (system, prediction) in Predictions()) write(writer, system, Values(session, prediction));
            });
        }
        else
        {
            var header = new List<string> { "name", "atoms" };
            foreach (OutputSpec o in perSystem)
                header.AddRange(o.Width == 1 ? [$"{o.Name}[{o.Unit}]"] : Enumerable.Range(0, o.Width).Select(k => $"{o.Name}_{Component(o, k)}[{o.Unit}]"));
            IEnumerable<IReadOnlyList<string>> Rows()
            {
                foreach (var (system, prediction) in Predictions())
                {
                    var row = new List<string> { name(system), atoms(system).ToString(CultureInfo.InvariantCulture) };
                    foreach (OutputSpec o in perSystem) row.AddRange(prediction.Outputs[o.Name].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
                    yield return row;
                }
            }
            CsvFile.Write(outPath, header, Rows());
        }
        progress.Finish(done);
        return done;
    }

    private static string Component(OutputSpec o, int k) => o.Width == 9 ? $"{"xyz"[k / 3]}{"xyz"[k % 3]}" : o.Width % 3 == 0 ? $"{"xyz"[k % 3]}{(o.Width > 3 ? (k / 3).ToString(CultureInfo.InvariantCulture) : "")}" : k.ToString(CultureInfo.InvariantCulture);

    /// <summary>A prediction as extended-XYZ values: energy, forces and stress where the model has them, every other output as info or a per-atom column.</summary>
    private static ExtXyzValues Values(SegnnSession session, SystemPrediction p)
    {
        var info = new Dictionary<string, object>(StringComparer.Ordinal);
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        double? energy = null;
        double[]? forces = null, stress = null;
        foreach (OutputSpec o in session.Metadata.Outputs)
        {
            double[] v = p.Outputs[o.Name];
            if (o.Name == "energy" && o.Level == OutputLevel.Graph && o.Width == 1) energy = v[0];
            else if (o.Name == "forces" && o.Level == OutputLevel.Node) forces = v;
            else if (o.Name == "stress" && o.Width == 9) stress = v;
            else if (o.Level == OutputLevel.Graph) info[o.Name] = o.Width == 1 ? v[0] : v;
            else columns[o.Name] = v;
        }
        return new ExtXyzValues { Energy = energy, Forces = forces, Stress = stress, Info = info, AtomColumns = columns };
    }

    private static long PredictParticles(SegnnSession session, string dir, string split, string outPath, BatchOptions options, CancellationToken ct)
    {
        NBodySamples samples = NBodySamples.Load(dir, split);
        if (samples.Count == 0) throw new InvalidDataException($"{dir}: the {split} split has no systems");
        var progress = new ProgressLine("systems");
        const int p = NBodySimulator.Particles, fv = NBodySimulator.FrameValues;
        string outputName = session.Metadata.Outputs[0].Name;
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
                    double[] xyz = predictions[i].Outputs[outputName];
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
    internal sealed class ProgressLine(string what)
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
