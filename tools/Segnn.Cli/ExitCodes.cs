namespace Segnn.Cli;

/// <summary>The exit codes of <c>segnn</c> (README.md lists them): one per kind of failure, so scripts can tell them apart.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A bad option or setting (a value out of range, an unknown name, conflicting options).</summary>
    public const int Usage = 1;

    /// <summary>The exported model disagrees with TorchSharp beyond the acceptance rule.</summary>
    public const int ExportRefused = 2;

    /// <summary>The quickstart's model did not beat its baseline.</summary>
    public const int BaselineNotBeaten = 3;

    /// <summary>An input file or system that cannot be used (malformed, empty, unknown elements, a periodic cell where none is expected).</summary>
    public const int BadInput = 4;

    /// <summary>A model or checkpoint file that cannot be used (missing, corrupt, another task, a newer format).</summary>
    public const int BadModel = 5;

    /// <summary>Work too large for the memory available (refused beforehand, or an allocation failure).</summary>
    public const int OutOfMemory = 6;

    /// <summary>A file-system failure (cannot read or write, disk full, permission denied).</summary>
    public const int FileSystem = 7;

    /// <summary>An ONNX Runtime failure while running a model.</summary>
    public const int RuntimeFailure = 8;

    /// <summary>An operation that could not complete for another stated reason (e.g. a training loss that became NaN).</summary>
    public const int Failed = 9;

    /// <summary>A failure Segnn did not foresee (a bug): one line, and SEGNN_DEBUG=1 prints the stack trace.</summary>
    public const int Internal = 70;

    /// <summary>Interrupted (Ctrl-C); a training run can be resumed.</summary>
    public const int Cancelled = 130;
}
