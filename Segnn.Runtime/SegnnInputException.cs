namespace Segnn.Runtime;

/// <summary>
/// An input system (molecule, graph, batch) that cannot be used: the message names the system and what is wrong with it.
/// </summary>
public sealed class SegnnInputException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public SegnnInputException()
        : base("invalid input system")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    public SegnnInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    public SegnnInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="systemName"/>, with the message "{systemName}: {problem}".</summary>
    public SegnnInputException(string systemName, string problem, Exception? innerException = null)
        : base($"{systemName}: {problem}", innerException)
    {
        SystemName = systemName;
        Problem = problem;
    }

    /// <summary>The system that is invalid, where known.</summary>
    public string? SystemName { get; }

    /// <summary>What is wrong with it, where known.</summary>
    public string? Problem { get; }
}
