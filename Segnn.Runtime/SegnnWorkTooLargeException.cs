namespace Segnn.Runtime;

/// <summary>
/// A prediction that needs more memory than it may use: refused beforehand from an estimate (a system with more edges
/// than <see cref="BatchOptions.MaxMemoryBytes"/> allows), or reported when ONNX Runtime could not allocate. The message
/// names the system and the estimate, and says how to raise the limit.
/// </summary>
public sealed class SegnnWorkTooLargeException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public SegnnWorkTooLargeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public SegnnWorkTooLargeException(string message, Exception inner) : base(message, inner)
    {
    }
}
