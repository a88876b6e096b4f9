using Segnn.Runtime;
using Segnn.Runtime.Inputs;

// Usage: Segnn.Sample [model.onnx] — predicts with a Segnn model through Segnn.Runtime alone.
string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "../../../../../../models/nbody-charged.onnx");
using SegnnSession model = SegnnSession.Load(path);
Console.WriteLine($"{model.Metadata.Task} model on {model.ExecutionProvider}; outputs: {string.Join(", ", model.Metadata.Outputs.Select(o => o.Name))}");

if (model.Metadata.System == SystemKind.ParticleSystem)
{
    var system = new ParticleSystem("demo", Positions: [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1],
        Velocities: [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5, -0.5, 0, 0, 0, -0.5, 0], Charges: [1, -1, 1, -1, 1]);
    IReadOnlyList<double[]> path3 = model.Rollout(system, steps: 3);
    for (int t = 0; t < path3.Count; t++) Console.WriteLine($"t+{t + 1}: particle 0 at ({path3[t][0]:F3}, {path3[t][1]:F3}, {path3[t][2]:F3})");
}
else
{
    var water = new Molecule("water", [8, 1, 1], [0, 0, 0, 0.9572, 0, 0, -0.2400, 0.9266, 0]);
    foreach (var (name, values) in model.Predict(water).Outputs)
        Console.WriteLine($"{name}: {string.Join(", ", values.Select(v => v.ToString("G6")))}");
}
