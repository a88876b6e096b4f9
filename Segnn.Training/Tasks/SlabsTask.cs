using System.Collections.Concurrent;
using System.Globalization;
using Segnn.Data.Atomistic;
using Segnn.Data.Slabs;
using Segnn.Runtime;

namespace Segnn.Tasks;

/// <summary>
/// Atomistic tasks on the periodic EMT data of shared/data/slabs-emt: structures with a cell (the model takes the cell and
/// the edges' image shifts; edge vectors include shift·cell inside the forward), split as the files are. Each subclass
/// names its file kind and splits.
/// </summary>
public abstract class SlabsTask : AtomisticTask
{
    // reading a split's files takes seconds; evaluation reads the data again for its baselines
    private static readonly ConcurrentDictionary<(string Kind, string Dir), Lazy<AtomisticSplits>> Cache = new();

    public override SystemKind System => SystemKind.PeriodicStructure;
    public override string LengthUnit => "angstrom";
    public override string DataDescription => "the slabs-emt data folder (../shared/data/slabs-emt)";

    /// <summary>The file kind read for every split (<c>is2re</c>, <c>bulk</c>).</summary>
    protected abstract string FileKind { get; }

    /// <summary>train, valid, then the test splits (the first is the one the trainer reports).</summary>
    protected abstract IReadOnlyList<string> SplitNames { get; }

    public override AtomisticSplits Split(string dataDir) =>
        Cache.GetOrAdd((FileKind, Path.GetFullPath(dataDir)), key => new Lazy<AtomisticSplits>(() => ReadSplits(key.Dir))).Value;

    private AtomisticSplits ReadSplits(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such data folder ({DataDescription})");
        var parts = SplitNames.ToDictionary(s => s, s => (IReadOnlyList<ILabelledSystem>)ReadSplit(dir, s));
        var description = new Dictionary<string, string>
        {
            ["dataset"] = dir,
            ["files"] = $"{FileKind}_{{{string.Join(",", SplitNames)}}}",
            ["counts"] = string.Join("/", SplitNames.Select(s => $"{s}:{parts[s].Count.ToString(CultureInfo.InvariantCulture)}")),
        };
        IReadOnlyList<ILabelledSystem>? extra = TrainingExtra(dir, parts["train"]);
        if (extra is not null) description["train_extra"] = $"{extra.Count.ToString(CultureInfo.InvariantCulture)} more training samples: {TrainingExtraDescription}";
        return new AtomisticSplits(parts["train"], parts["valid"], SplitNames.Skip(2).Select(s => (s, parts[s])).ToArray(), description, extra);
    }

    /// <summary>Training samples derived from the training split (none by default).</summary>
    protected virtual IReadOnlyList<ILabelledSystem>? TrainingExtra(string dir, IReadOnlyList<ILabelledSystem> train) => null;

    /// <summary>What <see cref="TrainingExtra"/> adds, for provenance.</summary>
    protected virtual string TrainingExtraDescription => "";

    /// <summary>The labelled structures of one split.</summary>
    protected virtual List<LabelledStructure> ReadSplit(string dir, string split) => SlabsEmt.Read(SlabsEmt.File(dir, FileKind, split)).ToList();
}
