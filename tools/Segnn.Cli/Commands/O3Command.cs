using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segnn.O3;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn o3 …</c>: the algebra printed as JSON, for cross-checking against other libraries.</summary>
internal static class O3Command
{
    public static Command Create()
    {
        var o3 = new Command("o3", "Inspect the O(3) algebra (spherical harmonics, Wigner 3j, tensor-product paths) as JSON");
        o3.Subcommands.Add(Sh());
        o3.Subcommands.Add(Wigner3jCommand());
        o3.Subcommands.Add(Paths());
        o3.Subcommands.Add(Precompute());
        return o3;
    }

    private static Command Sh()
    {
        var lmax = new Option<int>("--lmax") { Description = "highest degree", Required = true };
        var norm = new Option<string>("--normalization") { Description = "component | integral | norm", DefaultValueFactory = _ => "component" };
        var vector = new Option<string>("--vector") { Description = "x,y,z", Required = true, AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("sh", "Real spherical harmonics (e3nn 0.4.1 basis) of one vector, degrees 0..L concatenated") { lmax, norm, vector };
        cmd.SetAction(r =>
        {
            double[] v = ParseVector(r.GetValue(vector)!);
            ShNormalization n = SphericalHarmonics.ParseNormalization(r.GetValue(norm)!);
            int l = r.GetValue(lmax);
            if (l < 0) throw new ArgumentException("--lmax must be >= 0");
            double[] y = SphericalHarmonics.Evaluate(l, v[0], v[1], v[2], n);
            Print(new JsonObject
            {
                ["lmax"] = l,
                ["normalization"] = n.ToString().ToLowerInvariant(),
                ["vector"] = ToJson(v),
                ["irreps"] = Irreps.SphericalHarmonics(l).ToString(),
                ["values"] = ToJson(y),
            });
        });
        return cmd;
    }

    private static Command Wigner3jCommand()
    {
        var l1 = new Argument<int>("L1");
        var l2 = new Argument<int>("L2");
        var l3 = new Argument<int>("L3");
        var cmd = new Command("wigner3j", "The real Wigner-3j tensor (unit Frobenius norm), flattened row-major [i,j,k]") { l1, l2, l3 };
        cmd.SetAction(r =>
        {
            int a = r.GetValue(l1), b = r.GetValue(l2), c = r.GetValue(l3);
            double[] t = Wigner3j.Get(a, b, c);
            Print(new JsonObject
            {
                ["l"] = new JsonArray(a, b, c),
                ["shape"] = new JsonArray(2 * a + 1, 2 * b + 1, 2 * c + 1),
                ["values"] = ToJson(t),
            });
        });
        return cmd;
    }

    private static Command Paths()
    {
        var in1 = new Argument<string>("IRREPS_IN1");
        var in2 = new Argument<string>("IRREPS_IN2");
        var output = new Argument<string>("IRREPS_OUT");
        var cmd = new Command("paths", "Allowed paths of the fully connected tensor product and their weight counts") { in1, in2, output };
        cmd.SetAction(r =>
        {
            var descriptor = new TensorProductDescriptor(Irreps.Parse(r.GetValue(in1)!), Irreps.Parse(r.GetValue(in2)!), Irreps.Parse(r.GetValue(output)!));
            var paths = new JsonArray();
            foreach (TensorProductPath p in descriptor.Paths)
                paths.Add(new JsonObject
                {
                    ["in1"] = p.In1,
                    ["in2"] = p.In2,
                    ["out"] = p.Out,
                    ["irreps"] = $"{descriptor.Input1[p.In1].Ir} x {descriptor.Input2[p.In2].Ir} -> {descriptor.Output[p.Out].Ir}",
                    ["weight_shape"] = new JsonArray(p.Mul1, p.Mul2, p.MulOut),
                    ["weights"] = p.WeightCount,
                    ["weight_offset"] = p.WeightOffset,
                });
            Print(new JsonObject
            {
                ["irreps_in1"] = descriptor.Input1.ToString(),
                ["irreps_in2"] = descriptor.Input2.ToString(),
                ["irreps_out"] = descriptor.Output.ToString(),
                ["paths"] = paths,
                ["weights"] = descriptor.WeightCount,
                ["biases"] = descriptor.BiasCount,
                ["fan_in"] = ToJson(descriptor.FanIn.Select(f => (double)f).ToArray()),
            });
        });
        return cmd;
    }

    private static Command Precompute()
    {
        var lmax = new Option<int>("--lmax") { Description = "highest degree", DefaultValueFactory = _ => 8 };
        var cmd = new Command("precompute", "Computes every Wigner-3j tensor with all degrees <= L and prints the time it took") { lmax };
        cmd.SetAction(r =>
        {
            int l = r.GetValue(lmax);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int count = Wigner3j.Precompute(l);
            sw.Stop();
            Print(new JsonObject
            {
                ["lmax"] = l,
                ["triples"] = count,
                ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 4),
                ["threads"] = Environment.ProcessorCount,
            });
        });
        return cmd;
    }

    private static double[] ParseVector(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3)
            throw new FormatException($"--vector '{text}': expected three comma-separated numbers x,y,z");
        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"--vector '{text}': '{p}' is not a finite number")).ToArray();
    }

    private static JsonArray ToJson(double[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static void Print(JsonObject o) => Console.WriteLine(o.ToJsonString(CliJson.Options));
}
