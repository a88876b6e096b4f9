using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Export;
using Segnn.IO;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn train</c> and <c>segnn eval</c>: bind options, call <see cref="TrainingJob"/> / <see cref="ModelEvaluation"/>, print.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = $"the task: {TaskRegistry.Choices}", Required = true };
        var data = new Option<string>("--data") { Description = "the task's data (nbody: a folder from 'segnn nbody generate'; molecules: the QM9 data folder or file)", Required = true };
        var output = new Option<string>("--out") { Description = "run folder (checkpoints, metrics.csv, loss.png, summary.json)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its last checkpoint (it keeps its settings; --epochs may extend it)" };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (nbody default 1000)" };
        var batch = new Option<int?>("--batch-size") { Description = "batch size (nbody 100, qm9 128)" };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default 5e-4)" };
        var wd = new Option<double?>("--weight-decay") { Description = "coupled L2 weight decay (nbody 1e-12, qm9 1e-8)" };
        var schedule = new Option<string?>("--schedule") { Description = EnumNames.Choices<LearningRateSchedule>() };
        var warmup = new Option<int?>("--warmup") { Description = "linear warm-up epochs" };
        var validateEvery = new Option<int?>("--validate-every") { Description = "validate every k epochs (nbody 5)" };
        var seed = new Option<int?>("--seed") { Description = "seed of initialisation and shuffling (default 42)" };
        var threads = new Option<int?>("--threads") { Description = "TorchSharp threads (default 1)" };
        var maxTrain = new Option<int?>("--max-train") { Description = "use the first n training samples (nbody default 3000)" };
        var timeLimit = new Option<double?>("--time-limit") { Description = "stop cleanly after this many seconds of training" };
        var config = new Option<string?>("--config") { Description = "model configuration JSON (replaces the task's default)" };
        var hidden = new Option<int?>("--hidden-features") { Description = "hidden feature budget (nbody 64)" };
        var layers = new Option<int?>("--layers") { Description = "message-passing layers (nbody 4)" };
        var centering = new Option<string?>("--centering") { Description = "nbody input centring: reference (default, the paper's quirk) | system" };
        var targets = new Option<string?>("--targets") { Description = "targets, comma-separated (qm9-mp2: binding_energy,homo,dipole; qm9: one of mu alpha homo lumo gap r2 zpve U0 U H G Cv)" };
        var lmaxHidden = new Option<int?>("--lmax-hidden") { Description = "highest degree of hidden features" };
        var lmaxAttr = new Option<int?>("--lmax-attr") { Description = "highest degree of the attributes" };
        var norm = new Option<string?>("--norm") { Description = EnumNames.Choices<NormKind>() };
        var cutoff = new Option<double?>("--cutoff") { Description = "radius-graph cutoff in Å (molecules 2, is2re 4)" };
        var pool = new Option<string?>("--pool") { Description = "graph pooling: avg | sum (sum suits extensive targets such as energies)" };
        var trainFrames = new Option<string?>("--train-frames") { Description = "nbody: draw each epoch's input frame from FIRST:LAST of the same training trajectories (default: the paper's frame 30)" };
        var cmd = new Command("train", "Train a SEGNN model")
        {
            task, data, output, resume, epochs, batch, lr, wd, schedule, warmup, validateEvery, seed, threads, maxTrain, timeLimit, config, hidden, layers, centering,
            targets, lmaxHidden, lmaxAttr, norm, trainFrames, pool, cutoff,
        };
        cmd.SetAction((r, ct) =>
        {
            SegnnTask segnnTask = TaskRegistry.Parse(r.GetValue(task)!);
            var model = new ModelOverrides
            {
                ConfigFile = r.GetValue(config),
                HiddenFeatures = r.GetValue(hidden),
                Layers = r.GetValue(layers),
                Centering = r.GetValue(centering) is { } c ? EnumNames.Parse<Centering>(c, "--centering") : null,
                LMaxHidden = r.GetValue(lmaxHidden),
                LMaxAttributes = r.GetValue(lmaxAttr),
                Norm = r.GetValue(norm) is { } n ? EnumNames.Parse<NormKind>(n, "--norm") : null,
                Pool = r.GetValue(pool) is { } p ? EnumNames.Parse<Pooling>(p, "--pool") : null,
                Cutoff = r.GetValue(cutoff) is double c2 ? (c2 > 0 && double.IsFinite(c2) ? c2 : throw new ArgumentException($"--cutoff must be a positive distance in Å, not {c2}")) : null,
                Targets = r.GetValue(targets)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            };
            var options = new OptionOverrides
            {
                Epochs = r.GetValue(epochs),
                BatchSize = r.GetValue(batch),
                LearningRate = r.GetValue(lr),
                WeightDecay = r.GetValue(wd),
                Schedule = r.GetValue(schedule) is { } s ? EnumNames.Parse<LearningRateSchedule>(s, "--schedule") : null,
                WarmupEpochs = r.GetValue(warmup),
                ValidateEvery = r.GetValue(validateEvery),
                Seed = r.GetValue(seed),
                Threads = r.GetValue(threads),
                MaxTrainSamples = r.GetValue(maxTrain),
                TimeLimitSeconds = r.GetValue(timeLimit),
                TrainFrames = r.GetValue(trainFrames),
            };
            TrainingJob job = TrainingJob.Prepare(segnnTask, r.GetValue(data)!, r.GetValue(output)!, r.GetValue(resume), model, options);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var progress = new ConsoleTrainingProgress();
            TrainResult result = job.Run(progress, ct);
            JsonObject summary = job.Summary(result, clock.Elapsed.TotalSeconds);
            AtomicFile.WriteAllText(Path.Combine(job.RunDir, RunFiles.SummaryFile), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(summary.ToJsonString(CliJson.Options));
            return Task.FromResult(result.Stopped && ct.IsCancellationRequested ? 130 : 0);
        });
        return cmd;
    }

    public static Command Eval()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "run folder (its best.ckpt) or a .ckpt file (TorchSharp)" };
        var modelFile = new Option<string?>("--model") { Description = "an exported .onnx file (ONNX Runtime through Segnn.Runtime)" };
        var data = new Option<string>("--data") { Description = "the task's data folder", Required = true };
        var split = new Option<string>("--split") { Description = "train | valid | test (slabs-emt: test_id, test_ood_ads, test_ood_cat; s2ef also bulk_test)", DefaultValueFactory = _ => "test" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var threads = new Option<int>("--threads") { Description = "TorchSharp or ONNX Runtime threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("eval", "Evaluate a trained model on a split (nbody: MSE; molecules: MAE per target, with the baselines)") { checkpoint, modelFile, data, split, json, threads };
        cmd.SetAction(r =>
        {
            int threadCount = CliArguments.Positive(r.GetValue(threads), "--threads");
            string dataDir = r.GetValue(data)!, splitName = r.GetValue(split)!;
            (EvaluationResult result, ModelConfig config) = (r.GetValue(checkpoint), r.GetValue(modelFile)) switch
            {
                ({ } ckptPath, null) => FromCheckpoint(ckptPath, dataDir, splitName, threadCount),
                (null, { } onnxPath) => FromModelFile(onnxPath, dataDir, splitName, threadCount),
                (null, null) => throw new ArgumentException("give --checkpoint (a run folder or .ckpt) or --model (an .onnx file)"),
                _ => throw new ArgumentException("give either --checkpoint or --model, not both"),
            };
            var o = new JsonObject { ["task"] = config.Task.Name, ["split"] = splitName, ["n"] = result.Samples };
            foreach (var (k, v) in result.Report) o[k] = v;
            foreach (var (k, v) in config.TaskDefinition.Baselines(config, dataDir, splitName)) o[k] = v;
            if (r.GetValue(json)) Console.WriteLine(o.ToJsonString(CliJson.Options));
            else foreach (var (k, v) in o) Console.WriteLine($"{k,-32} {v}");
        });
        return cmd;
    }

    private static (EvaluationResult, ModelConfig) FromCheckpoint(string path, string dataDir, string split, int threads)
    {
        TorchSharp.torch.set_num_threads(threads);
        Checkpoint ckpt = Checkpoint.Load(CheckpointPath(path));
        return (ModelEvaluation.OfCheckpoint(ckpt, dataDir, split), ckpt.Config);
    }

    private static (EvaluationResult, ModelConfig) FromModelFile(string path, string dataDir, string split, int threads)
    {
        using SegnnSession session = SegnnSession.Load(path, new SessionSettings { IntraOpThreads = threads });
        return (ModelEvaluation.OfModelFile(session, dataDir, split), ModelEvaluation.ConfigOf(session));
    }

    /// <summary>A run folder means its best checkpoint.</summary>
    public static string CheckpointPath(string path) =>
        Directory.Exists(path) ? Path.Combine(path, Trainer.BestCheckpoint) : path;
}
