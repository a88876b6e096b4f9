using System.Globalization;
using ScottPlot;
using Segnn.IO;

namespace Segnn.Training;

/// <summary>The human-facing files of a run: metrics.csv (CsvHelper) and loss.png (ScottPlot), rewritten atomically.</summary>
public static class RunFiles
{
    public const string MetricsFile = "metrics.csv";
    public const string PlotFile = "loss.png";
    public const string SummaryFile = "summary.json";

    public static void WriteMetrics(string runDir, IReadOnlyList<EpochMetrics> history) =>
        CsvFile.Write(Path.Combine(runDir, MetricsFile), ["epoch", "learning_rate", "train_loss", "validation", "test", "seconds"],
            history.Select(m => (IReadOnlyList<string>)
            [
                m.Epoch.ToString(CultureInfo.InvariantCulture),
                m.LearningRate.ToString("G6", CultureInfo.InvariantCulture),
                m.TrainLoss.ToString("G8", CultureInfo.InvariantCulture),
                m.Validation?.ToString("G8", CultureInfo.InvariantCulture) ?? "",
                m.Test?.ToString("G8", CultureInfo.InvariantCulture) ?? "",
                m.Seconds.ToString("F1", CultureInfo.InvariantCulture),
            ]));

    /// <summary>Training loss and validation metric per epoch on a log scale.</summary>
    public static void WritePlot(string runDir, IReadOnlyList<EpochMetrics> history, string metricName)
    {
        if (history.Count == 0) return;
        var plot = new Plot();
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        var train = plot.Add.Scatter(epochs, history.Select(m => Math.Log10(Math.Max(m.TrainLoss, 1e-12))).ToArray());
        train.LegendText = "train loss";
        train.MarkerSize = 0;
        var withVal = history.Where(m => m.Validation is not null).ToArray();
        if (withVal.Length > 0)
        {
            var val = plot.Add.Scatter(withVal.Select(m => (double)m.Epoch).ToArray(), withVal.Select(m => Math.Log10(Math.Max(m.Validation!.Value, 1e-12))).ToArray());
            val.LegendText = $"validation {metricName}";
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        plot.XLabel("epoch");
        plot.YLabel("loss (log scale)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight); // losses fall: the upper right is empty
        byte[] png = plot.GetImageBytes(900, 500, ImageFormat.Png);
        AtomicFile.Write(Path.Combine(runDir, PlotFile), png);
    }
}
