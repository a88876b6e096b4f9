using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ScottPlot;
using Segnn.Data.NBody;
using Segnn.Export;
using Segnn.IO;
using Segnn.Runtime;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using Segnn.Training;
using Spectre.Console;

namespace Segnn.Cli.Commands;

/// <summary>
/// <c>segnn quickstart</c>: the main job. All three parts of Segnn in a few minutes: simulate the charged N-body data,
/// train a SEGNN in TorchSharp, export it with our exporter, check ONNX Runtime against TorchSharp, serve it through
/// Segnn.Runtime (test MSE, rollouts), and draw the trajectories and the loss curve. A second run reuses what is valid.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "working folder (data, run, model, figure)", DefaultValueFactory = _ => "quickstart" };
        var epochs = new Option<int>("--epochs") { Description = "training epochs (≈3.5 s each on 2 cores)", DefaultValueFactory = _ => 30 };
        var fresh = new Option<bool>("--fresh") { Description = "ignore what an earlier run left and start over" };
        var cmd = new Command("quickstart", "Generate data, train, export, serve and plot an N-body SEGNN in a few minutes") { output, epochs, fresh };
        cmd.SetAction((r, ct) => Task.FromResult(Run(r.GetValue(output)!, r.GetValue(epochs), r.GetValue(fresh), ct)));
        return cmd;
    }

    private static int Run(string outDir, int epochs, bool fresh, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        string dir = Path.GetFullPath(outDir);
        if (fresh && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        string dataDir = Path.Combine(dir, "data"), runDir = Path.Combine(dir, "run"), modelPath = Path.Combine(dir, "nbody-quickstart.onnx");
        var timings = new List<(string Step, double Seconds, string Note)>();
        int step = 0;
        void Step(string what) => AnsiConsole.MarkupLine($"[bold][[{++step}/6]][/] {Markup.Escape(what)}");

        // 1. data
        Step("simulating the charged 5-body data (3,000 train / 2,000 valid / 2,000 test trajectories, seed 43)");
        var clock = Stopwatch.StartNew();
        string dataNote = "generated";
        if (DatasetIsValid(dataDir)) dataNote = "reused";
        else NBodyDataset.Generate(dataDir, new NBodyGenerationOptions(), null, ct);
        timings.Add(("data", clock.Elapsed.TotalSeconds, dataNote));

        // 2. training
        Step($"training a SEGNN (paper N-body configuration, E(3)-equivariant centring) for {epochs} epochs in TorchSharp, 1 thread");
        clock.Restart();
        SegnnTask task = TaskRegistry.Get(NBodyTask.Id);
        var modelSettings = new ModelOverrides { Centering = Centering.System };
        var optionSettings = new OptionOverrides { Epochs = epochs, LearningRate = 1.5e-3, Schedule = LearningRateSchedule.Cosine, WarmupEpochs = 2, ValidateEvery = 5, MaxTrainSamples = 3000 };
        ModelConfig config = modelSettings.ApplyTo(task.DefaultConfig());
        TrainingOptions options = optionSettings.ApplyTo(task.DefaultOptions());
        string trainNote;
        TrainingState state;
        string best = Path.Combine(runDir, Trainer.BestCheckpoint), last = Path.Combine(runDir, Trainer.LastCheckpoint);
        Checkpoint? previous = TryLoad(last);
        bool sameRun = previous is not null && previous.Config.ToJson() == config.ToJson()
                       && System.Text.Json.JsonSerializer.Serialize(previous.Options) == System.Text.Json.JsonSerializer.Serialize(options);
        if (sameRun && previous!.State.Epoch >= epochs && File.Exists(best))
        {
            state = previous.State;
            trainNote = $"reused ({state.Epoch} epochs)";
        }
        else
        {
            bool resume = sameRun;
            if (previous is not null && !resume) Directory.Delete(runDir, recursive: true);
            using var progress = new ConsoleTrainingProgress();
            TrainingJob job = TrainingJob.Prepare(task, dataDir, runDir, resume, modelSettings, optionSettings);
            TrainResult result = job.Run(progress, ct);
            if (result.Stopped) throw new OperationCanceledException("interrupted: run the same command again to resume");
            state = result.State;
            trainNote = resume ? $"resumed to {state.Epoch} epochs" : $"{state.Epoch} epochs";
        }
        timings.Add(("training", clock.Elapsed.TotalSeconds, trainNote));

        // 3. export + parity
        Step("exporting to ONNX with Segnn's exporter and checking ONNX Runtime against TorchSharp");
        clock.Restart();
        Checkpoint checkpoint = Checkpoint.Load(best);
        using var model = checkpoint.CreateModel();
        ExportReport export = ExportPipeline.Run(model, modelPath, new ExportOptions { Provenance = new Dictionary<string, string> { ["source"] = "segnn quickstart", ["checkpoint"] = best } });
        if (export.Refusal is { } refusal) throw new InvalidOperationException(refusal);
        Parity.Result parity = export.Parity;
        using SegnnSession session = SegnnSession.Load(modelPath, new SessionSettings { IntraOpThreads = 2 });
        timings.Add(("export + parity", clock.Elapsed.TotalSeconds, $"{export.Bytes / 1024} KiB"));

        // 4. serving through Segnn.Runtime
        Step("serving the 2,000 test systems through Segnn.Runtime (ONNX Runtime, CPU, 2 threads)");
        clock.Restart();
        NBodySamples test = NBodySamples.Load(dataDir, "test");
        ParticleSystem[] systems = Enumerable.Range(0, test.Count).Select(s => new ParticleSystem($"test:{s}",
            test.Positions.AsSpan(15 * s, 15).ToArray(), test.Velocities.AsSpan(15 * s, 15).ToArray(), test.Charges.AsSpan(5 * s, 5).ToArray())).ToArray();
        var serve = Stopwatch.StartNew();
        IReadOnlyList<SystemPrediction> predictions = session.Predict(systems, new BatchOptions { MaxSystems = 100 });
        double serveSeconds = serve.Elapsed.TotalSeconds;
        double runtimeMse = 0;
        for (int s = 0; s < test.Count; s++)
        {
            double[] p = predictions[s].Outputs[NBodyTask.OutputName];
            for (int k = 0; k < 15; k++) runtimeMse += Math.Pow(p[k] - test.Targets[15 * s + k], 2);
        }
        runtimeMse /= 15.0 * test.Count;
        double constantVelocity = NBodyBaselines.ConstantVelocityMse(test), noMotion = NBodyBaselines.NoMotionMse(test);
        timings.Add(("serving", clock.Elapsed.TotalSeconds, $"{test.Count / serveSeconds:N0} systems/s"));

        // 5. rollouts + 6. figure
        Step("rolling 3 test trajectories forward and drawing them");
        clock.Restart();
        NBodyTrajectories trajectories = NBodyDataset.Load(dataDir, "test");
        string figure = Path.Combine(dir, "quickstart.png");
        DrawFigure(figure, trajectories, session, systems, state);
        timings.Add(("rollout + figure", clock.Elapsed.TotalSeconds, Path.GetFileName(figure)));

        Step("done");
        var table = new Table().AddColumn("").AddColumn(new TableColumn("test MSE (2,000 systems)").RightAligned());
        table.AddRow("no motion (baseline)", noMotion.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("constant velocity (baseline)", constantVelocity.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("SEGNN, TorchSharp (at best validation)", state.TestAtBest.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("SEGNN, exported, through Segnn.Runtime", runtimeMse.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("[dim]paper: SEGNN after 1,000 epochs[/]", "[dim]0.0043[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"ONNX Runtime vs TorchSharp: max abs difference [bold]{parity.MaxAbsDiff:E1}[/] on {parity.Nodes} nodes");
        var times = new Table().AddColumn("step").AddColumn(new TableColumn("seconds").RightAligned()).AddColumn("");
        foreach (var (name, seconds, note) in timings) times.AddRow(name, seconds.ToString("F1", CultureInfo.InvariantCulture), Markup.Escape(note));
        times.AddRow("[bold]total[/]", $"[bold]{total.Elapsed.TotalSeconds:F1}[/]", "");
        AnsiConsole.Write(times);
        AnsiConsole.MarkupLine($"model: {Markup.Escape(modelPath)}\nfigure: {Markup.Escape(figure)}");
        if (!(runtimeMse < constantVelocity))
        {
            AnsiConsole.MarkupLine("[red]the model did not beat the constant-velocity baseline[/]");
            return 3;
        }
        return 0;
    }

    private static bool DatasetIsValid(string dir)
    {
        try
        {
            NBodyManifest m = NBodyDataset.ReadManifest(dir);
            if (m.Seed != 43 || m.Files.Length != 3) return false;
            foreach (string split in new[] { "train", "valid", "test" }) NBodyDataset.Load(dir, split); // checks sizes and checksums
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static Checkpoint? TryLoad(string path)
    {
        try
        {
            return File.Exists(path) ? Checkpoint.Load(path) : null;
        }
        catch (SegnnModelException)
        {
            return null;
        }
    }

    private static void DrawFigure(string path, NBodyTrajectories trajectories, SegnnSession session, ParticleSystem[] systems, TrainingState state)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot paths = multiplot.GetPlot(0), loss = multiplot.GetPlot(1);
        ScottPlot.Color[] colors = [Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4];
        const int system = 0;
        IReadOnlyList<double[]> rollout = session.Rollout(systems[system], 2);
        for (int p = 0; p < 5; p++)
        {
            // true path from frame 20 to the last frame (x–y projection), the input at frame 30, predictions at 40 and 50
            var xs = new List<double>();
            var ys = new List<double>();
            for (int f = 20; f < trajectories.Frames; f++)
            {
                ReadOnlySpan<double> frame = trajectories.PositionsAt(system, f);
                xs.Add(frame[3 * p]);
                ys.Add(frame[3 * p + 1]);
            }
            var truth = paths.Add.Scatter(xs.ToArray(), ys.ToArray(), colors[p]);
            truth.MarkerSize = 0;
            truth.LegendText = p == 0 ? "true path (frames 20–48)" : "";
            ReadOnlySpan<double> start = trajectories.PositionsAt(system, 30);
            var input = paths.Add.Marker(start[3 * p], start[3 * p + 1], MarkerShape.FilledCircle, 7, colors[p]);
            input.LegendText = p == 0 ? "input (frame 30)" : "";
            var first = paths.Add.Marker(rollout[0][3 * p], rollout[0][3 * p + 1], MarkerShape.OpenSquare, 10, colors[p]);
            first.LegendText = p == 0 ? "prediction t+1 (frame 40)" : "";
            var second = paths.Add.Marker(rollout[1][3 * p], rollout[1][3 * p + 1], MarkerShape.Cross, 10, colors[p]);
            second.LegendText = p == 0 ? "rollout t+2" : "";
        }
        paths.Title("Test system 0: true vs predicted (x–y)");
        paths.ShowLegend(ScottPlot.Edge.Bottom); // outside the axes: inside, it hid a particle's path
        double[] epochs = state.History.Select(m => (double)m.Epoch).ToArray();
        var train = loss.Add.Scatter(epochs, state.History.Select(m => Math.Log10(m.TrainLoss)).ToArray());
        train.LegendText = "train MSE";
        var withVal = state.History.Where(m => m.Validation is not null).ToArray();
        var val = loss.Add.Scatter(withVal.Select(m => (double)m.Epoch).ToArray(), withVal.Select(m => Math.Log10(m.Validation!.Value)).ToArray());
        val.LegendText = "validation MSE";
        loss.XLabel("epoch");
        loss.YLabel("log10 MSE");
        loss.Title("Loss");
        loss.ShowLegend(ScottPlot.Alignment.UpperRight); // losses fall: the upper right is empty
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(path, multiplot.Render(1400, 600).GetImageBytes(ImageFormat.Png));
    }
}
