using System.Text.Encodings.Web;
using System.Text.Json;

namespace Segnn.Cli;

internal static class CliJson
{
    /// <summary>Compact JSON with '+' and '>' printed as themselves (irreps strings stay readable).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
