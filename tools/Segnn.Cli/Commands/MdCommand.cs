using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ScottPlot;
using Segnn.IO;
using Segnn.Runtime;
using Segnn.Runtime.Dynamics;
using Segnn.Runtime.Inputs;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn md</c>: molecular dynamics with an exported force field; a trajectory (extended XYZ), an energy CSV and plot, and the energy conservation.</summary>
internal static class MdCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a force-field .onnx (outputs energy and forces); export with --precision float64 for long NVE runs", Required = true };
        var input = new Option<string>("--input") { Description = "extended XYZ with the starting structure (a cell; gzip allowed)", Required = true };
        var frame = new Option<int>("--frame") { Description = "which frame of --input to start from", DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps") { Description = "time steps", DefaultValueFactory = _ => 1000 };
        var dt = new Option<double>("--dt") { Description = "time step, fs", DefaultValueFactory = _ => 1.0 };
        var thermostat = new Option<string>("--thermostat") { Description = "nve | langevin", DefaultValueFactory = _ => "nve" };
        var temperature = new Option<double>("--temperature") { Description = "Langevin bath temperature, K", DefaultValueFactory = _ => 300 };
        var friction = new Option<double>("--friction") { Description = "Langevin friction, 1/fs", DefaultValueFactory = _ => 0.01 };
        var initial = new Option<double>("--initial-temperature") { Description = "Maxwell–Boltzmann initial velocities, K (0: at rest)", DefaultValueFactory = _ => 300 };
        var every = new Option<int>("--every") { Description = "write every k-th step", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "seed of velocities and noise", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: default)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "folder for trajectory.extxyz, energy.csv, energy.png, summary.json", Required = true };
        var cmd = new Command("md", "Molecular dynamics (NVE or Langevin NVT) with an exported force field") { model, input, frame, steps, dt, thermostat, temperature, friction, initial, every, seed, threads, output };
        cmd.SetAction((r, ct) =>
        {
            using SegnnSession session = PredictCommand.Open(r.GetValue(model)!, "cpu", r.GetValue(threads));
            int index = CliArguments.NonNegative(r.GetValue(frame), "--frame");
            XyzFrame start = XyzReader.ReadFile(r.GetValue(input)!).Skip(index).FirstOrDefault()
                ?? throw new InvalidDataException($"{r.GetValue(input)}: has no frame {index}");
            PeriodicStructure structure = PeriodicStructure.FromFrame(start);
            var options = new MdOptions
            {
                TimeStepFs = r.GetValue(dt),
                Thermostat = r.GetValue(thermostat) switch
                {
                    "nve" => Thermostat.Nve,
                    "langevin" => Thermostat.Langevin,
                    var other => throw new ArgumentException($"--thermostat must be nve or langevin, not '{other}'"),
                },
                TemperatureK = r.GetValue(temperature),
                FrictionPerFs = r.GetValue(friction),
                InitialTemperatureK = r.GetValue(initial),
                Seed = r.GetValue(seed),
            };
            int stepCount = CliArguments.NonNegative(r.GetValue(steps), "--steps"), k = CliArguments.Positive(r.GetValue(every), "--every");
            var md = new MolecularDynamics(session, structure, options);
            string dir = r.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var frames = new List<MdFrame>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            double lastReport = 0;
            AtomicFile.Write(Path.Combine(dir, "trajectory.extxyz"), stream =>
            {
                using var text = new StreamWriter(stream, leaveOpen: true);
                var writer = new ExtXyzWriter(text);
                foreach (MdFrame f in md.Run(stepCount, k))
                {
                    ct.ThrowIfCancellationRequested();
                    frames.Add(f);
                    writer.Write(structure with { Positions = f.Positions }, new ExtXyzValues
                    {
                        Energy = f.PotentialEnergy,
                        Forces = f.Forces,
                        Info = new Dictionary<string, object> { ["step"] = f.Step, ["time_fs"] = f.TimeFs, ["kinetic_energy"] = f.KineticEnergy, ["temperature"] = f.Temperature },
                        AtomColumns = new Dictionary<string, double[]> { ["velocities"] = f.Velocities },
                    });
                    if (clock.Elapsed.TotalSeconds - lastReport >= 5)
                    {
                        lastReport = clock.Elapsed.TotalSeconds;
                        Console.Error.WriteLine($"  step {f.Step:N0}/{stepCount:N0}  E {f.TotalEnergy:F5} eV  T {f.Temperature:F0} K  ({f.Step / lastReport:F0} steps/s)");
                    }
                }
            });
            CsvFile.Write(Path.Combine(dir, "energy.csv"), ["step", "time_fs", "potential_eV", "kinetic_eV", "total_eV", "temperature_K"],
                frames.Select(f => (IReadOnlyList<string>)[f.Step.ToString(CultureInfo.InvariantCulture), F(f.TimeFs), F(f.PotentialEnergy), F(f.KineticEnergy), F(f.TotalEnergy), F(f.Temperature)]));
            var plot = new Plot();
            double[] t = frames.Select(f => f.TimeFs).ToArray();
            plot.Add.Scatter(t, frames.Select(f => f.TotalEnergy).ToArray()).LegendText = "total";
            plot.Add.Scatter(t, frames.Select(f => f.PotentialEnergy).ToArray()).LegendText = "potential";
            plot.XLabel("time (fs)");
            plot.YLabel("energy (eV)");
            plot.Title($"{structure.Name}: {EnumNames(options.Thermostat)}, dt {options.TimeStepFs} fs");
            plot.ShowLegend();
            AtomicFile.Write(Path.Combine(dir, "energy.png"), plot.GetImageBytes(900, 500, ImageFormat.Png));
            EnergyConservation conservation = EnergyConservation.Of(frames, structure.AtomCount);
            var summary = new JsonObject
            {
                ["structure"] = structure.Name,
                ["atoms"] = structure.AtomCount,
                ["steps"] = stepCount,
                ["dt_fs"] = options.TimeStepFs,
                ["thermostat"] = EnumNames(options.Thermostat),
                ["drift_eV_per_atom"] = conservation.DriftPerAtom,
                ["max_deviation_eV_per_atom"] = conservation.MaxDeviationPerAtom,
                ["fluctuation_eV_per_atom"] = conservation.FluctuationPerAtom,
                ["mean_temperature_K"] = frames.Average(f => f.Temperature),
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["precision"] = session.Metadata.Precision.ToString(),
            };
            AtomicFile.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(summary.ToJsonString(CliJson.Options));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static string EnumNames(Thermostat t) => t == Thermostat.Nve ? "nve" : "langevin";

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
