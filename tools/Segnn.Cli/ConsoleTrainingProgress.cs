using System.Globalization;
using Segnn.Training;
using Spectre.Console;

namespace Segnn.Cli;

/// <summary>
/// Training progress on the console: a live bar (epoch, step, loss, ETA) when stderr is a terminal, plain lines
/// otherwise (CI logs, pipes) — one line per validated epoch and at least one every 30 seconds.
/// </summary>
internal sealed class ConsoleTrainingProgress : ITrainingProgress, IDisposable
{
    private readonly bool _interactive = !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _epochs;
    private int _firstEpoch;
    private int _stepsPerEpoch;
    private double _lastLine;
    private double _recentLoss = double.NaN;

    public void RunStarted(int firstEpoch, int epochs, int stepsPerEpoch)
    {
        _firstEpoch = firstEpoch;
        _epochs = epochs;
        _stepsPerEpoch = stepsPerEpoch;
        Console.Error.WriteLine($"training epochs {firstEpoch + 1}..{epochs}, {stepsPerEpoch} steps per epoch");
    }

    public void Step(int epoch, int step, double loss)
    {
        _recentLoss = double.IsNaN(_recentLoss) ? loss : 0.95 * _recentLoss + 0.05 * loss;
        double now = _clock.Elapsed.TotalSeconds;
        if (_interactive && now - _lastLine > 0.25)
        {
            _lastLine = now;
            double done = (epoch - _firstEpoch) + (step + 1.0) / _stepsPerEpoch;
            double total = _epochs - _firstEpoch;
            double eta = done > 0 ? now / done * (total - done) : 0;
            int width = 30, filled = (int)(width * done / total);
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', width - filled)}] epoch {epoch + 1}/{_epochs} step {step + 1}/{_stepsPerEpoch} loss {_recentLoss:G4} ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}   "));
        }
        else if (!_interactive && now - _lastLine > 30)
        {
            _lastLine = now;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{_epochs} step {step + 1}/{_stepsPerEpoch} loss {_recentLoss:G4} ({now:F0} s)"));
        }
    }

    public void EpochFinished(EpochMetrics m, bool improved)
    {
        if (m.Validation is null) return;
        if (_interactive) Console.Error.Write("\r" + new string(' ', 110) + "\r");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch,5}  lr {m.LearningRate:G3}  train {m.TrainLoss:G5}  valid {m.Validation:G5}  test {m.Test:G5}{(improved ? "  *best" : "")}  ({m.Seconds:F0} s)"));
        _lastLine = _clock.Elapsed.TotalSeconds;
    }

    public void Message(string text) => Console.Error.WriteLine(text);

    public void Dispose()
    {
        if (_interactive) Console.Error.WriteLine();
    }
}
