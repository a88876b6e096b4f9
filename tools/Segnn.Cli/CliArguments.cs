namespace Segnn.Cli;

/// <summary>Range checks of numeric options, so a bad value is one clear line instead of a failure deep inside.</summary>
internal static class CliArguments
{
    public static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1, not {value}");

    public static int NonNegative(int value, string option) =>
        value >= 0 ? value : throw new ArgumentException($"{option} must be 0 or more, not {value}");
}
