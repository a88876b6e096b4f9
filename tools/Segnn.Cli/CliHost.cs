using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using Segnn.Runtime;

namespace Segnn.Cli;

/// <summary>
/// Runs the command tree; the one place where failures become one line on stderr and a distinct exit code
/// (<see cref="ExitCodes"/>), never a stack trace (set SEGNN_DEBUG=1 to see one).
/// </summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            // System.CommandLine's own handler would print a stack trace; the catch below gives one line instead.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            var (code, text) = Classify(ex);
            Console.Error.WriteLine($"segnn: {text}");
            if (Environment.GetEnvironmentVariable("SEGNN_DEBUG") == "1") Console.Error.WriteLine(ex);
            return code;
        }
    }

    /// <summary>The exit code and one-line message of a failure.</summary>
    internal static (int Code, string Message) Classify(Exception ex) => ex switch
    {
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled"),
        SegnnModelException => (ExitCodes.BadModel, $"error: {OneLine(ex)}"),
        SegnnInputException => (ExitCodes.BadInput, $"error: {OneLine(ex)}"),
        SegnnWorkTooLargeException => (ExitCodes.OutOfMemory, $"error: {OneLine(ex)}"),
        OutOfMemoryException or InsufficientMemoryException => (ExitCodes.OutOfMemory, $"error: out of memory ({OneLine(ex)}); use smaller batches (--batch-nodes) or a machine with more memory"),
        OnnxRuntimeException => (ExitCodes.RuntimeFailure, $"error: ONNX Runtime failed: {OneLine(ex)}"),
        InvalidDataException => (ExitCodes.BadInput, $"error: {OneLine(ex)}"),
        FormatException or ArgumentException => (ExitCodes.Usage, $"error: {OneLine(ex)}"),
        IOException or UnauthorizedAccessException => (ExitCodes.FileSystem, $"error: {OneLine(ex)}"),
        InvalidOperationException or NotSupportedException => (ExitCodes.Failed, $"error: {OneLine(ex)}"),
        AggregateException { InnerExceptions.Count: 1 } a => Classify(a.InnerExceptions[0]),
        _ => (ExitCodes.Internal, $"internal error ({ex.GetType().Name}): {OneLine(ex)}; please report it (SEGNN_DEBUG=1 prints the stack trace)"),
    };

    private static string OneLine(Exception ex)
    {
        string text = string.Join(' ', ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // libtorch appends its C++ stack ("Exception raised from … frame #0: …") to its messages: not for users
        int native = text.IndexOf(" Exception raised from ", StringComparison.Ordinal);
        return native > 0 ? text[..native] : text;
    }
}
