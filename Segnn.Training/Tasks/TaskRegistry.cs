using System.Diagnostics.CodeAnalysis;
using Segnn.Runtime;

namespace Segnn.Tasks;

/// <summary>
/// Every task, by its <see cref="TaskKey"/>. Adding a task is one file (a <see cref="SegnnTask"/>) and one line here;
/// nothing else in the code base knows task names.
/// </summary>
public static class TaskRegistry
{
    private static readonly SegnnTask[] Tasks =
    [
        new NBodyTask(),
        new Qm9Task(),
        new Qm9Mp2Task(),
        new Is2reTask(),
        new BulkEnergyTask(),
        new S2efTask(),
    ];

    private static readonly Dictionary<TaskKey, SegnnTask> ByKey = Tasks.ToDictionary(t => t.Key);

    /// <summary>All tasks, in registration order.</summary>
    public static IReadOnlyList<SegnnTask> All => Tasks;

    /// <summary>"nbody, qm9 or qm9-mp2".</summary>
    public static string Choices => Tasks.Length == 1 ? Tasks[0].Key.Name
        : $"{string.Join(", ", Tasks.Take(Tasks.Length - 1).Select(t => t.Key.Name))} or {Tasks[^1].Key.Name}";

    public static bool TryGet(TaskKey key, [NotNullWhen(true)] out SegnnTask? task) => ByKey.TryGetValue(key, out task);

    /// <exception cref="FormatException">No task has this key.</exception>
    public static SegnnTask Get(TaskKey key) =>
        TryGet(key, out SegnnTask? task) ? task : throw new FormatException($"unknown task '{key}' (expected {Choices})");

    /// <summary>The task of a name from a command line or file.</summary>
    /// <exception cref="FormatException">The name is not a task's.</exception>
    public static SegnnTask Parse(string name) => TaskKey.IsValid(name) ? Get(new TaskKey(name))
        : throw new FormatException($"unknown task '{name}' (expected {Choices})");
}
